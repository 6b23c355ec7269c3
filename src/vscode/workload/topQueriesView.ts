/**
 * The "Top Queries" view: this database's statements from pg_stat_statements by total time, each
 * with its share of the total, calls, mean time and rows. A statement opens as SQL on click; its
 * inline action runs Explain & Suggest on it ($n placeholders: remembered values or a generic plan).
 */
import * as vscode from 'vscode';
import { formatCount, formatPercent } from '../../core/format';
import { TopQueries, TopQuery } from '../../core/workload/topQueries';

const MAX_LABEL = 90;

/** "12.3 s", "4.56 ms": pg_stat_statements times are in milliseconds. */
export function formatMs(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  return `${ms >= 100 ? Math.round(ms) : Number(ms.toPrecision(3))} ms`;
}

/** One line of the statement: whitespace collapsed, cut at MAX_LABEL characters. */
export function queryLabel(query: string): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > MAX_LABEL ? `${line.slice(0, MAX_LABEL - 1)}…` : line;
}

export function queryDescription(q: TopQuery): string {
  return `${formatMs(q.totalMs)} · ${formatPercent(q.share)} · ${formatCount(q.calls)} calls · mean ${formatMs(q.meanMs)}`;
}

export class TopQueriesTree implements vscode.TreeDataProvider<TopQuery> {
  private readonly changed = new vscode.EventEmitter<TopQuery | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private loading?: Promise<TopQueries | undefined>;
  loaded?: TopQueries;

  constructor(private readonly load: () => Promise<TopQueries | undefined>) {}

  refresh(): void {
    this.loading = undefined;
    this.loaded = undefined;
    this.changed.fire(undefined);
  }

  async getChildren(element?: TopQuery): Promise<TopQuery[]> {
    if (element) return [];
    this.loading ??= this.load().then((data) => (this.loaded = data));
    return (await this.loading)?.queries ?? [];
  }

  getTreeItem(q: TopQuery): vscode.TreeItem {
    const item = new vscode.TreeItem(queryLabel(q.query), vscode.TreeItemCollapsibleState.None);
    item.id = q.queryId;
    item.description = queryDescription(q);
    item.contextValue = q.explainable ? 'topQuery.explainable' : 'topQuery';
    item.iconPath = new vscode.ThemeIcon(q.share >= 0.5 ? 'flame' : q.share >= 0.1 ? 'warning' : 'symbol-event');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendCodeblock(q.query, 'sql');
    tooltip.appendMarkdown(
      [
        `**${formatMs(q.totalMs)}** in total (${formatPercent(q.share)} of this database's statement time)`,
        `${formatCount(q.calls)} calls · mean ${formatMs(q.meanMs)} · ${formatCount(q.rows)} rows`,
        q.hitRatio === null ? 'no shared blocks read' : `buffer cache hits ${formatPercent(q.hitRatio)}`,
      ].join('  \n'),
    );
    item.tooltip = tooltip;
    item.command = { command: 'pgtuner.topQueries.open', title: 'Open Statement', arguments: [q] };
    return item;
  }

  /** The view's message: how much time the list covers, since when. */
  message(): string | undefined {
    const data = this.loaded;
    if (!data) return undefined;
    if (!data.queries.length) return 'pg_stat_statements has recorded no statement of this database yet.';
    const since = data.statsReset ? ` since ${new Date(data.statsReset).toLocaleString()}` : '';
    return `${formatMs(data.totalMs)} of statement time recorded${since}.`;
  }
}
