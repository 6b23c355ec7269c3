import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('PG Tuner', { log: true });
  context.subscriptions.push(log, vscode.commands.registerCommand('pgtuner.showLog', () => log.show()));
}

export function deactivate(): void {}
