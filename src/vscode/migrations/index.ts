/**
 * Migrations from the editor: New Migration, Apply Pending, Roll Back, Status, migrations from
 * advisor suggestions and from existing indexes, and the Migrations view. Every command takes an
 * optional argument object (tests, other features, tree rows); without one it asks.
 */
import * as vscode from 'vscode';
import { registerGuardedCommand } from '../guardedCommand';
import { Suggestion } from '../../core/advisor/types';
import { PgTunerError } from '../../core/errors';
import { whileWatchingBlockers } from '../../core/migrations/blockers';
import { ExistingIndex, GeneratedMigration, generateBlankMigration, generateDropIndexMigration, generateIndexMigration } from '../../core/migrations/generate';
import { applyPending, ApplyResult, MigrationFailure, rollback, RollbackResult } from '../../core/migrations/runner';
import { migrationStatus, MigrationStatus } from '../../core/migrations/status';
import { readIndexForDrop } from '../../core/usage/definition';
import { Services } from '../services';
import { confirmProductionChange, ProductionArgs } from './confirm';
import { MigrationsTree } from './migrationsView';
import { readMigrationSettings } from './settings';

export interface NewMigrationArgs { name?: string }
export type ApplyArgs = ProductionArgs;
export interface RollbackArgs extends ProductionArgs { steps?: number }

/** A row of the view as rendered, for tests (pgtuner.migrations.viewItems). */
export interface MigrationViewItem { label: string; description?: string; icon?: string; contextValue?: string }

export function registerMigrations(services: Services): void {
  const { log, connections } = services;
  const tree = new MigrationsTree(readMigrationSettings, connections);

  const command = <A, R>(id: string, run: (arg: A) => Promise<R>) => registerGuardedCommand(log, id, run, () => tree.refresh());

  const directory = (): string => {
    const dir = readMigrationSettings().directory;
    if (!dir) throw new PgTunerError('BAD_INPUT', 'Open a folder first: migrations live in the workspace (setting pgtuner.migrations.directory).');
    return dir;
  };

  const opened = async (created: GeneratedMigration, what: string): Promise<GeneratedMigration> => {
    await vscode.window.showTextDocument(vscode.Uri.file(created.upPath), { preview: false });
    if (created.downPath) await vscode.window.showTextDocument(vscode.Uri.file(created.downPath), { preview: false, viewColumn: vscode.ViewColumn.Beside });
    log.info(`${what}: ${[created.upPath, created.downPath].filter(Boolean).join(' and ')}`);
    return created;
  };

  const withProgress = <T>(title: string, work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>): Thenable<T> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      return work(controller.signal, (message) => {
        log.info(message);
        progress.report({ message });
      }).finally(() => subscription.dispose());
    });

  const showFailure = (failed: MigrationFailure, done: string) => {
    log.error(`${failed.name} failed${failed.line ? ` at ${failed.file}:${failed.line}` : ''}: ${failed.message}`);
    void vscode.window.showErrorMessage(`${done}${failed.name} failed: ${failed.message}`, 'Open File').then(async (choice) => {
      if (!choice) return;
      const line = Math.max(0, (failed.line ?? 1) - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(failed.file), { selection: new vscode.Range(line, 0, line, 0) });
    });
  };

  const currentStatus = async (): Promise<{ status: MigrationStatus; active: NonNullable<Awaited<ReturnType<typeof connections.requireActive>>> } | undefined> => {
    const active = await connections.requireActive();
    if (!active) return undefined;
    const status = await active.database.withSession((s) => migrationStatus(s, directory(), readMigrationSettings().trackingSchema));
    return { status, active };
  };

  const runApply = async (arg: ApplyArgs | undefined): Promise<ApplyResult | undefined> => {
    const current = await currentStatus();
    if (!current) return undefined;
    const { status, active } = current;
    const { trackingSchema } = readMigrationSettings();
    // Confirmed under the migration lock, with what is pending then: counted before the lock,
    // another runner could roll back (or a file appear) in between.
    const confirm = (names: string[]) => confirmProductionChange(active.profile, `Apply ${names.length} pending migration(s)`, arg, log);
    const result = await withProgress('PG Tuner: applying migrations', (signal, onProgress) =>
      active.database.withSession((s) => whileWatchingBlockers(active.database, s, onProgress, () =>
        applyPending(s, status.directory, { trackingSchema, signal, onProgress, confirm })), signal));
    if (result.declined) return undefined;
    for (const r of result.applied) log.info(`Applied ${r.name} in ${r.executionMs} ms${r.transactional ? '' : ' (outside a transaction)'}.`);
    const done = result.applied.length ? `Applied ${result.applied.length} migration(s). ` : '';
    if (result.failed) showFailure(result.failed, done);
    else void vscode.window.showInformationMessage(done || 'The database is up to date: no pending migration.');
    return result;
  };

  const runRollback = async (arg: RollbackArgs | undefined): Promise<RollbackResult | undefined> => {
    const current = await currentStatus();
    if (!current) return undefined;
    const { status, active } = current;
    const applied = status.entries.filter((e) => e.state !== 'pending');
    if (applied.length === 0) {
      void vscode.window.showInformationMessage('No migration is applied, so there is nothing to roll back.');
      return undefined;
    }
    let steps = arg?.steps;
    if (steps === undefined) {
      const answer = await vscode.window.showInputBox({
        title: 'PG Tuner: Roll Back Migrations', prompt: `How many migrations to roll back (newest first; ${applied.length} applied)?`, value: '1', ignoreFocusOut: true,
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= applied.length ? undefined : `A whole number from 1 to ${applied.length}`),
      });
      if (!answer) return undefined;
      steps = Number(answer);
    }
    if (!(await confirmProductionChange(active.profile, `Roll back ${steps} migration(s)`, arg, log))) return undefined;
    const { trackingSchema } = readMigrationSettings();
    const count = steps;
    const result = await withProgress('PG Tuner: rolling back migrations', (signal, onProgress) =>
      active.database.withSession((s) => whileWatchingBlockers(active.database, s, onProgress, () =>
        rollback(s, status.directory, count, { trackingSchema, signal, onProgress })), signal));
    for (const r of result.rolledBack) log.info(`Rolled back ${r.name} in ${r.executionMs} ms.`);
    const done = result.rolledBack.length ? `Rolled back ${result.rolledBack.map((r) => r.name).join(', ')}. ` : '';
    if (result.failed) showFailure(result.failed, done);
    else void vscode.window.showInformationMessage(done);
    return result;
  };

  const runStatus = async (): Promise<MigrationStatus | undefined> => {
    const current = await currentStatus();
    if (!current) return undefined;
    const { status } = current;
    const count = (state: string) => status.entries.filter((e) => e.state === state).length;
    log.info(`Migrations in ${status.directory} (${status.conventionLabel}), tracked in ${status.trackingTable}:`);
    for (const e of status.entries) log.info(`  ${e.state.padEnd(12)} ${e.name}${e.appliedAt ? ` ${e.appliedAt} (${e.executionMs} ms)` : ''}${e.hasDown ? '' : ' [no down]'}`);
    for (const p of status.problems) log.warn(`  problem: ${p}`);
    await vscode.commands.executeCommand('pgtuner.migrations.focus');
    const changed = count('changed') + count('missing-file');
    const summary = `${count('applied')} applied, ${count('pending')} pending${changed ? `, ${changed} changed or missing after apply` : ''}${status.problems.length ? `, ${status.problems.length} problem(s) in the folder` : ''}.`;
    if (changed || status.problems.length) void vscode.window.showWarningMessage(`Migrations: ${summary}`, 'Show Log').then((c) => c && log.show());
    else void vscode.window.showInformationMessage(`Migrations: ${summary}`);
    return status;
  };

  services.context.subscriptions.push(
    tree,
    vscode.window.createTreeView('pgtuner.migrations', { treeDataProvider: tree }),
    command('pgtuner.newMigration', async (arg: NewMigrationArgs | undefined) => {
      const dir = directory();
      const name = arg?.name ?? (await vscode.window.showInputBox({ title: 'PG Tuner: New Migration', prompt: 'What does the migration do?', placeHolder: 'add orders status', ignoreFocusOut: true }));
      if (!name?.trim()) return undefined;
      return opened(await generateBlankMigration(dir, name), 'New migration');
    }),
    command('pgtuner.createMigrationFromSuggestion', async (suggestion: Suggestion | undefined) => {
      if (!suggestion?.ddl || !suggestion.down || !suggestion.name) throw new PgTunerError('BAD_INPUT', 'Create Migration from Suggestion needs an advisor suggestion (run "Explain & Suggest Index" first).');
      return opened(await generateIndexMigration(directory(), { ...suggestion, requires: suggestion.requires ?? [] }), `Migration for ${suggestion.name}`);
    }),
    command('pgtuner.createDropIndexMigration', async (index: ExistingIndex | undefined) => {
      if (!index?.schema || !index.table || !index.name || !index.definition) throw new PgTunerError('BAD_INPUT', 'Create Drop Index Migration needs an index (pick one in the Indexes view).');
      let partitions = index.partitions;
      if (!partitions && /\sON\s+ONLY\s/i.test(index.definition)) {
        // A partitioned index's .down must recreate its partitions' indexes too: read them now.
        const active = await connections.requireActive();
        if (!active) return undefined;
        partitions = (await active.database.withSession((s) => readIndexForDrop(s, index))).partitions;
      }
      return opened(await generateDropIndexMigration(directory(), { ...index, partitions }), `Drop migration for ${index.name}`);
    }),
    command('pgtuner.applyMigrations', runApply),
    command('pgtuner.rollbackMigration', runRollback),
    command('pgtuner.migrationStatus', runStatus),
    command('pgtuner.migrations.refresh', async () => tree.refresh()),
    command('pgtuner.migrations.viewItems', async (): Promise<MigrationViewItem[]> =>
      (await tree.rows()).map((row) => {
        const item = tree.getTreeItem(row);
        return { label: String(item.label), description: item.description as string | undefined, icon: (item.iconPath as vscode.ThemeIcon | undefined)?.id, contextValue: item.contextValue };
      })),
  );
}
