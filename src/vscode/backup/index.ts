/**
 * Backups from the editor: Back Up Database, Test Restore, Restore Database, and the Backups view
 * (Test Restore, Reveal, Delete on each row). Long work runs in a cancellable progress notification.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { registerGuardedCommand } from '../guardedCommand';
import { BackupResult, backupDatabase } from '../../core/backup/backup';
import { BackupEntry, deleteBackup, listBackups } from '../../core/backup/listing';
import { ToolProgress } from '../../core/backup/progress';
import { RestoreResult, restoreBackup } from '../../core/backup/restore';
import { RestoreTestResult, restoreTest } from '../../core/backup/restoreTest';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatSeconds } from '../../core/format';
import { Services } from '../services';
import { BackupsTree } from './backupsView';
import { ensureGitIgnored, readBackupSettings } from './settings';

/** Argument forms: tests and tree rows pass them; with none, the command asks. */
export interface BackupArgs { directory?: string }
export interface DumpArg { dumpPath?: string }
/** `confirmed` skips the question asked before a restore-test on a production server (tests, scripts). */
export interface RestoreTestArgs extends DumpArg { confirmed?: boolean }
export interface RestoreArgs extends DumpArg { targetDatabase?: string; confirmSourceName?: string }
export interface DeleteArgs extends DumpArg { confirmed?: boolean }

export function registerBackup(services: Services): void {
  const settings = () => readBackupSettings(services.context.globalStorageUri);
  const tree = new BackupsTree(() => settings().directory);
  const running = new Set<AbortController>();
  const { log } = services;

  const command = <A, R>(id: string, run: (arg: A) => Promise<R>) => registerGuardedCommand(log, id, run, () => tree.refresh());

  /** A cancellable notification whose bar follows tables done / total. */
  const withProgress = async <T>(title: string, work: (signal: AbortSignal, report: (p: ToolProgress) => void) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    running.add(controller);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const subscription = token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        try {
          return await work(controller.signal, (p) => {
            const fraction = p.tablesTotal ? p.tablesDone / p.tablesTotal : 0;
            const increment = Math.max(0, fraction * 100 - shown);
            shown += increment;
            progress.report({ message: `${p.phase} ${p.tablesDone}/${p.tablesTotal} tables${p.table ? ` (${p.table})` : ''}`, increment });
          });
        } finally {
          subscription.dispose();
        }
      });
    } finally {
      running.delete(controller);
    }
  };

  const runBackup = async (arg: BackupArgs | undefined): Promise<BackupResult | undefined> => {
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const s = settings();
    const directory = arg?.directory ?? s.directory;
    if (await ensureGitIgnored(directory)) log.info(`Added ${directory} to the workspace .gitignore.`);
    const database = active.profile.database ?? active.profile.name;
    const result = await withProgress(`PG Tuner: backing up ${database}`, (signal, report) =>
      backupDatabase(active.database, { directory, format: s.format, jobs: s.jobs, tools: s.tools, retention: s.retention, signal, onProgress: report }));
    const m = result.manifest;
    log.info(`Backup ${result.dumpPath}: ${m.tables.length} tables, ${formatBytes(m.sizeBytes)} in ${formatSeconds(m.durationMs / 1000)} (pg_dump ${m.pgDumpVersion}).`);
    for (const d of result.deleted) log.info(`Retention removed ${d}`);
    void vscode.window.showInformationMessage(
      `Backed up ${m.database}: ${formatBytes(m.sizeBytes)}, ${m.tables.length} tables in ${formatSeconds(m.durationMs / 1000)}.`, 'Test Restore')
      .then((choice) => choice && vscode.commands.executeCommand('pgtuner.testRestore', { dumpPath: result.dumpPath }));
    return result;
  };

  const runRestoreTest = async (arg: RestoreTestArgs | undefined): Promise<RestoreTestResult | undefined> => {
    const dumpPath = arg?.dumpPath ?? (await pickBackup(settings().directory, 'PG Tuner: Test Restore'));
    if (!dumpPath) return undefined;
    const s = settings();
    // The backup is a file: any server can prove it restores, not only the one it came from.
    const server = s.restoreTestConnection
      ? services.connections.named(s.restoreTestConnection, 'pgtuner.backup.restoreTestConnection')
      : await services.connections.requireActive();
    if (!server) return undefined;
    if (server.profile.environment === 'production' && !arg?.confirmed && !(await confirmOnProduction(server.profile.name, dumpPath))) return undefined;
    log.info(`restore-test ${path.basename(dumpPath)} on the server of ${server.profile.name}`);
    const result = await withProgress(`PG Tuner: restore-testing ${path.basename(dumpPath)} on ${server.profile.name}`, (signal, report) =>
      restoreTest(server.database, dumpPath, {
        tools: s.tools, jobs: s.jobs, keepScratch: s.keepScratchDatabase, verificationQueries: s.verificationQueries, signal, onProgress: report,
      }));
    for (const c of result.checks) log.info(`restore-test ${path.basename(dumpPath)}: ${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
    if (result.ok) {
      log.info(result.message);
      void vscode.window.showInformationMessage(result.message);
    } else {
      log.error(result.message);
      void vscode.window.showErrorMessage(result.message, 'Show Log').then((choice) => choice && log.show());
    }
    return result;
  };

  /** A restore-test loads the server it runs on: on production, only when the user says so (or picks another server). */
  const confirmOnProduction = async (connection: string, dumpPath: string): Promise<boolean> => {
    const choice = await vscode.window.showWarningMessage(
      `Test Restore would restore ${path.basename(dumpPath)} into a scratch database on the PRODUCTION server of "${connection}".`,
      { modal: true, detail: 'pg_restore loads that server (CPU, disk and I/O) until the test ends. To test on another server, name its connection in the setting pgtuner.backup.restoreTestConnection.' },
      // The safe choice first: it is the one Enter picks.
      'Open Setting', 'Test on Production');
    if (choice === 'Open Setting') void vscode.commands.executeCommand('workbench.action.openSettings', 'pgtuner.backup.restoreTestConnection');
    return choice === 'Test on Production';
  };

  const runRestore = async (arg: RestoreArgs | undefined): Promise<RestoreResult | undefined> => {
    const dumpPath = arg?.dumpPath ?? (await pickBackup(settings().directory, 'PG Tuner: Restore Database'));
    if (!dumpPath) return undefined;
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const source = (await listBackups(path.dirname(dumpPath))).find((e) => e.dumpPath === dumpPath)?.manifest?.database;
    let target = arg?.targetDatabase;
    let confirm = arg?.confirmSourceName;
    if (target === undefined) {
      target = await vscode.window.showInputBox({
        title: 'PG Tuner: Restore Database', prompt: `Database to restore ${path.basename(dumpPath)} into (an existing one is backed up first)`,
        value: source ? `${source}_restored` : '', ignoreFocusOut: true,
      });
      if (!target) return undefined;
      if (target === source) {
        confirm = await vscode.window.showInputBox({
          title: `"${target}" is the database this backup came from`, prompt: `Its current data will be replaced (after a safety backup). Type "${target}" to confirm.`,
          ignoreFocusOut: true, validateInput: (v) => (v === target ? undefined : `Type ${target} exactly`),
        });
        if (confirm !== target) return undefined;
      }
    }
    const s = settings();
    const targetDatabase = target;
    const result = await withProgress(`PG Tuner: restoring into ${targetDatabase}`, (signal, report) =>
      restoreBackup(active.database, dumpPath, {
        targetDatabase, confirmSourceName: confirm, safetyDirectory: s.directory, tools: s.tools, jobs: s.jobs, signal, onProgress: report,
      }));
    const safety = result.safetyBackup ? ` Safety backup of the previous contents: ${result.safetyBackup.dumpPath}.` : '';
    log.info(`Restored ${dumpPath} into ${targetDatabase} in ${formatSeconds(result.restoreMs / 1000)}.${safety}`);
    void vscode.window.showInformationMessage(`Restored into ${targetDatabase} in ${formatSeconds(result.restoreMs / 1000)}.${safety}`);
    return result;
  };

  const runDelete = async (arg: DeleteArgs | undefined): Promise<boolean> => {
    const dumpPath = arg?.dumpPath ?? (await pickBackup(settings().directory, 'PG Tuner: Delete Backup'));
    if (!dumpPath) return false;
    if (!arg?.confirmed) {
      const choice = await vscode.window.showWarningMessage(`Delete the backup ${path.basename(dumpPath)} with its checksum and manifest?`, { modal: true }, 'Delete');
      if (choice !== 'Delete') return false;
    }
    await deleteBackup(dumpPath);
    log.info(`Deleted backup ${dumpPath}`);
    return true;
  };

  const reveal = async (arg: DumpArg | undefined): Promise<void> => {
    const dumpPath = arg?.dumpPath ?? settings().directory;
    if (!fs.existsSync(dumpPath)) throw new PgTunerError('BAD_INPUT', `${dumpPath} does not exist.`);
    const uri = vscode.Uri.file(dumpPath);
    // The OS file manager on desktop; remote and web hosts have only the Explorer.
    await vscode.commands.executeCommand('revealFileInOS', uri).then(undefined, () => vscode.commands.executeCommand('revealInExplorer', uri));
  };

  services.context.subscriptions.push(
    tree,
    vscode.window.createTreeView('pgtuner.backups', { treeDataProvider: tree }),
    command('pgtuner.backupDatabase', runBackup),
    command('pgtuner.testRestore', runRestoreTest),
    command('pgtuner.restoreDatabase', runRestore),
    command('pgtuner.deleteBackup', runDelete),
    command('pgtuner.revealBackup', reveal),
    command('pgtuner.refreshBackups', async () => tree.refresh()),
    // Not in the palette: what the notification's Cancel button does, for tests and keybindings.
    vscode.commands.registerCommand('pgtuner.backup.cancel', () => {
      for (const c of running) c.abort();
      return running.size;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgtuner.backup.directory') && tree.refresh()),
  );
}

async function pickBackup(directory: string, title: string): Promise<string | undefined> {
  const entries = (await listBackups(directory)).filter((e) => e.complete);
  if (!entries.length) {
    void vscode.window.showInformationMessage(`No backups in ${directory} yet. Run "PG Tuner: Back Up Database" first.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(entries.map((e: BackupEntry) => ({
    label: path.basename(e.dumpPath),
    description: `${formatBytes(e.sizeBytes)} · ${e.manifest?.lastRestoreTest ? (e.manifest.lastRestoreTest.ok ? 'verified' : 'restore-test failed') : 'not verified'}`,
    dumpPath: e.dumpPath,
  })), { title, placeHolder: 'Which backup?' });
  return picked?.dumpPath;
}
