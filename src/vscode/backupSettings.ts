/** The editor's backup folder per workspace folder, and keeping dumps out of git: shared by the Backups and Health features. */
import * as fs from 'fs/promises';
import * as path from 'path';
import * as vscode from 'vscode';
import { Settings } from '../core/settings/schema';

/**
 * pgtuner.backup.directory (as `folder` sets it) as a folder: a relative one lives in that
 * workspace folder; without one, in the extension's storage.
 */
export function backupDirectory(settings: Settings, globalStorage: vscode.Uri, folder: vscode.WorkspaceFolder | undefined): string {
  const value = settings['backup.directory'].trim() || 'backups';
  if (path.isAbsolute(value)) return value;
  return path.join(folder?.uri.fsPath ?? globalStorage.fsPath, value);
}

/**
 * Dumps must never end up in git: when the backup folder is inside a workspace folder, its path
 * is added to that folder's .gitignore (created if needed). Returns true when the file changed.
 */
export async function ensureGitIgnored(directory: string): Promise<boolean> {
  const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(directory))?.uri.fsPath;
  if (!root) return false;
  const relative = path.relative(root, directory);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const entry = `/${relative.split(path.sep).join('/')}/`;
  const file = path.join(root, '.gitignore');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const bare = entry.slice(1, -1);
  const listed = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .some((l) => [entry, bare, `${bare}/`, `/${bare}`].includes(l));
  if (listed) return false;
  await fs.writeFile(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}# PG Tuner backups (database dumps)\n${entry}\n`);
  return true;
}
