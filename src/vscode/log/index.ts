import * as vscode from 'vscode';
import { Services } from '../services';

/** "PG Tuner: Show Log" opens the PG Tuner output channel. */
export function registerLog(services: Services): void {
  services.context.subscriptions.push(vscode.commands.registerCommand('pgtuner.showLog', () => services.log.show()));
}
