import * as vscode from 'vscode';
import { BackupKeyring } from '../../core/backup/keys';
import { BackupEntry, isVerified, listBackups } from '../../core/backup/listing';
import { formatBytes, formatSeconds } from '../../core/format';

/**
 * The "Backups" view: the dumps in the backup folder, newest first, with size, age and the last
 * restore-test. Rows are BackupEntry objects, so item commands receive `{ dumpPath, … }`.
 */
export class BackupsTree implements vscode.TreeDataProvider<BackupEntry>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher?: vscode.FileSystemWatcher;
  private watchedDirectory?: string;

  constructor(
    private readonly directory: () => string,
    private readonly keys?: BackupKeyring,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: BackupEntry): Promise<BackupEntry[]> {
    if (element) return [];
    const dir = this.directory();
    this.watch(dir);
    return listBackups(dir, { keys: this.keys });
  }

  getTreeItem(entry: BackupEntry): vscode.TreeItem {
    const test = entry.manifest?.lastRestoreTest;
    // "shop 2026-11-23 17:53": short enough for the side bar; the file name is in the tooltip.
    const item = new vscode.TreeItem(`${entry.database} ${entry.takenAt.toISOString().slice(0, 16).replace('T', ' ')}`);
    const age = formatSeconds(Math.max(0, (Date.now() - entry.takenAt.getTime()) / 1000));
    const state = !entry.complete
      ? 'incomplete'
      : entry.trust.futureDated
        ? 'future-dated'
        : !entry.trust.authenticated
          ? 'unsigned'
          : isVerified(entry)
            ? 'verified'
            : test
              ? 'restore-test failed'
              : 'not verified';
    item.description = `${formatBytes(entry.sizeBytes)} · ${age} ago · ${state}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${entry.database}** · taken ${entry.takenAt.toISOString()}\n\n`).appendText(`${entry.dumpPath}\n\n`);
    if (entry.manifest) {
      const rows = entry.manifest.tables.reduce((s, t) => s + t.rows, 0);
      tooltip.appendText(
        `${entry.manifest.tables.length} tables, ${rows} rows · pg_dump ${entry.manifest.pgDumpVersion} · server ${entry.manifest.server.version}\n\n`,
      );
    } else {
      tooltip.appendText('No manifest beside this dump: it was not made (or not finished) by PG Tuner.\n\n');
    }
    if (!entry.trust.trusted) tooltip.appendText(`Not trusted: ${entry.trust.problems.join('; ')}.\n\n`);
    tooltip.appendText(
      test
        ? `Last restore-test ${test.ok ? 'passed' : 'FAILED'} at ${test.testedAt}${test.restoreMs !== undefined ? ` (restore ${formatSeconds(test.restoreMs / 1000)})` : ''}: ${test.message}`
        : 'Never restore-tested.',
    );
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(
      !entry.complete ? 'warning' : isVerified(entry) ? 'pass' : test ? 'error' : 'circle-large-outline',
      test && !test.ok ? new vscode.ThemeColor('list.errorForeground') : undefined,
    );
    item.contextValue = entry.complete ? 'pgtuner.backup' : 'pgtuner.backup.incomplete';
    item.resourceUri = vscode.Uri.file(entry.dumpPath);
    return item;
  }

  /** Follows the folder (new dumps, deletions, manifests updated by restore-tests). */
  private watch(dir: string): void {
    if (dir === this.watchedDirectory) return;
    this.watcher?.dispose();
    this.watchedDirectory = dir;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*'));
    for (const event of [this.watcher.onDidCreate, this.watcher.onDidDelete, this.watcher.onDidChange]) event(() => this.refresh());
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
