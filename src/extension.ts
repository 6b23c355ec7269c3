import * as vscode from 'vscode';
import { registerBackup } from './vscode/backup';
import { registerConnections } from './vscode/connections';
import { registerExplain } from './vscode/explain';
import { commandTable } from './vscode/commands';
import { createServices } from './vscode/createServices';
import { registerHealth } from './vscode/health';
import { registerHistory } from './vscode/history';
import { registerMigrations } from './vscode/migrations';
import { registerCommandTable } from './vscode/runner';
import { registerUsage } from './vscode/usage';
import { registerWorkload } from './vscode/workload';

/** Creates the shared services, registers the command table, then each feature its views. */
export function activate(context: vscode.ExtensionContext): void {
  const services = createServices(context);
  registerCommandTable(context, services.runner, commandTable(services));
  registerConnections(services);
  registerBackup(services);
  registerExplain(services);
  registerHistory(services);
  registerMigrations(services);
  registerHealth(services);
  registerUsage(services);
  registerWorkload(services);
}

export function deactivate(): void {}
