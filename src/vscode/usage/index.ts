/**
 * The "Indexes" view and its actions: Refresh, Sort (name / size / scans), Filter, and on each
 * index Generate Drop Migration, Reindex Concurrently, Copy Definition, Show Table Stats.
 * Every command also takes a plain argument ({schema, table, name, …}) so tests and other
 * features can drive it without the tree or prompts.
 */
import * as vscode from 'vscode';
import { registerGuardedCommand } from '../guardedCommand';
import { PgTunerError } from '../../core/errors';
import { formatBytes } from '../../core/format';
import { analyzeIndexUsage } from '../../core/usage/analyze';
import { readIndexDefinition, readIndexForDrop } from '../../core/usage/definition';
import { loadIndexUsage } from '../../core/usage/load';
import { reindexConcurrently, reindexStatement } from '../../core/usage/reindex';
import { loadTableStats, TableStats } from '../../core/usage/tableStats';
import { AnalyzedIndex, IndexAnalysis } from '../../core/usage/types';
import { Services } from '../services';
import { IndexesNode, IndexesTree, IndexSort } from './indexesTree';
import { tableStatsMarkdown } from './tableStatsMarkdown';

/** An index as commands accept it: a tree node, or the plain fields. */
export type IndexArg = IndexesNode | { schema: string; table: string; name: string; definition?: string; confirmed?: boolean };

/** What the view shows, for tests: each row's label, description and context value. */
export interface IndexViewRow { path: string; label: string; description?: string; contextValue?: string; icon?: string }

export function registerIndexes(services: Services): void {
  const { log } = services;
  let loadError: string | undefined;
  const tree = new IndexesTree(async () => {
    const active = services.connections.current();
    loadError = undefined;
    if (!active) return undefined;
    const started = Date.now();
    try {
      const analysis = analyzeIndexUsage(await active.database.withSession(loadIndexUsage));
      log.info(`Indexes view: ${analysis.counts.indexes} indexes of ${active.profile.name} loaded in ${Date.now() - started} ms`);
      // The view asked for the data itself (no change event follows): show its message once the tree holds it.
      setTimeout(updateMessage, 0);
      return analysis;
    } catch (err) {
      // Shown in the view itself; a failed load must not leave a broken tree behind.
      loadError = `Could not load the indexes: ${err instanceof PgTunerError ? err.message : (err as Error)?.message ?? err}`;
      log.error(loadError);
      setTimeout(updateMessage, 0);
      return undefined;
    }
  });
  const view = vscode.window.createTreeView('pgtuner.indexes', { treeDataProvider: tree, showCollapseAll: true });
  const updateMessage = () => {
    view.message = loadError ?? tree.message();
    view.description = tree.sort === 'name' ? undefined : `by ${tree.sort}`;
  };
  tree.onDidChangeTreeData(() => setTimeout(updateMessage, 0));

  /** Finds the analysed index a command is about (tree node or plain fields). */
  const resolve = async (arg: IndexArg | undefined): Promise<AnalyzedIndex> => {
    if (arg && 'kind' in arg && arg.kind === 'index') return arg.index;
    const wanted = arg && !('kind' in arg) ? arg : undefined;
    if (!wanted) throw new PgTunerError('BAD_INPUT', 'Pick an index in the PG Tuner "Indexes" view.');
    const analysis = tree.loaded ?? (await loadNow());
    const found = analysis?.indexes.find((i) => i.schema === wanted.schema && i.name === wanted.name);
    if (!found) throw new PgTunerError('BAD_INPUT', `Index ${wanted.schema}.${wanted.name} was not found (dropped or renamed?). Refresh the Indexes view.`);
    return found;
  };
  /** The definition as the database has it now (the view may be stale); undefined without a connection. */
  const currentDefinition = async (index: AnalyzedIndex): Promise<string | undefined> => {
    const active = await services.connections.requireActive();
    return active?.database.withSession((s) => readIndexDefinition(s, index));
  };
  const loadNow = async (): Promise<IndexAnalysis | undefined> => {
    tree.refresh();
    await tree.getChildren();
    updateMessage();
    return tree.loaded;
  };

  const command = <A, R>(id: string, run: (arg: A) => Promise<R>) => registerGuardedCommand(log, id, run);

  const setSort = (sort: IndexSort) => async () => {
    tree.sort = sort;
    tree.rerender();
  };

  const rows = async (): Promise<IndexViewRow[]> => {
    const out: IndexViewRow[] = [];
    const walk = async (node: IndexesNode | undefined, path: string[]) => {
      for (const child of await tree.getChildren(node)) {
        const item = tree.getTreeItem(child);
        const label = String(item.label);
        out.push({ path: [...path, label].join('/'), label, description: item.description as string | undefined, contextValue: item.contextValue, icon: (item.iconPath as vscode.ThemeIcon | undefined)?.id });
        await walk(child, [...path, label]);
      }
    };
    await walk(undefined, []);
    return out;
  };

  services.context.subscriptions.push(
    view,
    services.connections.onDidChangeActive(() => tree.refresh()),
    command('pgtuner.indexes.refresh', async () => (await loadNow())?.counts),
    command('pgtuner.indexes.sortByName', setSort('name')),
    command('pgtuner.indexes.sortBySize', setSort('size')),
    command('pgtuner.indexes.sortByScans', setSort('scans')),
    command('pgtuner.indexes.filter', async (text?: string) => {
      const value = typeof text === 'string' ? text : await vscode.window.showInputBox({
        title: 'Filter indexes',
        value: tree.filter,
        prompt: `Words in schema.table.index names, and/or: ${IndexesTree.filterWords.join(', ')}. Empty clears the filter.`,
        placeHolder: 'e.g. orders unused',
      });
      if (value === undefined) return;
      tree.filter = value.trim();
      await vscode.commands.executeCommand('setContext', 'pgtuner.indexes.filtered', !!tree.filter);
      tree.rerender();
    }),
    command('pgtuner.indexes.clearFilter', async () => {
      tree.filter = '';
      await vscode.commands.executeCommand('setContext', 'pgtuner.indexes.filtered', false);
      tree.rerender();
    }),
    command('pgtuner.indexes.viewItems', rows),

    command('pgtuner.indexes.generateDropMigration', async (arg: IndexArg | undefined) => {
      const index = await resolve(arg);
      if (index.constraint) {
        throw new PgTunerError('BAD_INPUT', `${index.name} backs the ${index.constraint.kind} constraint ${index.constraint.name}: DROP INDEX refuses it. Drop the constraint instead (ALTER TABLE … DROP CONSTRAINT) if you really mean to.`);
      }
      const active = await services.connections.requireActive();
      const current = await active?.database.withSession((s) => readIndexForDrop(s, index));
      if (current === undefined) return undefined;
      const confirmed = !!(arg && 'confirmed' in arg && arg.confirmed);
      if (index.unique && !confirmed) {
        const go = await vscode.window.showWarningMessage(`${index.name} is a unique index: dropping it stops enforcing uniqueness. Generate the drop migration anyway?`, { modal: true }, 'Generate');
        if (go !== 'Generate') return undefined;
      }
      return vscode.commands.executeCommand('pgtuner.createDropIndexMigration', { schema: index.schema, table: index.table, name: index.name, ...current });
    }),

    command('pgtuner.indexes.reindexConcurrently', async (arg: IndexArg | undefined) => {
      const index = await resolve(arg);
      const active = await services.connections.requireActive();
      if (!active) return undefined;
      const confirmed = !!(arg && 'confirmed' in arg && arg.confirmed);
      if (!confirmed) {
        const where = active.profile.environment === 'production' ? ` on PRODUCTION (${active.profile.name})` : ` on ${active.profile.name}`;
        const go = await vscode.window.showWarningMessage(
          `Rebuild ${index.schema}.${index.name}${where}?`,
          { modal: true, detail: `${reindexStatement(index)}\n\nReads and writes continue during the rebuild, but it takes time, I/O and about ${formatBytes(index.bytes)} of extra disk space until it finishes.` },
          'Reindex Concurrently');
        if (go !== 'Reindex Concurrently') return undefined;
      }
      const started = Date.now();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `REINDEX INDEX CONCURRENTLY ${index.name}`, cancellable: true },
        (_progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return active.database.withSession((s) => reindexConcurrently(s, index), controller.signal);
        });
      log.info(`reindexed ${index.schema}.${index.name} in ${Date.now() - started} ms`);
      void vscode.window.showInformationMessage(`Rebuilt ${index.name} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      await loadNow();
      return { schema: index.schema, name: index.name, ms: Date.now() - started };
    }),

    command('pgtuner.indexes.copyDefinition', async (arg: IndexArg | undefined) => {
      const index = await resolve(arg);
      const definition = await currentDefinition(index);
      if (definition === undefined) return undefined;
      const text = `${definition};`;
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage(`Copied the definition of ${index.name}`, 3000);
      return text;
    }),

    command('pgtuner.indexes.showTableStats', async (arg: IndexesNode | { schema: string; table: string } | undefined): Promise<TableStats | undefined> => {
      const target = !arg ? undefined : 'kind' in arg ? (arg.kind === 'index' ? arg.index : arg.kind === 'table' ? arg : undefined) : arg;
      if (!target) throw new PgTunerError('BAD_INPUT', 'Pick a table or an index in the PG Tuner "Indexes" view.');
      const active = await services.connections.requireActive();
      if (!active) return undefined;
      const stats = await active.database.withSession((s) => loadTableStats(s, { schema: target.schema, table: target.table }));
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: tableStatsMarkdown(stats) });
      await vscode.window.showTextDocument(doc, { preview: true });
      return stats;
    }),
  );
}
