import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { collectConnections, ConnectionCatalog } from '../../core/db/connectionCatalog';
import { PasswordStore } from './passwordStore';

/**
 * Reads what the connection list is made from: pgtuner.connections at user and workspace level,
 * the workspace .env file (not even read in a restricted workspace), and this process's PG* variables.
 */
export function loadConnections(passwords: PasswordStore): ConnectionCatalog {
  const trusted = vscode.workspace.isTrusted;
  const inspected = vscode.workspace.getConfiguration('pgtuner').inspect<unknown>('connections');
  return collectConnections({
    trusted,
    userSettings: inspected?.globalValue,
    workspaceSettings: inspected?.workspaceValue,
    dotenv: trusted ? readEnvFile() : undefined,
    env: process.env,
    settingsPassword: (scope, profile) => passwords.get(scope, profile),
  });
}

/** The workspace .env file named by pgtuner.envFile, resolved inside the first workspace folder. */
export function envFilePath(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  const name = vscode.workspace.getConfiguration('pgtuner', folder.uri).get<string>('envFile') || '.env';
  return path.resolve(folder.uri.fsPath, name);
}

function readEnvFile(): { file: string; text: string } | undefined {
  const file = envFilePath();
  if (!file) return undefined;
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch {
    return undefined; // no .env: nothing to offer
  }
}
