/**
 * The "Indexes" view: schema → table → index, from one whole-database query. Each index shows
 * its scans, tuples read, size and badges (unused, duplicate, redundant, invalid, bloated); the
 * view's message says since when scans are counted. Sort by name, size or scans; filter by text
 * and/or badge words.
 */
import * as vscode from 'vscode';
import { formatBytes, formatCount } from '../../core/format';
import { groupBy } from '../../core/groupBy';
import { AnalyzedIndex, BadgeKind, IndexAnalysis } from '../../core/usage/types';
import { indexTooltipMarkdown } from './tooltip';

export type IndexSort = 'name' | 'size' | 'scans';

export type IndexesNode =
  | { kind: 'schema'; schema: string; indexes: AnalyzedIndex[] }
  | { kind: 'table'; schema: string; table: string; indexes: AnalyzedIndex[] }
  | { kind: 'index'; index: AnalyzedIndex };

const BADGE_WORDS: readonly string[] = ['unused', 'duplicate', 'redundant', 'invalid', 'bloated'] satisfies BadgeKind[];
/** Filter words that select by state rather than by name. */
const STATE_WORDS = [...BADGE_WORDS, 'flagged', 'droppable'];

const bytesOf = (list: AnalyzedIndex[]) => list.reduce((sum, i) => sum + i.bytes, 0);
const scansOf = (list: AnalyzedIndex[]) => list.reduce((sum, i) => sum + i.scans, 0);

function matches(i: AnalyzedIndex, words: string[]): boolean {
  const name = `${i.schema}.${i.table}.${i.name}`.toLowerCase();
  return words.every((w) => {
    if (w === 'flagged') return i.badges.length > 0;
    if (w === 'droppable') return i.droppable;
    if (BADGE_WORDS.includes(w)) return i.badges.some((b) => b.kind === w);
    return name.includes(w);
  });
}

/** "3 unused, 1 duplicate" for a set of indexes (empty when nothing is flagged). */
export function badgeSummary(list: AnalyzedIndex[]): string {
  return BADGE_WORDS.map((kind) => [kind, list.filter((i) => i.badges.some((b) => b.kind === kind)).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}

export class IndexesTree implements vscode.TreeDataProvider<IndexesNode> {
  private readonly changed = new vscode.EventEmitter<IndexesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private analysis?: IndexAnalysis;
  private loading?: Promise<IndexAnalysis | undefined>;
  sort: IndexSort = 'name';
  filter = '';

  constructor(private readonly load: () => Promise<IndexAnalysis | undefined>) {}

  /** Drops the loaded data; the view reloads it (one query) when it next asks. */
  refresh(): void {
    this.analysis = undefined;
    this.loading = undefined;
    this.changed.fire(undefined);
  }

  /** The data, loading it once however many callers ask while the query runs (the view and a command both do after a refresh). */
  private ensureLoaded(): Promise<IndexAnalysis | undefined> {
    if (this.analysis) return Promise.resolve(this.analysis);
    const loading = (this.loading ??= this.load().then((analysis) => {
      // A refresh while the query ran asked for newer data: keep only the latest load. Nothing
      // loaded (no connection, an error shown in the view): the next ask tries again.
      if (this.loading === loading) {
        this.analysis = analysis;
        if (!analysis) this.loading = undefined;
      }
      return analysis;
    }));
    return loading;
  }

  /** Re-renders the loaded data (after a sort or filter change). */
  rerender(): void {
    this.changed.fire(undefined);
  }

  get loaded(): IndexAnalysis | undefined {
    return this.analysis;
  }

  private visible(): AnalyzedIndex[] {
    const words = this.filter.toLowerCase().split(/\s+/).filter(Boolean);
    return (this.analysis?.indexes ?? []).filter((i) => matches(i, words));
  }

  private ordered<T>(items: T[], indexesOf: (t: T) => AnalyzedIndex[], nameOf: (t: T) => string): T[] {
    const by = {
      name: (a: T, b: T) => nameOf(a).localeCompare(nameOf(b)),
      size: (a: T, b: T) => bytesOf(indexesOf(b)) - bytesOf(indexesOf(a)) || nameOf(a).localeCompare(nameOf(b)),
      // Least used first: the ones worth a look.
      scans: (a: T, b: T) => scansOf(indexesOf(a)) - scansOf(indexesOf(b)) || nameOf(a).localeCompare(nameOf(b)),
    }[this.sort];
    return [...items].sort(by);
  }

  async getChildren(node?: IndexesNode): Promise<IndexesNode[]> {
    if (!node) {
      await this.ensureLoaded();
      const schemas = groupBy(this.visible(), (i) => i.schema);
      const nodes = [...schemas].map(([schema, indexes]): IndexesNode => ({ kind: 'schema', schema, indexes }));
      return this.ordered(
        nodes,
        (n) => (n as { indexes: AnalyzedIndex[] }).indexes,
        (n) => (n as { schema: string }).schema,
      );
    }
    if (node.kind === 'schema') {
      const tables = groupBy(node.indexes, (i) => i.table);
      const nodes = [...tables].map(([table, indexes]): IndexesNode => ({ kind: 'table', schema: node.schema, table, indexes }));
      return this.ordered(
        nodes,
        (n) => (n as { indexes: AnalyzedIndex[] }).indexes,
        (n) => (n as { table: string }).table,
      );
    }
    if (node.kind === 'table') {
      return this.ordered(
        node.indexes,
        (i) => [i],
        (i) => i.name,
      ).map((index): IndexesNode => ({ kind: 'index', index }));
    }
    return [];
  }

  getTreeItem(node: IndexesNode): vscode.TreeItem {
    const expand = this.filter ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    if (node.kind === 'schema') {
      const tables = new Set(node.indexes.map((i) => i.table)).size;
      const item = new vscode.TreeItem(node.schema, vscode.TreeItemCollapsibleState.Expanded);
      item.description = [
        `${tables} table${tables === 1 ? '' : 's'}`,
        `${node.indexes.length} indexes`,
        formatBytes(bytesOf(node.indexes)),
        badgeSummary(node.indexes),
      ]
        .filter(Boolean)
        .join(' · ');
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      item.contextValue = 'schema';
      item.id = `schema:${node.schema}`;
      return item;
    }
    if (node.kind === 'table') {
      const item = new vscode.TreeItem(node.table, expand);
      item.description = [
        `${node.indexes.length} index${node.indexes.length === 1 ? '' : 'es'}`,
        formatBytes(bytesOf(node.indexes)),
        badgeSummary(node.indexes),
      ]
        .filter(Boolean)
        .join(' · ');
      item.iconPath = new vscode.ThemeIcon('table');
      item.contextValue = 'table';
      item.id = `table:${node.schema}.${node.table}`;
      return item;
    }
    return this.indexItem(node.index);
  }

  private indexItem(i: AnalyzedIndex): vscode.TreeItem {
    const item = new vscode.TreeItem(i.name, vscode.TreeItemCollapsibleState.None);
    const badges = i.badges.map((b) => b.kind);
    // Badges first: the sidebar is narrow and cuts the end of the line.
    item.description = [
      badges.length ? `⚑ ${badges.join(', ')}` : '',
      `${formatCount(i.scans)} scans`,
      `${formatCount(i.tuplesRead)} read`,
      formatBytes(i.bytes),
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = badges.includes('invalid')
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
      : i.badges.length
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'))
        : new vscode.ThemeIcon(i.constraint ? 'key' : 'symbol-field');
    // Catalog names are text, not Markdown: escaped, and rendered untrusted (no command links, HTML or icons).
    const tip = new vscode.MarkdownString(indexTooltipMarkdown(i, this.analysis?.statsResetAt), false);
    tip.isTrusted = false;
    tip.supportHtml = false;
    item.tooltip = tip;
    // index-constraint: DROP INDEX refuses it; index-locked: no definition to copy or recreate.
    item.contextValue = !i.definition ? 'index-locked' : i.constraint ? 'index-constraint' : 'index';
    item.id = `index:${i.schema}.${i.name}`;
    return item;
  }

  /** The view's message: since when scans are counted, and the totals. */
  message(): string | undefined {
    const a = this.analysis;
    if (!a) return undefined;
    const since = a.statsResetAt
      ? `Scans since the stats reset on ${new Date(a.statsResetAt).toLocaleString()}`
      : 'Scans since statistics began (never reset)';
    const flagged = badgeSummary(a.indexes);
    const shown = this.filter ? ` · filter "${this.filter}": ${this.visible().length} shown` : '';
    return `${since} · ${a.counts.indexes} indexes${flagged ? `: ${flagged}` : ''}${shown}`;
  }

  static readonly filterWords = STATE_WORDS;
}
