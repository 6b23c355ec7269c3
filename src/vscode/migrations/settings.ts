import * as path from 'path';
import type * as vscode from 'vscode';
import { DEFAULT_SETTINGS, Settings } from '../../core/settings/schema';
import { readSettings } from '../config';
import { workspaceFolders } from '../workspaceFolder';

/**
 * pgtuner.migrations.directory as an absolute folder: relative to its workspace folder (an absolute
 * path is taken as is); undefined without a workspace folder to resolve it in.
 */
export function migrationsDirectory(settings: Settings, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  const setting = settings['migrations.directory'].trim() || DEFAULT_SETTINGS['migrations.directory'];
  if (path.isAbsolute(setting)) return setting;
  return folder ? path.join(folder.uri.fsPath, setting) : undefined;
}

/** A workspace folder's migrations: the folder (none when only an absolute directory is set), its settings, the directory. */
export interface MigrationsPlace {
  folder?: vscode.WorkspaceFolder;
  settings: Settings;
  directory: string;
}

/** Every folder's migrations place (one per folder that resolves a directory; an absolute one shared by folders once). */
export function migrationsPlaces(log: vscode.LogOutputChannel): MigrationsPlace[] {
  const folders = workspaceFolders();
  const places = (folders.length ? folders : [undefined]).flatMap((folder) => {
    const settings = readSettings(log, folder?.uri);
    const directory = migrationsDirectory(settings, folder);
    return directory ? [{ folder, settings, directory }] : [];
  });
  return places.filter((p, i) => places.findIndex((q) => q.directory === p.directory) === i);
}
