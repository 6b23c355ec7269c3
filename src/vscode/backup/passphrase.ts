import * as fs from 'fs/promises';
import * as vscode from 'vscode';
import { DecryptionKeys, EncryptionInfo } from '../../core/backup/encryption';
import { PgTunerError } from '../../core/errors';
import { Settings } from '../../core/settings/schema';

/** The backup passphrase in VS Code's secret storage (OS keychain): never in settings, logs or the manifest. */
const SECRET_NAME = 'pgtuner.backup.passphrase';

/**
 * The passphrase for encrypting backups: the environment variable named by
 * pgtuner.backup.encryptionPassphraseEnv when set, else the one in secret storage, else (when
 * `ask`) one the user types, which is kept in secret storage.
 */
export async function backupPassphrase(secrets: vscode.SecretStorage, settings: Settings, ask: boolean): Promise<string | undefined> {
  const envName = settings['backup.encryptionPassphraseEnv'].trim();
  if (envName) {
    const value = process.env[envName];
    if (!value)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('The environment variable named by pgtuner.backup.encryptionPassphraseEnv is not set or is empty.'),
      );
    return value;
  }
  return (await secrets.get(SECRET_NAME)) ?? (ask ? setBackupPassphrase(secrets) : undefined);
}

/** Asks for a new passphrase twice and keeps it in secret storage. */
export async function setBackupPassphrase(secrets: vscode.SecretStorage): Promise<string | undefined> {
  const first = await vscode.window.showInputBox({
    title: vscode.l10n.t('PG Tuner: Backup Passphrase'),
    prompt: vscode.l10n.t('Passphrase backups are encrypted with (kept in your secret storage; without it no backup can be restored)'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.length >= 12 ? undefined : vscode.l10n.t('At least 12 characters')),
  });
  if (!first) return undefined;
  const again = await vscode.window.showInputBox({
    title: vscode.l10n.t('PG Tuner: Backup Passphrase'),
    prompt: vscode.l10n.t('The same passphrase again'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === first ? undefined : vscode.l10n.t('Not the same passphrase')),
  });
  if (again !== first) return undefined;
  await secrets.store(SECRET_NAME, first);
  return first;
}

/**
 * What opens an encrypted backup: the backup passphrase, or a private key file the user picks
 * (and its passphrase, when it has one). Undefined when the user cancelled.
 */
export async function decryptionKeys(
  secrets: vscode.SecretStorage,
  settings: Settings,
  encryption: EncryptionInfo,
): Promise<DecryptionKeys | undefined> {
  if (encryption.method === 'passphrase') {
    const passphrase = await backupPassphrase(secrets, settings, false);
    return { passphrase: passphrase ?? (await askOnce('Passphrase of this backup')) };
  }
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Private key for {0}', String(encryption.recipients?.join(', '))),
    canSelectMany: false,
    filters: { 'OpenPGP key': ['asc', 'key', 'gpg'] },
  });
  if (!picked?.length) return undefined;
  const privateKey = await fs.readFile(picked[0].fsPath, 'utf8');
  return { privateKeys: [privateKey], passphrase: await askOnce('Passphrase of the private key (empty when it has none)') };
}

async function askOnce(prompt: string): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('PG Tuner: Encrypted Backup'),
    prompt,
    password: true,
    ignoreFocusOut: true,
  });
  return value || undefined;
}
