import * as fs from 'fs';
import * as vscode from 'vscode';
import { PgTunerError } from '../../core/errors';
import { readMigrationFolder } from '../../core/migrations/files';
import { describeStatus, migrationStatus, MigrationStatusEntry, trackingLabel } from '../../core/migrations/status';
import { trackingSchemaOf, trackingTableName } from '../../core/migrations/tracking';
import { FileWatchers } from '../fileWatchers';
import { ConnectionService } from '../services';
import { MigrationsPlace } from './settings';

/**
 * A row of the Migrations view: a migration, a line saying why the list is incomplete, or (when
 * more than one workspace folder has migrations) a folder with its rows.
 */
export type MigrationRow =
  | { kind: 'folder'; name: string; directory: string; rows: MigrationRow[] }
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
 * connection it lists the files only. It follows the folder and the active connection. In a
 * multi-root workspace where several folders have migrations, each folder is a group.
 */
export class MigrationsTree implements vscode.TreeDataProvider<MigrationRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watchers = new FileWatchers(() => this.refresh());
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly places: () => MigrationsPlace[],
    private readonly connections: ConnectionService,
  ) {
    this.subscription = connections.onDidChangeActive(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: MigrationRow): Promise<MigrationRow[]> {
    if (!element) return this.rows();
    return element.kind === 'folder' ? element.rows : [];
  }

  /** The top-level rows as the view shows them (also what the view-items command hands to tests). */
  async rows(): Promise<MigrationRow[]> {
    const places = this.places();
    this.watchers.follow(places.map((p) => new vscode.RelativePattern(vscode.Uri.file(p.directory), '*.sql')));
    const present = places.filter((p) => fs.existsSync(p.directory));
    if (present.length <= 1) return present.length ? this.placeRows(present[0]) : [];
    return Promise.all(
      present.map(async (p) => ({
        kind: 'folder' as const,
        name: p.folder?.name ?? p.directory,
        directory: p.directory,
        rows: await this.placeRows(p),
      })),
    );
  }

  /** One folder's migrations with their state on the active connection. */
  private async placeRows({ directory, settings }: MigrationsPlace): Promise<MigrationRow[]> {
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
    if (row.kind === 'folder') {
      const item = new vscode.TreeItem(row.name, vscode.TreeItemCollapsibleState.Expanded);
      item.tooltip = row.directory;
      item.iconPath = new vscode.ThemeIcon('root-folder');
      item.contextValue = 'pgtuner.migrationsFolder';
      return item;
    }
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

  dispose(): void {
    this.watchers.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
