import * as vscode from 'vscode';
import { readSettings } from '../config';
import { folderFor, folderLabel } from '../workspaceFolder';
import { askToUseChanged } from './confirmChanged';
import { ConnectionManager } from './connectionManager';
import { ConnectionSources } from './connectionSources';
import { DatabasePool } from './databasePool';
import { PasswordStore } from './passwordStore';
import { pickConnection } from './pickConnection';

/** The connection manager with its stores (settings and .env, secret storage, pools) and its questions to the user. */
export function createConnectionManager(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ConnectionManager {
  const passwords = new PasswordStore(context.secrets, workspaceId);
  const sources = new ConnectionSources(passwords, log);
  const pools = new DatabasePool(() => readSettings(log));
  const manager: ConnectionManager = new ConnectionManager(
    { sources, passwords, pools, workspaceState: context.workspaceState },
    {
      pick: () => pickConnection(manager),
      confirmChanged: askToUseChanged,
      warn: (message) => void vscode.window.showWarningMessage(message),
    },
    log,
  );
  context.subscriptions.push(
    sources,
    pools,
    vscode.window.onDidChangeActiveTextEditor((editor) => editor && void manager.followFolder(folderLabel(folderFor(editor.document.uri)))),
  );
  return manager;
}

/** Which workspace workspace-level passwords belong to: the .code-workspace file, else the first folder. */
const workspaceId = (): string | undefined => (vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri)?.toString();
