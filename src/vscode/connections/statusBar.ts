import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import type { ConnectionManager } from './connectionManager';

/** "$(database) name · environment" in the status bar; production on the warning background. Click: Select Connection. */
export function createConnectionStatusBar(manager: ConnectionManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pgtuner.connection', vscode.StatusBarAlignment.Left, 50);
  item.name = 'PG Tuner Connection';
  item.command = 'pgtuner.selectConnection';
  const render = () => {
    const entry = manager.activeEntry();
    const pending = manager.pendingActive();
    const tooltip = new vscode.MarkdownString();
    if (pending) {
      item.text = `$(warning) ${pending.entry.name} · changed`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      tooltip.appendMarkdown('**PG Tuner connection changed since you chose it**\n\n');
      tooltip.appendText(
        `${pending.changes.join('; ')}. It now connects to ${describeProfile(pending.entry.profile)} (${pending.entry.profile.environment}) from ${pending.entry.origin}; PG Tuner asks before using it.`,
      );
    } else if (entry) {
      const production = entry.profile.environment === 'production';
      item.text = `$(database) ${entry.name} · ${entry.profile.environment}`;
      item.backgroundColor = production ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      tooltip.appendMarkdown(
        `**PG Tuner connection** — ${entry.profile.environment}${production ? ' (read-only EXPLAIN sessions)' : ''}\n\n`,
      );
      tooltip.appendText(`${describeProfile(entry.profile)} — from ${entry.origin}`);
    } else {
      item.text = '$(database) PG Tuner: no connection';
      item.backgroundColor = undefined;
      tooltip.appendText('Click to select or add a PostgreSQL connection.');
    }
    if (manager.restrictedModeNote) tooltip.appendMarkdown('\n\n---\n\n').appendText(manager.restrictedModeNote);
    tooltip.appendMarkdown('\n\nClick to change the connection.');
    item.tooltip = tooltip;
    item.show();
  };
  render();
  return vscode.Disposable.from(item, manager.onDidChangeConnections(render));
}
