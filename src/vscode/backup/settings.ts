import * as fs from 'fs/promises';
import * as path from 'path';
import * as vscode from 'vscode';
import { DumpFormat } from '../../core/backup/manifest';
import { RetentionPolicy } from '../../core/backup/retention';
import { ToolSearch } from '../../core/backup/tools';
import { VerificationQuery } from '../../core/backup/verify';

/** pgtuner.backup.* as the engine wants it. */
export interface BackupSettings {
  /** Absolute folder of the backups. */
  directory: string;
  format: DumpFormat;
  /** undefined: the engine's default (cores, at most 4). */
  jobs?: number;
  retention: RetentionPolicy;
  tools: ToolSearch;
  keepScratchDatabase: boolean;
  /** The connection whose server restore-tests run on; undefined: the active connection's. */
  restoreTestConnection?: string;
  verificationQueries: VerificationQuery[];
}

export function readBackupSettings(globalStorage: vscode.Uri): BackupSettings {
  const config = vscode.workspace.getConfiguration('pgtuner.backup');
  const jobs = config.get<number>('jobs', 0);
  // Machine-scoped: only the user's own settings can name the program PG Tuner runs.
  const toolsDirectory = config.get<string>('toolsDirectory', '').trim();
  return {
    directory: resolveDirectory(config.get<string>('directory', 'backups'), globalStorage),
    format: config.get<string>('format', 'custom') === 'directory' ? 'directory' : 'custom',
    jobs: jobs > 0 ? Math.floor(jobs) : undefined,
    retention: { keep: config.get<number>('keep', 10), maxAgeDays: config.get<number>('maxAgeDays', 0) },
    tools: toolsDirectory ? { toolsDirectory } : {},
    keepScratchDatabase: config.get<boolean>('keepScratchDatabase', false),
    restoreTestConnection: config.get<string>('restoreTestConnection', '').trim() || undefined,
    verificationQueries: validQueries(config.get<unknown[]>('verificationQueries', [])),
  };
}

/** A relative folder lives in the first workspace folder; without a workspace, in the extension's storage. */
function resolveDirectory(setting: string, globalStorage: vscode.Uri): string {
  const value = setting.trim() || 'backups';
  if (path.isAbsolute(value)) return value;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? globalStorage.fsPath;
  return path.join(root, value);
}

function validQueries(raw: unknown[]): VerificationQuery[] {
  return raw.filter((q): q is VerificationQuery => !!q && typeof (q as VerificationQuery).sql === 'string' && 'expected' in (q as object));
}

/**
 * Dumps must never end up in git: when the backup folder is inside the workspace, its path is
 * added to the workspace's .gitignore (created if needed). Returns true when the file changed.
 */
export async function ensureGitIgnored(directory: string): Promise<boolean> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) return false;
  const relative = path.relative(root, directory);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const entry = `/${relative.split(path.sep).join('/')}/`;
  const file = path.join(root, '.gitignore');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const bare = entry.slice(1, -1);
  const listed = text.split(/\r?\n/).map((l) => l.trim()).some((l) => [entry, bare, `${bare}/`, `/${bare}`].includes(l));
  if (listed) return false;
  await fs.writeFile(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}# PG Tuner backups (database dumps)\n${entry}\n`);
  return true;
}
