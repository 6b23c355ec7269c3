import * as vscode from 'vscode';
import type { ConnectionManager } from './connections/connectionManager';
import { createConnectionManager } from './connections/createConnectionManager';
import { PlanHistoryStore } from './history/store';
import { Runner } from './runner';
import { Services } from './services';

/** Services as created by the extension: the connection service is the full manager (the connections feature needs it). */
export interface AppServices extends Services {
  connections: ConnectionManager;
  plans: PlanHistoryStore;
}

/** Creates the shared services once per activation; everything is disposed with the extension. */
export function createServices(context: vscode.ExtensionContext): AppServices {
  const log = vscode.window.createOutputChannel('PG Tuner', { log: true });
  const connections = createConnectionManager(context, log);
  const runner = new Runner(log);
  const plans = new PlanHistoryStore(context.storageUri, log);
  context.subscriptions.push(log, connections, runner, plans);
  return { context, log, connections, runner, plans };
}
