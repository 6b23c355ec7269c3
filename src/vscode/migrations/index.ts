/**
 * Migrations from the editor: New Migration, Apply Pending, Roll Back, Status, migrations from
 * advisor suggestions and from existing indexes (migrationsCommands), and the Migrations view
 * (registerMigrations). Every command takes an optional argument object (tests, other features,
 * tree rows); without one it asks.
 */
import * as vscode from 'vscode';
import { Suggestion } from '../../core/advisor/types';
import { PgTunerError } from '../../core/errors';
import {
  GeneratedMigration,
  generateBlankMigration,
  generateDropIndexMigration,
  generateIndexMigration,
  IndexToDrop,
} from '../../core/migrations/generate';
import { applyPending, ApplyResult, MigrationFailure, rollback, RollbackResult } from '../../core/migrations/runner';
import { migrationStatus, MigrationStatus, trackingLabel } from '../../core/migrations/status';
import { Run } from '../../core/run';
import { readIndexForDrop } from '../../core/usage/definition';
import { generateWorkloadMigrations } from '../../core/workload/migration';
import { ChosenIndex, ProposedDrop } from '../../core/workload/types';
import { readSettings } from '../config';
import { Command } from '../runner';
import { Services } from '../services';
import { confirmProductionChange, ProductionArgs } from './confirm';
import { MigrationRow, MigrationsTree } from './migrationsView';
import { migrationsDirectory, MigrationsPlace, migrationsPlaces } from './settings';
import { pickFolder } from '../workspaceFolder';

export interface NewMigrationArgs {
  name?: string;
}
export type ApplyArgs = ProductionArgs;
export interface RollbackArgs extends ProductionArgs {
  steps?: number;
}

/** A row of the view as rendered, for tests (pgtuner.test.migrationsViewItems). */
export interface MigrationViewItem {
  label: string;
  description?: string;
  icon?: string;
  contextValue?: string;
  /** A workspace folder's rows (multi-root, when several folders have migrations). */
  children?: MigrationViewItem[];
}

/** The Migrations view's model, one per window: the view shows it, the commands refresh it. */
const trees = new WeakMap<Services, MigrationsTree>();

function migrationsTree(services: Services): MigrationsTree {
  let tree = trees.get(services);
  if (!tree) {
    tree = new MigrationsTree(() => migrationsPlaces(services.log), services.connections);
    services.context.subscriptions.push(tree);
    trees.set(services, tree);
  }
  return tree;
}

/** The Migrations view; its commands are in migrationsCommands. */
export function registerMigrations(services: Services): void {
  services.context.subscriptions.push(vscode.window.createTreeView('pgtuner.migrations', { treeDataProvider: migrationsTree(services) }));
}

/** What Create Migration from Workload takes: the chosen indexes and drops of a WorkloadReport. */
export interface WorkloadMigrationArgs {
  indexes: ChosenIndex[];
  drops: ProposedDrop[];
}

export function migrationsCommands(services: Services): Record<string, Command> {
  const { log, connections, runner } = services;
  const tree = migrationsTree(services);
  const after = () => tree.refresh();

  /**
   * The workspace folder a command works in (the active editor's, the only one, else the user's
   * pick) with its settings and migrations directory; undefined when the user cancelled the pick.
   */
  const place = async (): Promise<MigrationsPlace | undefined> => {
    const folder = await pickFolder('migrations');
    if (folder === null) return undefined;
    const settings = readSettings(log, folder?.uri);
    const directory = migrationsDirectory(settings, folder);
    if (!directory)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('Open a folder first: migrations live in the workspace (setting pgtuner.migrations.directory).'),
      );
    return { folder, settings, directory };
  };

  /** The run with its progress also in the log (a blocker named in a notification is gone once it fades). */
  const logged = (run: Run): Run => ({
    ...run,
    onProgress: (message, fraction) => {
      log.info(message);
      run.onProgress?.(message, fraction);
    },
  });

  const opened = async (created: GeneratedMigration, what: string): Promise<GeneratedMigration> => {
    await vscode.window.showTextDocument(vscode.Uri.file(created.upPath), { preview: false });
    if (created.downPath)
      await vscode.window.showTextDocument(vscode.Uri.file(created.downPath), { preview: false, viewColumn: vscode.ViewColumn.Beside });
    log.info(`${what}: ${[created.upPath, created.downPath].filter(Boolean).join(' and ')}`);
    return created;
  };

  const showFailure = (failed: MigrationFailure, done: string) => {
    log.error(`${failed.name} failed${failed.line ? ` at ${failed.file}:${failed.line}` : ''}: ${failed.message}`);
    void vscode.window
      .showErrorMessage(vscode.l10n.t('{0}{1} failed: {2}', done, failed.name, failed.message), 'Open File')
      .then(async (choice) => {
        if (!choice) return;
        const line = Math.max(0, (failed.line ?? 1) - 1);
        await vscode.window.showTextDocument(vscode.Uri.file(failed.file), { selection: new vscode.Range(line, 0, line, 0) });
      });
  };

  const newMigration = async (arg: NewMigrationArgs | undefined): Promise<GeneratedMigration | undefined> => {
    const at = await place();
    if (!at) return undefined;
    const name =
      arg?.name ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('PG Tuner: New Migration'),
        prompt: vscode.l10n.t('What does the migration do?'),
        placeHolder: vscode.l10n.t('add orders status'),
        ignoreFocusOut: true,
      }));
    if (!name?.trim()) return undefined;
    return opened(await generateBlankMigration({ directory: at.directory, name }), 'New migration');
  };

  const fromSuggestion = async (suggestion: Suggestion | undefined): Promise<GeneratedMigration | undefined> => {
    if (!suggestion?.ddl || !suggestion.down || !suggestion.name)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('Create Migration from Suggestion needs an advisor suggestion (run "Explain & Suggest Index" first).'),
      );
    const at = await place();
    if (!at) return undefined;
    const created = await generateIndexMigration({
      directory: at.directory,
      suggestion: { ...suggestion, requires: suggestion.requires ?? [] },
    });
    return opened(created, `Migration for ${suggestion.name}`);
  };

  /** The workload advisor's set (Advise Workload's report): one migration, or one per index (setting). */
  const fromWorkload = async (arg: Partial<WorkloadMigrationArgs> | undefined): Promise<GeneratedMigration[]> => {
    if (!arg?.indexes?.length && !arg?.drops?.length)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('Create Migration from Workload needs workload advice (run "Advise Workload" first).'),
      );
    const at = await place();
    if (!at) return [];
    const created = await generateWorkloadMigrations({
      directory: at.directory,
      indexes: arg.indexes ?? [],
      drops: arg.drops ?? [],
      perIndex: at.settings['workload.migrationPerIndex'],
    });
    for (const c of created) await opened(c, 'Workload migration');
    return created;
  };

  const dropIndex = async (index: IndexToDrop | undefined): Promise<GeneratedMigration | undefined> => {
    if (!index?.schema || !index.table || !index.name || !index.definition)
      throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Create Drop Index Migration needs an index (pick one in the Indexes view).'));
    const at = await place();
    if (!at) return undefined;
    let partitions = index.partitions;
    if (!partitions && /\sON\s+ONLY\s/i.test(index.definition)) {
      // A partitioned index's .down must recreate its partitions' indexes too: read them now.
      const active = await connections.requireActive();
      if (!active) return undefined;
      partitions = (await readIndexForDrop(active.database, index, { settings: at.settings })).partitions;
    }
    return opened(
      await generateDropIndexMigration({ directory: at.directory, index: { ...index, partitions } }),
      `Drop migration for ${index.name}`,
    );
  };

  const apply = async (arg: ApplyArgs | undefined): Promise<ApplyResult | undefined> => {
    const at = await place();
    if (!at) return undefined;
    const active = await connections.requireActive();
    if (!active) return undefined;
    // Confirmed under the migration lock, with what is pending then: counted before the lock,
    // another runner could roll back (or a file appear) in between.
    const confirm = (names: string[]) => confirmProductionChange(active.profile, `Apply ${names.length} pending migration(s)`, arg, log);
    const result = await runner.withProgress(
      vscode.l10n.t('PG Tuner: applying migrations'),
      (run) => applyPending(active.database, { directory: at.directory, confirm }, logged(run)),
      at.folder?.uri,
    );
    if (result.declined) return undefined;
    for (const r of result.applied)
      log.info(`Applied ${r.name} in ${r.executionMs} ms${r.transactional ? '' : ' (outside a transaction)'}.`);
    const done = result.applied.length ? `Applied ${result.applied.length} migration(s). ` : '';
    if (result.failed) showFailure(result.failed, done);
    else void vscode.window.showInformationMessage(done || 'The database is up to date: no pending migration.');
    return result;
  };

  const rollBack = async (arg: RollbackArgs | undefined): Promise<RollbackResult | undefined> => {
    const at = await place();
    if (!at) return undefined;
    const active = await connections.requireActive();
    if (!active) return undefined;
    const status = await migrationStatus(active.database, { directory: at.directory }, { settings: at.settings });
    const applied = status.entries.filter((e) => e.state !== 'pending');
    if (applied.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No migration is applied, so there is nothing to roll back.'));
      return undefined;
    }
    let steps = arg?.steps;
    if (steps === undefined) {
      const answer = await vscode.window.showInputBox({
        title: vscode.l10n.t('PG Tuner: Roll Back Migrations'),
        prompt: vscode.l10n.t('How many migrations to roll back (newest first; {0} applied)?', applied.length),
        value: '1',
        ignoreFocusOut: true,
        validateInput: (v) =>
          /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= applied.length
            ? undefined
            : vscode.l10n.t('A whole number from 1 to {0}', applied.length),
      });
      if (!answer) return undefined;
      steps = Number(answer);
    }
    if (!(await confirmProductionChange(active.profile, `Roll back ${steps} migration(s)`, arg, log))) return undefined;
    const input = { directory: status.directory, steps };
    const result = await runner.withProgress(
      vscode.l10n.t('PG Tuner: rolling back migrations'),
      (run) => rollback(active.database, input, logged(run)),
      at.folder?.uri,
    );
    for (const r of result.rolledBack) log.info(`Rolled back ${r.name} in ${r.executionMs} ms.`);
    const done = result.rolledBack.length ? `Rolled back ${result.rolledBack.map((r) => r.name).join(', ')}. ` : '';
    if (result.failed) showFailure(result.failed, done);
    else void vscode.window.showInformationMessage(done);
    return result;
  };

  const showStatus = async (): Promise<MigrationStatus | undefined> => {
    const at = await place();
    if (!at) return undefined;
    const active = await connections.requireActive();
    if (!active) return undefined;
    const status = await migrationStatus(active.database, { directory: at.directory }, { settings: at.settings });
    const count = (state: string) => status.entries.filter((e) => e.state === state).length;
    log.info(`Migrations in ${status.directory} (${status.conventionLabel}), tracked in ${trackingLabel(status)}:`);
    for (const e of status.entries)
      log.info(
        `  ${e.state.padEnd(12)} ${e.name}${e.appliedAt ? ` ${e.appliedAt} (${e.executionMs} ms)` : ''}${e.hasDown ? '' : ' [no down]'}`,
      );
    for (const p of status.problems) log.warn(`  problem: ${p}`);
    await vscode.commands.executeCommand('pgtuner.migrations.focus');
    const changed = count('changed') + count('missing-file');
    const summary = `${count('applied')} applied, ${count('pending')} pending${changed ? `, ${changed} changed or missing after apply` : ''}${status.problems.length ? `, ${status.problems.length} problem(s) in the folder` : ''}.`;
    if (changed || status.problems.length)
      void vscode.window.showWarningMessage(vscode.l10n.t('Migrations: {0}', summary), 'Show Log').then((c) => c && log.show());
    else void vscode.window.showInformationMessage(vscode.l10n.t('Migrations: {0}', summary));
    return status;
  };

  const viewItem = (row: MigrationRow): MigrationViewItem => {
    const item = tree.getTreeItem(row);
    return {
      label: String(item.label),
      description: item.description as string | undefined,
      icon: (item.iconPath as vscode.ThemeIcon | undefined)?.id,
      contextValue: item.contextValue,
      ...(row.kind === 'folder' ? { children: row.rows.map(viewItem) } : {}),
    };
  };
  const viewItems = async (): Promise<MigrationViewItem[]> => (await tree.rows()).map(viewItem);

  return {
    'pgtuner.newMigration': { title: 'New Migration', run: newMigration, after },
    'pgtuner.createMigrationFromSuggestion': { title: 'Create Migration from Suggestion', run: fromSuggestion, after },
    'pgtuner.createMigrationFromWorkload': { title: 'Create Migration from Workload', run: fromWorkload, after },
    'pgtuner.createDropIndexMigration': { title: 'Create Drop Index Migration', run: dropIndex, after },
    'pgtuner.applyMigrations': { title: 'Apply Pending Migrations', run: apply, after },
    'pgtuner.rollbackMigration': { title: 'Roll Back Last Migration', run: rollBack, after },
    'pgtuner.migrationStatus': { title: 'Migration Status', run: showStatus, after },
    'pgtuner.migrations.refresh': { title: 'Refresh Migrations', run: after },
    'pgtuner.test.migrationsViewItems': { title: 'Migrations view items', run: viewItems },
  };
}
