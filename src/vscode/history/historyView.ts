import * as vscode from 'vscode';
import { HistoryEntry, statementLine, statementsOf, StatementHistory } from '../../core/plan/history';
import { PlanHistoryStore } from './store';

/** A statement row (its plans below it) or a plan row; item commands receive these, `{ key }` or `{ id }`. */
export type HistoryNode = { key: string; group: StatementHistory } | { id: string; entry: HistoryEntry };

/**
 * The "Plan History" view: one row per explained statement (most recent first) and below it its
 * plans, newest first, with time, connection and execution time (or "estimates" when the plan
 * was not run). A click reopens the plan.
 */
export class HistoryTree implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: PlanHistoryStore) {
    this.subscription = store.onDidChange(() => this.changed.fire());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    if (node) return 'group' in node ? node.group.entries.map((entry) => ({ id: entry.id, entry })) : [];
    return statementsOf({ entries: await this.store.entries() }).map((group) => ({ key: group.key, group }));
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    if ('group' in node) {
      const { group } = node;
      const item = new vscode.TreeItem(oneLine(group.statement, 60), vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${group.entries.length} plan${group.entries.length === 1 ? '' : 's'}`;
      item.tooltip = group.statement;
      item.iconPath = new vscode.ThemeIcon('symbol-field');
      item.contextValue = 'pgtuner.history.statement';
      return item;
    }
    const { entry } = node;
    const item = new vscode.TreeItem(localTime(entry.at));
    item.description = `${entry.connection} · ${durationText(entry)}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${localTime(entry.at)} on ${entry.connection}: ${durationText(entry)}, cost ${entry.totalCost} planner units\n\n`);
    tooltip.appendCodeblock(entry.statement, 'sql');
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(entry.analyzed ? 'pulse' : 'graph');
    item.contextValue = 'pgtuner.history.plan';
    item.command = { command: 'pgtuner.history.reopen', title: 'Reopen Plan', arguments: [{ id: entry.id }] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** "executed in 12.4 ms", or "estimates (not run)" for a plan without ANALYZE. */
export function durationText(entry: HistoryEntry): string {
  if (entry.durationMs === null) return 'estimates (not run)';
  return `executed in ${entry.durationMs < 100 ? entry.durationMs.toFixed(2) : Math.round(entry.durationMs)} ms`;
}

/** "2026-11-30 11:52:03" in the user's time zone. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The statement on one line without its comments, cut at `max` characters. */
export function oneLine(sql: string, max: number): string {
  const flat = statementLine(sql);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
