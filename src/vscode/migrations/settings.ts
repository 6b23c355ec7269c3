import * as path from 'path';
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, Settings } from '../../core/settings/schema';

/** The workspace folder migrations belong to (the first one): its settings apply, its path resolves the folder. */
export function migrationsWorkspaceFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/**
 * pgtuner.migrations.directory as an absolute folder: workspace-relative (an absolute path is taken
 * as is); undefined without a workspace folder to resolve it in.
 */
export function migrationsDirectory(settings: Settings): string | undefined {
  const setting = settings['migrations.directory'].trim() || DEFAULT_SETTINGS['migrations.directory'];
  if (path.isAbsolute(setting)) return setting;
  const root = migrationsWorkspaceFolder()?.fsPath;
  return root ? path.join(root, setting) : undefined;
}
