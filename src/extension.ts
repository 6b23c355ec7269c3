import * as vscode from 'vscode';
import { registerBackup } from './vscode/backup';
import { registerConnections } from './vscode/connections';
import { registerExplain } from './vscode/explain';
import { createServices } from './vscode/createServices';
import { registerHealth } from './vscode/health';
import { registerIndexes } from './vscode/indexes';
import { registerLog } from './vscode/log';
import { registerMigrations } from './vscode/migrations';

/** Creates the shared services, then each feature registers its commands and views. */
export function activate(context: vscode.ExtensionContext): void {
  const services = createServices(context);
  registerLog(services);
  registerConnections(services);
  registerBackup(services);
  registerExplain(services);
  registerMigrations(services);
  registerHealth(services);
  registerIndexes(services);
}

export function deactivate(): void {}
