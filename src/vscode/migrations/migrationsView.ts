import * as fs from 'fs';
import * as vscode from 'vscode';
import { PgTunerError } from '../../core/errors';
import { readMigrationFolder } from '../../core/migrations/files';
import { describeStatus, migrationStatus, MigrationStatusEntry, trackingLabel } from '../../core/migrations/status';
import { trackingSchemaOf, trackingTableName } from '../../core/migrations/tracking';
import { Settings } from '../../core/settings/schema';
import { ConnectionService } from '../services';
import { migrationsDirectory } from './settings';

/** A row of the Migrations view: a migration, or a line saying why the list is incomplete. */
export type MigrationRow =
  | { kind: 'migration'; entry: MigrationStatusEntry; connected: boolean }
  | { kind: 'message'; text: string; icon: 'warning' | 'error' | 'info' };

const STATE_TEXT: Record<MigrationStatusEntry['state'], string> = {
  applied: 'applied',
  pending: 'pending',
  changed: 'changed after apply',
  'missing-file': 'applied, file missing',
};

const STATE_ICON: Record<MigrationStatusEntry['state'], [string, string | undefined]> = {
  applied: ['pass', 'testing.iconPassed'],
  pending: ['circle-large-outline', undefined],
  changed: ['warning', 'list.warningForeground'],
  'missing-file': ['error', 'list.errorForeground'],
};

/**
 * The "Migrations" view: every migration of the folder with its state on the active connection
 * (applied with time, pending, changed after apply), plus folder problems. Without a
 * connection it lists the files only. It follows the folder and the active connection.
 */
export class MigrationsTree implements vscode.TreeDataProvider<MigrationRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher?: vscode.FileSystemWatcher;
  private watchedDirectory?: string;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly settings: () => Settings,
    private readonly connections: ConnectionService,
  ) {
    this.subscription = connections.onDidChangeActive(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: MigrationRow): Promise<MigrationRow[]> {
    return element ? [] : this.rows();
  }

  /** The rows as the view shows them (also what the view-items command hands to tests). */
  async rows(): Promise<MigrationRow[]> {
    const settings = this.settings();
    const directory = migrationsDirectory(settings);
    if (!directory) return [];
    this.watch(directory);
    if (!fs.existsSync(directory)) return [];
    const active = this.connections.current();
    try {
      const status = active
        ? await migrationStatus(active.database, { directory }, { settings })
        : describeStatus(await readMigrationFolder(directory), [], {
            table: trackingTableName(trackingSchemaOf(settings)),
            tool: 'PG Tuner',
          });
      const rows: MigrationRow[] = status.entries.map((entry) => ({ kind: 'migration', entry, connected: !!active }));
      for (const problem of status.problems) rows.push({ kind: 'message', text: problem, icon: 'warning' });
      // Said when a tool's table is used in its own format (PG Tuner's own needs no note).
      if (status.trackingTool !== 'PG Tuner') rows.push({ kind: 'message', text: `Tracked in ${trackingLabel(status)}`, icon: 'info' });
      if (!active) rows.push({ kind: 'message', text: 'Not connected: select a connection to see what is applied.', icon: 'info' });
      return rows;
    } catch (err) {
      return [{ kind: 'message', text: err instanceof PgTunerError ? err.message : String(err), icon: 'error' }];
    }
  }

  getTreeItem(row: MigrationRow): vscode.TreeItem {
    if (row.kind === 'message') {
      const item = new vscode.TreeItem(row.text);
      item.tooltip = row.text;
      item.iconPath = new vscode.ThemeIcon(row.icon);
      return item;
    }
    const { entry } = row;
    const item = new vscode.TreeItem(entry.name);
    const when = entry.appliedAt ? ` ${new Date(entry.appliedAt).toLocaleString()} · ${entry.executionMs} ms` : '';
    const noDown = entry.hasDown || entry.state === 'missing-file' ? '' : ' · no down file';
    item.description = row.connected ? `${STATE_TEXT[entry.state]}${when}${noDown}` : `not connected${noDown}`;
    const [icon, color] = row.connected ? STATE_ICON[entry.state] : ['circle-large-outline', undefined];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = `pgtuner.migration.${entry.state}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${entry.name}: ${item.description}\n\n${entry.upFile ?? '(the file is gone from the folder)'}`);
    if (entry.downFile && entry.downFile !== entry.upFile) tooltip.appendText(`\n\n${entry.downFile}`);
    if (entry.state === 'changed')
      tooltip.appendText('\n\nThis file changed after it was applied; apply and roll back refuse to run until it is restored.');
    item.tooltip = tooltip;
    if (entry.upFile) {
      item.resourceUri = vscode.Uri.file(entry.upFile);
      item.command = { command: 'vscode.open', title: 'Open Migration', arguments: [vscode.Uri.file(entry.upFile)] };
    }
    return item;
  }

  private watch(directory: string): void {
    if (directory === this.watchedDirectory) return;
    this.watcher?.dispose();
    this.watchedDirectory = directory;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(directory), '*.sql'));
    this.watcher.onDidCreate(() => this.refresh());
    this.watcher.onDidChange(() => this.refresh());
    this.watcher.onDidDelete(() => this.refresh());
  }

  dispose(): void {
    this.watcher?.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
