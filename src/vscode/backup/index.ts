/**
 * Backups from the editor: Back Up Database, Test Restore, Restore Database, and the Backups view
 * (Test Restore, Reveal, Upload, Delete on each row; Download, Test Restore, Delete on a backup in
 * the bucket). Long work runs through the runner's cancellable
 * progress ("PG Tuner: Cancel Running Operations" stops it too).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { BackupResult, backupDatabase } from '../../core/backup/backup';
import { BackupEntry, deleteBackup, listBackups } from '../../core/backup/listing';
import { readManifest } from '../../core/backup/manifest';
import { RestoreResult, inspectRestoreTarget, restoreBackup } from '../../core/backup/restore';
import { UploadResult, restoreTestRemote, uploadBackup } from '../../core/backup/remote';
import { RestoreTestResult, restoreTest } from '../../core/backup/restoreTest';
import { TrustVerdict, assessBackup } from '../../core/backup/trust';
import { DecryptionKeys, EncryptionInfo } from '../../core/backup/encryption';
import { Database } from '../../core/db/database';
import { Run } from '../../core/run';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatSeconds } from '../../core/format';
import { affects, readSettings } from '../config';
import { Command } from '../runner';
import { Services } from '../services';
import { BackupsTree } from './backupsView';
import { editorKeyring } from '../backupKeys';
import { backupPassphrase, decryptionKeys, setBackupPassphrase } from './passphrase';
import { remoteBackupAt, remoteBackupCommands } from './remoteCommands';
import { backupDirectory, ensureGitIgnored } from '../backupSettings';
import { folderFor, pickFolder, workspaceFolders } from '../workspaceFolder';

/** Argument forms: tests and tree rows pass them; with none, the command asks. */
export interface BackupArgs {
  directory?: string;
}
export interface DumpArg {
  dumpPath?: string;
}
/**
 * `confirmed` skips the question asked before a restore-test on a production server (tests,
 * scripts); `trustUnsigned` the one asked before using an unauthenticated or future-dated backup.
 */
export interface RestoreTestArgs extends DumpArg {
  /** A backup in the bucket (s3://…): downloaded into a temporary folder, checked, then tested. */
  url?: string;
  confirmed?: boolean;
  trustUnsigned?: boolean;
}
/**
 * `confirmed` answers the question asked before replacing an existing database or restoring on a
 * production connection; `terminateSessions` the one asked when sessions are connected to the target.
 */
export interface RestoreArgs extends DumpArg {
  targetDatabase?: string;
  confirmSourceName?: string;
  confirmed?: boolean;
  terminateSessions?: boolean;
  trustUnsigned?: boolean;
}
export interface DeleteArgs extends DumpArg {
  confirmed?: boolean;
}

/** The Backups view of a window: its commands refresh the tree registerBackup shows. */
const trees = new WeakMap<Services, BackupsTree>();

function backupsTree(services: Services): BackupsTree {
  let tree = trees.get(services);
  if (!tree) {
    // The active editor's folder (multi-root: the first one when no editor decides it).
    const shown = () => folderFor() ?? workspaceFolders()[0];
    tree = new BackupsTree(
      () => backupDirectory(readSettings(services.log, shown()?.uri), services.context.globalStorageUri, shown()),
      editorKeyring(services.context.secrets),
      () => {
        const settings = readSettings(services.log, shown()?.uri);
        return settings['backup.s3.bucket'].trim() ? settings : undefined;
      },
    );
    trees.set(services, tree);
    services.context.subscriptions.push(tree);
  }
  return tree;
}

/** The Backups view, following the backup folder setting. */
export function registerBackup(services: Services): void {
  const tree = backupsTree(services);
  services.context.subscriptions.push(
    vscode.window.createTreeView('pgtuner.backups', { treeDataProvider: tree }),
    vscode.workspace.onDidChangeConfiguration(
      (e) => affects(e, 'backup.directory', 'backup.s3.bucket', 'backup.s3.prefix', 'backup.s3.endpoint') && tree.refresh(),
    ),
    vscode.window.onDidChangeActiveTextEditor(() => workspaceFolders().length > 1 && tree.refresh()),
  );
}

/** The backup commands, for the command table. Each refreshes the Backups view however it ended. */
export function backupCommands(services: Services): Record<string, Command> {
  const keys = editorKeyring(services.context.secrets);
  const { log, runner } = services;
  /**
   * The backup folder of the workspace folder `near` (a dump) is in, else of the active editor's,
   * else of the one the user picks; undefined when the pick was cancelled.
   */
  const directory = async (near?: string): Promise<string | undefined> => {
    const folder = await pickFolder('backups', near ? vscode.Uri.file(near) : undefined);
    if (folder === null) return undefined;
    return backupDirectory(readSettings(log, folder?.uri), services.context.globalStorageUri, folder);
  };
  const refresh = () => backupsTree(services).refresh();

  const runBackup = async (arg: BackupArgs | undefined): Promise<BackupResult | undefined> => {
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const folder = arg?.directory ?? (await directory());
    if (!folder) return undefined;
    if (await ensureGitIgnored(folder)) log.info(`Added ${folder} to the workspace .gitignore.`);
    const database = active.profile.database ?? active.profile.name;
    const settings = readSettings(log);
    let passphrase: string | undefined;
    if (settings['backup.encryption'] === 'passphrase') {
      passphrase = await backupPassphrase(services.context.secrets, settings, true);
      if (!passphrase) return undefined;
    }
    const result = await runner.withProgress(vscode.l10n.t('PG Tuner: backing up {0}', database), (run) =>
      backupDatabase(active.database, { directory: folder, keys, passphrase }, run),
    );
    const m = result.manifest;
    log.info(
      `Backup ${result.dumpPath}: ${m.tables.length} tables, ${formatBytes(m.sizeBytes)} in ${formatSeconds(m.durationMs / 1000)} (pg_dump ${m.pgDumpVersion}).`,
    );
    for (const d of result.deleted) log.info(`Retention removed ${d}`);
    if (result.uploaded) log.info(`Uploaded ${result.uploaded.url} (SHA-256 checked).`);
    for (const d of result.deletedRemote ?? []) log.info(`Retention removed ${d}`);
    if (result.uploadError) {
      log.error(`The off-site copy failed: ${result.uploadError}`);
      void vscode.window
        .showErrorMessage(vscode.l10n.t('Backed up locally, but the off-site copy failed: {0}', result.uploadError), 'Show Log')
        .then((c) => c && log.show());
    }
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t(
          'Backed up {0}: {1}, {2} tables in {3}.',
          m.database,
          formatBytes(m.sizeBytes),
          m.tables.length,
          formatSeconds(m.durationMs / 1000),
        ),
        'Test Restore',
      )
      .then((choice) => choice && vscode.commands.executeCommand('pgtuner.testRestore', { dumpPath: result.dumpPath }));
    return result;
  };

  /** What a restore-test runs on: a dump in the backup folder, or one in the bucket (arg.url). */
  const testSource = async (arg: RestoreTestArgs | undefined) => {
    if (arg?.url) {
      const url = arg.url;
      const entry = await remoteBackupAt(url, keys, readSettings(log));
      return {
        name: path.posix.basename(url),
        verdict: entry.trust,
        encryption: entry.manifest?.encryption,
        test: (db: Database, decryption: DecryptionKeys | undefined, run: Run) =>
          restoreTestRemote(db, { url, keys, trustUnsigned: true, decryption }, run),
      };
    }
    const dumpPath = arg?.dumpPath ?? (await pickBackup(await directory(), 'PG Tuner: Test Restore'));
    if (!dumpPath) return undefined;
    const manifest = await readManifest(dumpPath).catch(() => undefined);
    return {
      name: path.basename(dumpPath),
      verdict: assessBackup(dumpPath, manifest, await keys.verifyingKeys(), new Date()),
      encryption: manifest?.encryption,
      test: (db: Database, decryption: DecryptionKeys | undefined, run: Run) =>
        restoreTest(db, { dumpPath, keys, trustUnsigned: true, decryption }, run),
    };
  };

  const runRestoreTest = async (arg: RestoreTestArgs | undefined): Promise<RestoreTestResult | undefined> => {
    const source = await testSource(arg);
    if (!source) return undefined;
    const { name } = source;
    // The backup is a file: any server can prove it restores, not only the one it came from.
    const lab = readSettings(log)['backup.restoreTestConnection'].trim();
    const server = lab
      ? services.connections.named(lab, 'pgtuner.backup.restoreTestConnection')
      : await services.connections.requireActive();
    if (!server) return undefined;
    const trustUnsigned = arg?.trustUnsigned || undefined;
    if (!trustUnsigned && !(await confirmTrust(name, source.verdict, 'Test Restore Anyway'))) return undefined;
    if (server.profile.environment === 'production' && !arg?.confirmed && !(await confirmOnProduction(server.profile.name, name)))
      return undefined;
    const decryption = await decryptionFor(source.encryption);
    if (decryption === null) return undefined;
    log.info(`restore-test ${name} on the server of ${server.profile.name}`);
    const result = await runner.withProgress(vscode.l10n.t('PG Tuner: restore-testing {0} on {1}', name, server.profile.name), (run) =>
      source.test(server.database, decryption, run),
    );
    for (const c of result.checks) log.info(`restore-test ${name}: ${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
    if (result.ok) {
      log.info(result.message);
      void vscode.window.showInformationMessage(result.message);
    } else {
      log.error(result.message);
      void vscode.window.showErrorMessage(result.message, 'Show Log').then((choice) => choice && log.show());
    }
    return result;
  };

  /** What opens a backup its manifest says is encrypted; null when the user cancelled. */
  const decryptionFor = async (encryption: EncryptionInfo | undefined) => {
    if (!encryption) return undefined;
    return (await decryptionKeys(services.context.secrets, readSettings(log), encryption)) ?? null;
  };

  /**
   * A backup whose manifest is not signed with the user's key, or that is dated in the future,
   * may be anyone's (pg_restore runs the SQL it holds): used only when the user says so.
   * True when it is trusted or the user confirmed.
   */
  const confirmTrust = async (name: string, verdict: TrustVerdict, proceed: string): Promise<boolean> => {
    if (verdict.trusted) return true;
    log.warn(`${name} is not trusted: ${verdict.problems.join('; ')}`);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} cannot be trusted: {1}.', name, verdict.problems.join('; ')),
      {
        modal: true,
        detail: vscode.l10n.t(
          'pg_restore runs whatever SQL a dump holds. Use this backup only if you know where it came from (PG Tuner signs the backups it takes with a key kept in your secret storage).',
        ),
      },
      proceed,
    );
    return choice === proceed;
  };

  /** A restore-test loads the server it runs on: on production, only when the user says so (or picks another server). */
  const confirmOnProduction = async (connection: string, name: string): Promise<boolean> => {
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Test Restore would restore {0} into a scratch database on the PRODUCTION server of "{1}".', name, connection),
      {
        modal: true,
        detail: vscode.l10n.t(
          'pg_restore loads that server (CPU, disk and I/O) until the test ends. To test on another server, name its connection in the setting pgtuner.backup.restoreTestConnection.',
        ),
      },
      // The safe choice first: it is the one Enter picks.
      'Open Setting',
      'Test on Production',
    );
    if (choice === 'Open Setting')
      void vscode.commands.executeCommand('workbench.action.openSettings', 'pgtuner.backup.restoreTestConnection');
    return choice === 'Test on Production';
  };

  const runRestore = async (arg: RestoreArgs | undefined): Promise<RestoreResult | undefined> => {
    const dumpPath = arg?.dumpPath ?? (await pickBackup(await directory(), 'PG Tuner: Restore Database'));
    if (!dumpPath) return undefined;
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const source = (await listBackups(path.dirname(dumpPath))).find((e) => e.dumpPath === dumpPath)?.manifest?.database;
    let target = arg?.targetDatabase;
    let confirm = arg?.confirmSourceName;
    if (target === undefined) {
      target = await vscode.window.showInputBox({
        title: vscode.l10n.t('PG Tuner: Restore Database'),
        prompt: vscode.l10n.t('Database to restore {0} into (an existing one is backed up first)', path.basename(dumpPath)),
        value: source ? `${source}_restored` : '',
        ignoreFocusOut: true,
      });
      if (!target) return undefined;
      if (target === source) {
        confirm = await vscode.window.showInputBox({
          title: vscode.l10n.t('"{0}" is the database this backup came from', target),
          prompt: vscode.l10n.t('Its current data will be replaced (after a safety backup). Type "{0}" to confirm.', target),
          ignoreFocusOut: true,
          validateInput: (v) => (v === target ? undefined : vscode.l10n.t('Type {0} exactly', String(target))),
        });
        if (confirm !== target) return undefined;
      }
    }
    const targetDatabase = target;
    const safetyDirectory = await directory(dumpPath);
    if (!safetyDirectory) return undefined;
    const manifest = await readManifest(dumpPath).catch(() => undefined);
    const verdict = assessBackup(dumpPath, manifest, await keys.verifyingKeys(), new Date());
    if (!arg?.trustUnsigned && !(await confirmTrust(path.basename(dumpPath), verdict, 'Restore Anyway'))) return undefined;
    const where = await inspectRestoreTarget(active.database, { targetDatabase }, { settings: readSettings(log) });
    let confirmed = arg?.confirmed;
    if ((where.exists || where.production) && !confirmed) {
      const restore = 'Restore';
      const choice = await vscode.window.showWarningMessage(
        where.exists
          ? `Replace the contents of "${targetDatabase}"${where.production ? ` on the PRODUCTION connection "${active.profile.name}"` : ''} with ${path.basename(dumpPath)}?`
          : `Restore ${path.basename(dumpPath)} into a new database "${targetDatabase}" on the PRODUCTION connection "${active.profile.name}"?`,
        {
          modal: true,
          detail: where.exists
            ? `PG Tuner first backs "${targetDatabase}" up into ${safetyDirectory}, restores into a new database, and swaps the names only after pg_restore succeeded; "${targetDatabase}" is left as it is if anything fails.`
            : 'The backup is restored into a temporary database, renamed only after pg_restore succeeded.',
        },
        restore,
      );
      if (choice !== restore) return undefined;
      confirmed = true;
    }
    let terminateSessions = arg?.terminateSessions;
    if (where.sessions > 0 && !terminateSessions) {
      const disconnect = 'Disconnect and Restore';
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('{0} other session(s) are connected to "{1}".', where.sessions, targetDatabase),
        {
          modal: true,
          detail: vscode.l10n.t(
            'The restored database can take its name only when nobody is connected to it. Disconnect them (pg_terminate_backend) at the swap, or cancel and close them first.',
          ),
        },
        disconnect,
      );
      if (choice !== disconnect) return undefined;
      terminateSessions = true;
    }
    const decryption = await decryptionFor(manifest?.encryption);
    if (decryption === null) return undefined;
    const result = await runner.withProgress(vscode.l10n.t('PG Tuner: restoring into {0}', targetDatabase), (run) =>
      restoreBackup(
        active.database,
        {
          dumpPath,
          targetDatabase,
          confirmSourceName: confirm,
          confirmed,
          terminateSessions,
          keys,
          trustUnsigned: true,
          safetyDirectory,
          decryption,
        },
        run,
      ),
    );
    const safety =
      (result.safetyBackup ? ` Safety backup of the previous contents: ${result.safetyBackup.dumpPath}.` : '') +
      (result.leftOver ? ` The replaced database is kept as "${result.leftOver}" (it could not be dropped).` : '');
    log.info(`Restored ${dumpPath} into ${targetDatabase} in ${formatSeconds(result.restoreMs / 1000)}.${safety}`);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Restored into {0} in {1}.{2}', targetDatabase, formatSeconds(result.restoreMs / 1000), safety),
    );
    return result;
  };

  const runDelete = async (arg: DeleteArgs | undefined): Promise<boolean> => {
    const folder = await directory(arg?.dumpPath);
    const dumpPath = arg?.dumpPath ?? (await pickBackup(folder, 'PG Tuner: Delete Backup'));
    if (!folder) return false;
    if (!dumpPath) return false;
    if (!arg?.confirmed) {
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete the backup {0} with its checksum and manifest?', path.basename(dumpPath)),
        { modal: true },
        'Delete',
      );
      if (choice !== 'Delete') return false;
    }
    // Only a backup inside the backup folder: an argument naming any other path deletes nothing.
    await deleteBackup(dumpPath, folder);
    log.info(`Deleted backup ${dumpPath}`);
    return true;
  };

  /** Copies a backup to the bucket of pgtuner.backup.s3.* (the Backups view's Upload). */
  const runUpload = async (arg: DumpArg | undefined): Promise<UploadResult | undefined> => {
    const dumpPath = arg?.dumpPath ?? (await pickBackup(await directory(), 'PG Tuner: Upload Backup'));
    if (!dumpPath) return undefined;
    const result = await runner.withProgress(vscode.l10n.t('PG Tuner: uploading {0}', path.basename(dumpPath)), (run) =>
      uploadBackup({ dumpPath }, run),
    );
    log.info(`Uploaded ${result.url} (SHA-256 checked).`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Uploaded {0} to {1}.', path.basename(dumpPath), result.url));
    return result;
  };

  const reveal = async (arg: DumpArg | undefined): Promise<void> => {
    const dumpPath = arg?.dumpPath ?? (await directory());
    if (!dumpPath) return;
    if (!fs.existsSync(dumpPath)) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('{0} does not exist.', dumpPath));
    const uri = vscode.Uri.file(dumpPath);
    // The OS file manager on desktop; remote and web hosts have only the Explorer.
    await vscode.commands
      .executeCommand('revealFileInOS', uri)
      .then(undefined, () => vscode.commands.executeCommand('revealInExplorer', uri));
  };

  return {
    'pgtuner.backupDatabase': { title: 'Back Up Database', run: runBackup, after: refresh },
    'pgtuner.testRestore': { title: 'Test Restore', run: runRestoreTest, after: refresh },
    'pgtuner.restoreDatabase': { title: 'Restore Database', run: runRestore, after: refresh },
    'pgtuner.deleteBackup': { title: 'Delete Backup', run: runDelete, after: refresh },
    'pgtuner.revealBackup': { title: 'Reveal Backup', run: reveal },
    'pgtuner.refreshBackups': { title: 'Refresh Backups', run: refresh },
    'pgtuner.uploadBackup': { title: 'Upload Backup', run: runUpload, after: refresh },
    ...remoteBackupCommands(services, keys, directory, refresh),
    'pgtuner.test.backupsViewItems': { title: 'Backups view rows', run: () => backupsTree(services).rows() },
    'pgtuner.setBackupPassphrase': {
      title: 'Set Backup Passphrase',
      run: async () => !!(await setBackupPassphrase(services.context.secrets)),
    },
  };
}

/** A complete backup of `directory` the user picks (undefined without a directory: its folder pick was cancelled). */
async function pickBackup(directory: string | undefined, title: string): Promise<string | undefined> {
  if (!directory) return undefined;
  const entries = (await listBackups(directory)).filter((e) => e.complete);
  if (!entries.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No backups in {0} yet. Run "PG Tuner: Back Up Database" first.', directory));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    entries.map((e: BackupEntry) => ({
      label: path.basename(e.dumpPath),
      description: `${formatBytes(e.sizeBytes)} · ${e.manifest?.lastRestoreTest ? (e.manifest.lastRestoreTest.ok ? 'verified' : 'restore-test failed') : 'not verified'}`,
      dumpPath: e.dumpPath,
    })),
    { title, placeHolder: vscode.l10n.t('Which backup?') },
  );
  return picked?.dumpPath;
}
