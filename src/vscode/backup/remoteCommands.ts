/**
 * The off-site side of the Backups view: Download and Delete on a backup in the bucket
 * (Test Restore on one is pgtuner.testRestore with `{ url }`, in index.ts). Long work runs through
 * the runner's cancellable progress.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { BackupKeyring } from '../../core/backup/keys';
import { BackupEntry } from '../../core/backup/listing';
import { deleteRemoteBackup, downloadBackup, listRemoteEntries, s3SettingsOf, settingsFor } from '../../core/backup/remote';
import { PgTunerError } from '../../core/errors';
import { formatBytes } from '../../core/format';
import { readSettings } from '../config';
import { Command } from '../runner';
import { Services } from '../services';

/** Tree rows and tests pass the backup's s3:// URL; with none, the command asks. */
export interface RemoteArg {
  url?: string;
}
/** `confirmed` answers the question asked before deleting. */
export interface RemoteDeleteArgs extends RemoteArg {
  confirmed?: boolean;
}

/** The remote backup at `url` as a listing entry (its manifest, trust judged with `keys`). */
export async function remoteBackupAt(url: string, keys: BackupKeyring, settings = readSettings()): Promise<BackupEntry> {
  const found = (await listRemoteEntries({ keys }, { settings: settingsFor(url, settings).settings })).find((e) => e.dumpPath === url);
  if (!found) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('{0} is not a backup in the bucket (no manifest beside it).', url));
  return found;
}

/** A backup of the bucket of pgtuner.backup.s3.* the user picks; undefined when there is none or the pick was cancelled. */
export async function pickRemoteBackup(keys: BackupKeyring, title: string): Promise<string | undefined> {
  const settings = readSettings();
  const { bucket, prefix } = s3SettingsOf(settings);
  const entries = await listRemoteEntries({ keys }, { settings });
  if (!entries.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No backups in s3://{0}/{1} yet.', bucket, prefix));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    entries.map((e) => ({ label: path.posix.basename(e.dumpPath), description: formatBytes(e.sizeBytes), url: e.dumpPath })),
    { title, placeHolder: vscode.l10n.t('Which backup in the bucket?') },
  );
  return picked?.url;
}

export function remoteBackupCommands(
  services: Services,
  keys: BackupKeyring,
  directory: (near?: string) => Promise<string | undefined>,
  refresh: () => void,
): Record<string, Command> {
  const { log, runner } = services;

  /** Into the backup folder, its SHA-256 checked before it gets its name. */
  const runDownload = async (arg: RemoteArg | undefined): Promise<string | undefined> => {
    const url = arg?.url ?? (await pickRemoteBackup(keys, 'PG Tuner: Download Backup'));
    if (!url) return undefined;
    const folder = await directory();
    if (!folder) return undefined;
    const { dumpPath } = await runner.withProgress(vscode.l10n.t('PG Tuner: downloading {0}', path.posix.basename(url)), (run) =>
      downloadBackup({ url, directory: folder }, run),
    );
    log.info(`Downloaded ${url} to ${dumpPath} (SHA-256 checked).`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Downloaded {0} into {1}.', path.posix.basename(url), folder));
    return dumpPath;
  };

  /** After a modal question; never the newest backup that passed a restore-test (the core refuses it). */
  const runDelete = async (arg: RemoteDeleteArgs | undefined): Promise<boolean> => {
    const url = arg?.url ?? (await pickRemoteBackup(keys, 'PG Tuner: Delete Remote Backup'));
    if (!url) return false;
    if (!arg?.confirmed) {
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete the off-site copy {0} with its checksum and manifest?', url),
        { modal: true, detail: vscode.l10n.t('The copies in the backup folder are not touched.') },
        'Delete',
      );
      if (choice !== 'Delete') return false;
    }
    await runner.withProgress(vscode.l10n.t('PG Tuner: deleting {0}', path.posix.basename(url)), (run) =>
      deleteRemoteBackup({ url, keys }, run),
    );
    log.info(`Deleted the off-site copy ${url}`);
    return true;
  };

  return {
    'pgtuner.downloadBackup': { title: 'Download Backup', run: runDownload, after: refresh },
    'pgtuner.deleteRemoteBackup': { title: 'Delete Remote Backup', run: runDelete, after: refresh },
  };
}
