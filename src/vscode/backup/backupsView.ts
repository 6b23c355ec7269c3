import * as vscode from 'vscode';
import { BackupKeyring } from '../../core/backup/keys';
import { BackupEntry, isVerified, listBackups } from '../../core/backup/listing';
import { UPLOAD_RECORD_SUFFIX } from '../../core/backup/multipart';
import { listRemoteEntries } from '../../core/backup/remote';
import { formatBytes, formatSeconds } from '../../core/format';
import { Settings } from '../../core/settings/schema';

/** A backup in the bucket: a listing entry (dumpPath is its s3:// URL) that item commands receive as `{ url, … }`. */
export type RemoteRow = BackupEntry & { url: string };
/** "Local (folder)" and "Remote (s3://bucket/prefix)", when off-site copies are configured. */
interface GroupRow {
  side: 'local' | 'remote';
  label: string;
}
/** A line that is not a backup: the bucket is empty or could not be listed. */
interface NoteRow {
  note: string;
}
export type BackupsRow = BackupEntry | RemoteRow | GroupRow | NoteRow;
/** A row as rendered, for tests. */
export interface ViewRow {
  label: string;
  description?: string;
  contextValue?: string;
  url?: string;
  dumpPath?: string;
}

/**
 * The "Backups" view: the dumps in the backup folder, newest first, with size, age and the last
 * restore-test. With a bucket set (pgtuner.backup.s3.bucket) the folder's and the bucket's backups
 * are two groups. Backup rows are BackupEntry objects, so item commands receive `{ dumpPath, … }`
 * (remote ones also `url`).
 */
export class BackupsTree implements vscode.TreeDataProvider<BackupsRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher?: vscode.FileSystemWatcher;
  private watchedDirectory?: string;

  constructor(
    private readonly directory: () => string,
    private readonly keys?: BackupKeyring,
    /** The settings when a bucket is set, else undefined. */
    private readonly remote: () => Settings | undefined = () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: BackupsRow): Promise<BackupsRow[]> {
    const dir = this.directory();
    this.watch(dir);
    const settings = this.remote();
    if (!element && settings) {
      const prefix = settings['backup.s3.prefix'].trim().replace(/^\/+/, '');
      return [
        { side: 'local', label: `Local (${dir})` },
        { side: 'remote', label: `Remote (s3://${settings['backup.s3.bucket'].trim()}/${prefix})` },
      ];
    }
    if (element && !('side' in element)) return [];
    if (element?.side === 'remote' && settings) return this.remoteRows(settings);
    return listBackups(dir, { keys: this.keys });
  }

  /** Every row as shown (groups expanded), for tests (pgtuner.test.backupsViewItems). */
  async rows(): Promise<ViewRow[]> {
    const out: ViewRow[] = [];
    const walk = async (parent?: BackupsRow): Promise<void> => {
      for (const row of await this.getChildren(parent)) {
        const item = this.getTreeItem(row);
        out.push({
          label: String(item.label),
          description: item.description === undefined ? undefined : String(item.description),
          contextValue: item.contextValue,
          url: 'url' in row ? row.url : undefined,
          dumpPath: 'dumpPath' in row ? row.dumpPath : undefined,
        });
        if ('side' in row) await walk(row);
      }
    };
    await walk();
    return out;
  }

  /** Lists the bucket when the group is expanded or refreshed; a failure is a row saying why. */
  private async remoteRows(settings: Settings): Promise<BackupsRow[]> {
    try {
      const entries = await listRemoteEntries({ keys: this.keys }, { settings });
      return entries.length ? entries.map((e) => ({ ...e, url: e.dumpPath })) : [{ note: 'No backups in the bucket yet.' }];
    } catch (err) {
      return [{ note: `Could not list the bucket: ${(err as Error).message}` }];
    }
  }

  getTreeItem(row: BackupsRow): vscode.TreeItem {
    if ('side' in row) {
      const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Expanded);
      item.contextValue = `pgtuner.${row.side}BackupsGroup`;
      item.iconPath = new vscode.ThemeIcon(row.side === 'remote' ? 'cloud' : 'folder');
      return item;
    }
    if ('note' in row) {
      const item = new vscode.TreeItem(row.note);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
    return this.backupItem(row);
  }

  private backupItem(entry: BackupEntry | RemoteRow): vscode.TreeItem {
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
    const encrypted = entry.manifest?.encryption ? ' · encrypted' : '';
    item.description = `${formatBytes(entry.sizeBytes)} · ${age} ago${encrypted} · ${state}`;
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
    if ('url' in entry) {
      item.contextValue = 'pgtuner.remoteBackup';
      return item;
    }
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
    // Not for an upload's resume record, rewritten after every part: the bucket would be listed each time.
    const listed = (uri: vscode.Uri) => !uri.fsPath.includes(UPLOAD_RECORD_SUFFIX);
    for (const event of [this.watcher.onDidCreate, this.watcher.onDidDelete, this.watcher.onDidChange])
      event((uri) => listed(uri) && this.refresh());
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
