/** The editor's backup keyring (secret storage + the CLI's key): shared by the Backups and Health features. */
import * as vscode from 'vscode';
import { BackupKey, BackupKeyring, backupKey, combinedKeyring, fileKeyring, newKeySecret } from '../core/backup/keys';

/** Where the editor keeps its manifest key: VS Code's secret storage (OS keychain), never settings or the workspace. */
const SECRET_NAME = 'pgtuner.backup.manifestKey';

/**
 * The editor signs manifests with a random key in secret storage; it also accepts manifests signed
 * with this user's CLI key ($XDG_CONFIG_HOME/pgtuner/backup-hmac.key, read only, never created
 * here), so backups taken with `pgtuner backup` are trusted in the editor too.
 */
export function editorKeyring(secrets: vscode.SecretStorage): BackupKeyring {
  const read = async (): Promise<BackupKey | undefined> => {
    const stored = await secrets.get(SECRET_NAME);
    return stored ? backupKey(Buffer.from(stored, 'base64')) : undefined;
  };
  const own: BackupKeyring = {
    async signingKey() {
      const existing = await read();
      if (existing) return existing;
      await secrets.store(SECRET_NAME, newKeySecret().toString('base64'));
      // Another window may have stored its key at the same moment: use whichever was kept.
      const kept = await read();
      if (!kept) throw new Error('The backup signing key could not be stored in the secret storage.');
      return kept;
    },
    async verifyingKeys() {
      const key = await read();
      return key ? [key] : [];
    },
  };
  const cli = fileKeyring();
  return combinedKeyring(own, { signingKey: () => cli.signingKey(), verifyingKeys: () => cli.verifyingKeys() });
}
