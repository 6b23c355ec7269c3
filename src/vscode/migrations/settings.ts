import * as path from 'path';
import * as vscode from 'vscode';
import { DEFAULT_TRACKING_SCHEMA } from '../../core/migrations/status';

export interface MigrationSettings {
  /** Absolute folder of the migrations, or undefined without a workspace folder to resolve it in. */
  directory?: string;
  trackingSchema: string;
}

/** pgtuner.migrations.*: the folder is workspace-relative (an absolute path is taken as is). */
export function readMigrationSettings(): MigrationSettings {
  const config = vscode.workspace.getConfiguration('pgtuner.migrations');
  const setting = config.get<string>('directory', 'migrations').trim() || 'migrations';
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const directory = path.isAbsolute(setting) ? setting : root ? path.join(root, setting) : undefined;
  return { directory, trackingSchema: config.get<string>('trackingSchema', DEFAULT_TRACKING_SCHEMA).trim() || DEFAULT_TRACKING_SCHEMA };
}
