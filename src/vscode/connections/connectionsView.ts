import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import type { ConnectionManager } from './connectionManager';
import { ConnectionEntry, isEditable } from '../../core/db/connectionCatalog';

/**
 * The "Connections" view: one row per connection, the active one marked. Rows are the
 * ConnectionEntry objects themselves, so the item commands receive `{ name, … }` as their argument.
 * contextValue tells the menus whether a row can be removed (only settings profiles can).
 */
class ConnectionsTree implements vscode.TreeDataProvider<ConnectionEntry> {
  readonly onDidChangeTreeData: vscode.Event<void>;

  constructor(private readonly manager: ConnectionManager) {
    this.onDidChangeTreeData = manager.onDidChangeConnections;
  }

  getChildren(element?: ConnectionEntry): ConnectionEntry[] {
    return element ? [] : [...this.manager.list()];
  }

  getTreeItem(entry: ConnectionEntry): vscode.TreeItem {
    const active = this.manager.activeEntry()?.name === entry.name;
    const changed = this.manager.pendingActive()?.entry.name === entry.name;
    const item = new vscode.TreeItem(entry.name);
    item.description = `${entry.profile.environment}${active ? ' · active' : ''}${changed ? ' · active, changed: confirmed before use' : ''}`;
    item.tooltip = `${describeProfile(entry.profile)}\nfrom ${entry.origin}`;
    item.iconPath = new vscode.ThemeIcon(
      active ? 'pass-filled' : 'database',
      entry.profile.environment === 'production' ? new vscode.ThemeColor('list.warningForeground') : undefined,
    );
    item.contextValue = isEditable(entry) ? 'pgtuner.connection.editable' : 'pgtuner.connection.detected';
    item.command = { command: 'pgtuner.selectConnection', title: 'Select Connection', arguments: [{ name: entry.name }] };
    return item;
  }
}

export function createConnectionsView(manager: ConnectionManager): vscode.Disposable {
  const view = vscode.window.createTreeView('pgtuner.connections', { treeDataProvider: new ConnectionsTree(manager) });
  const updateMessage = () => {
    view.message = manager.restrictedModeNote;
  };
  updateMessage();
  return vscode.Disposable.from(view, manager.onDidChangeConnections(updateMessage));
}
