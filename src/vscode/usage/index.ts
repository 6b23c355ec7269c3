/**
 * The "Indexes" view (index usage; the engine's `usage` feature) and its actions: Refresh, Sort
 * (name / size / scans), Filter, and on each index Generate Drop Migration, Reindex Concurrently,
 * Copy Definition, Show Table Stats. Every command also takes a plain argument ({schema, table,
 * name, …}) so tests and other features can drive it without the tree or prompts.
 */
import * as vscode from 'vscode';
import { PgTunerError } from '../../core/errors';
import { formatBytes } from '../../core/format';
import { readIndexDefinition, readIndexForDrop } from '../../core/usage/definition';
import { loadIndexUsage } from '../../core/usage/load';
import { reindexConcurrently, reindexStatement } from '../../core/usage/reindex';
import { loadTableStats, TableStats } from '../../core/usage/tableStats';
import { AnalyzedIndex, IndexAnalysis } from '../../core/usage/types';
import { readSettings } from '../config';
import { Command } from '../runner';
import { Services } from '../services';
import { IndexesNode, IndexesTree, IndexSort } from './indexesTree';
import { tableStatsMarkdown } from './tableStatsMarkdown';

/** An index as commands accept it: a tree node, or the plain fields. */
export type IndexArg = IndexesNode | { schema: string; table: string; name: string; definition?: string; confirmed?: boolean };

/** What the view shows, for tests: each row's label, description and context value. */
export interface IndexViewRow {
  path: string;
  label: string;
  description?: string;
  contextValue?: string;
  icon?: string;
}

/** The view and its model, one per window: the view shows the tree, the commands act on it. */
class IndexesView implements vscode.Disposable {
  readonly tree: IndexesTree;
  readonly view: vscode.TreeView<IndexesNode>;
  private loadError?: string;

  constructor(private readonly services: Services) {
    this.tree = new IndexesTree(() => this.load());
    this.view = vscode.window.createTreeView('pgtuner.indexes', { treeDataProvider: this.tree, showCollapseAll: true });
    this.tree.onDidChangeTreeData(() => setTimeout(() => this.updateMessage(), 0));
  }

  /** Reloads from the database and waits until the tree holds the result. */
  async loadNow(): Promise<IndexAnalysis | undefined> {
    this.tree.refresh();
    await this.tree.getChildren();
    this.updateMessage();
    return this.tree.loaded;
  }

  updateMessage(): void {
    this.view.message = this.loadError ?? this.tree.message();
    this.view.description = this.tree.sort === 'name' ? undefined : `by ${this.tree.sort}`;
  }

  dispose(): void {
    this.view.dispose();
  }

  /** What the tree asks for: no cancel or progress notification, failures shown in the view itself. */
  private async load(): Promise<IndexAnalysis | undefined> {
    const { connections, log } = this.services;
    const active = connections.current();
    this.loadError = undefined;
    if (!active) return undefined;
    const started = Date.now();
    try {
      const analysis = await loadIndexUsage(active.database, {}, { settings: readSettings(log) });
      log.info(`Indexes view: ${analysis.counts.indexes} indexes of ${active.profile.name} loaded in ${Date.now() - started} ms`);
      // The view asked for the data itself (no change event follows): show its message once the tree holds it.
      setTimeout(() => this.updateMessage(), 0);
      return analysis;
    } catch (err) {
      // A failed load must not leave a broken tree behind.
      this.loadError = `Could not load the indexes: ${err instanceof PgTunerError ? err.message : ((err as Error)?.message ?? err)}`;
      log.error(this.loadError);
      setTimeout(() => this.updateMessage(), 0);
      return undefined;
    }
  }
}

const views = new WeakMap<Services, IndexesView>();

function indexesView(services: Services): IndexesView {
  let view = views.get(services);
  if (!view) {
    view = new IndexesView(services);
    services.context.subscriptions.push(view);
    views.set(services, view);
  }
  return view;
}

/** The Indexes view, reloaded when the active connection changes; its commands are in usageCommands. */
export function registerUsage(services: Services): void {
  const { tree } = indexesView(services);
  services.context.subscriptions.push(services.connections.onDidChangeActive(() => tree.refresh()));
}

export function usageCommands(services: Services): Record<string, Command> {
  const { connections, log, runner } = services;
  const view = indexesView(services);
  const { tree } = view;

  /** Finds the analysed index a command is about (tree node or plain fields). */
  const resolve = async (arg: IndexArg | undefined): Promise<AnalyzedIndex> => {
    if (arg && 'kind' in arg && arg.kind === 'index') return arg.index;
    const wanted = arg && !('kind' in arg) ? arg : undefined;
    if (!wanted) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Pick an index in the PG Tuner "Indexes" view.'));
    const analysis = tree.loaded ?? (await view.loadNow());
    const found = analysis?.indexes.find((i) => i.schema === wanted.schema && i.name === wanted.name);
    if (!found)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('Index {0}.{1} was not found (dropped or renamed?). Refresh the Indexes view.', wanted.schema, wanted.name),
      );
    return found;
  };
  const confirmedIn = (arg: IndexArg | undefined) => !!(arg && 'confirmed' in arg && arg.confirmed);

  const setSort = (sort: IndexSort): Command => ({
    title: `Sort Indexes by ${sort}`,
    run: () => {
      tree.sort = sort;
      tree.rerender();
    },
  });

  const setFilter = async (value: string) => {
    tree.filter = value;
    await vscode.commands.executeCommand('setContext', 'pgtuner.indexes.filtered', !!value);
    tree.rerender();
  };

  const rows = async (): Promise<IndexViewRow[]> => {
    const out: IndexViewRow[] = [];
    const walk = async (node: IndexesNode | undefined, path: string[]) => {
      for (const child of await tree.getChildren(node)) {
        const item = tree.getTreeItem(child);
        const label = String(item.label);
        out.push({
          path: [...path, label].join('/'),
          label,
          description: item.description as string | undefined,
          contextValue: item.contextValue,
          icon: (item.iconPath as vscode.ThemeIcon | undefined)?.id,
        });
        await walk(child, [...path, label]);
      }
    };
    await walk(undefined, []);
    return out;
  };

  const generateDropMigration = async (arg: IndexArg | undefined) => {
    const index = await resolve(arg);
    if (index.constraint) {
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t(
          '{0} backs the {1} constraint {2}: DROP INDEX refuses it. Drop the constraint instead (ALTER TABLE … DROP CONSTRAINT) if you really mean to.',
          index.name,
          index.constraint.kind,
          index.constraint.name,
        ),
      );
    }
    const active = await connections.requireActive();
    if (!active) return undefined;
    const current = await runner.withProgress(vscode.l10n.t('Reading the definition of {0}', index.name), (run) =>
      readIndexForDrop(active.database, index, run),
    );
    if (index.unique && !confirmedIn(arg)) {
      const go = await vscode.window.showWarningMessage(
        vscode.l10n.t('{0} is a unique index: dropping it stops enforcing uniqueness. Generate the drop migration anyway?', index.name),
        { modal: true },
        'Generate',
      );
      if (go !== 'Generate') return undefined;
    }
    return vscode.commands.executeCommand('pgtuner.createDropIndexMigration', {
      schema: index.schema,
      table: index.table,
      name: index.name,
      ...current,
    });
  };

  const reindex = async (arg: IndexArg | undefined) => {
    const index = await resolve(arg);
    const active = await connections.requireActive();
    if (!active) return undefined;
    if (!confirmedIn(arg)) {
      const where = active.profile.environment === 'production' ? ` on PRODUCTION (${active.profile.name})` : ` on ${active.profile.name}`;
      const go = await vscode.window.showWarningMessage(
        vscode.l10n.t('Rebuild {0}.{1}{2}?', index.schema, index.name, where),
        {
          modal: true,
          detail: vscode.l10n.t(
            '{0}\n\nReads and writes continue during the rebuild, but it takes time, I/O and about {1} of extra disk space until it finishes.',
            reindexStatement(index),
            formatBytes(index.bytes),
          ),
        },
        'Reindex Concurrently',
      );
      if (go !== 'Reindex Concurrently') return undefined;
    }
    const started = Date.now();
    await runner.withProgress(vscode.l10n.t('REINDEX INDEX CONCURRENTLY {0}', index.name), (run) =>
      reindexConcurrently(active.database, index, run),
    );
    log.info(`reindexed ${index.schema}.${index.name} in ${Date.now() - started} ms`);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Rebuilt {0} in {1} s.', index.name, ((Date.now() - started) / 1000).toFixed(1)),
    );
    await view.loadNow();
    return { schema: index.schema, name: index.name, ms: Date.now() - started };
  };

  const copyDefinition = async (arg: IndexArg | undefined) => {
    const index = await resolve(arg);
    const active = await connections.requireActive();
    if (!active) return undefined;
    // As the database has it now: the view may be stale.
    const definition = await runner.withProgress(vscode.l10n.t('Reading the definition of {0}', index.name), (run) =>
      readIndexDefinition(active.database, index, run),
    );
    const text = `${definition};`;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Copied the definition of ${index.name}`, 3000);
    return text;
  };

  const showTableStats = async (arg: IndexesNode | { schema: string; table: string } | undefined): Promise<TableStats | undefined> => {
    const target = !arg ? undefined : 'kind' in arg ? (arg.kind === 'index' ? arg.index : arg.kind === 'table' ? arg : undefined) : arg;
    if (!target) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Pick a table or an index in the PG Tuner "Indexes" view.'));
    const active = await connections.requireActive();
    if (!active) return undefined;
    const stats = await runner.withProgress(vscode.l10n.t('Table stats of {0}.{1}', target.schema, target.table), (run) =>
      loadTableStats(active.database, { schema: target.schema, table: target.table }, run),
    );
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: tableStatsMarkdown(stats) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return stats;
  };

  return {
    'pgtuner.indexes.refresh': { title: 'Refresh Indexes', run: async () => (await view.loadNow())?.counts },
    'pgtuner.indexes.sortByName': setSort('name'),
    'pgtuner.indexes.sortBySize': setSort('size'),
    'pgtuner.indexes.sortByScans': setSort('scans'),
    'pgtuner.indexes.filter': {
      title: 'Filter Indexes',
      run: async (text?: string) => {
        const value =
          typeof text === 'string'
            ? text
            : await vscode.window.showInputBox({
                title: vscode.l10n.t('Filter indexes'),
                value: tree.filter,
                prompt: vscode.l10n.t(
                  'Words in schema.table.index names, and/or: {0}. Empty clears the filter.',
                  IndexesTree.filterWords.join(', '),
                ),
                placeHolder: vscode.l10n.t('e.g. orders unused'),
              });
        if (value !== undefined) await setFilter(value.trim());
      },
    },
    'pgtuner.indexes.clearFilter': { title: 'Clear Index Filter', run: () => setFilter('') },
    'pgtuner.indexes.generateDropMigration': { title: 'Generate Drop Migration', run: generateDropMigration },
    'pgtuner.indexes.reindexConcurrently': { title: 'Reindex Concurrently', run: reindex },
    'pgtuner.indexes.copyDefinition': { title: 'Copy Index Definition', run: copyDefinition },
    'pgtuner.indexes.showTableStats': { title: 'Show Table Stats', run: showTableStats },
    'pgtuner.test.indexesViewItems': { title: 'Indexes view rows', run: rows },
  };
}
