import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { collectConnections, ConnectionCatalog } from '../../core/db/connectionCatalog';
import { readSettings } from '../config';
import { PasswordScope, PasswordStore } from './passwordStore';

/**
 * What the connection list is made from — pgtuner.connections at user and workspace level, the
 * workspace .env file (not even read in a restricted workspace), this process's PG* variables —
 * and the one place that writes profiles back to settings. `onDidChange` fires when any of them
 * may have changed (the connection settings, the .env file, workspace trust or folders).
 */
export class ConnectionSources implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private envWatcher?: { file: string; watcher: vscode.FileSystemWatcher };
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly passwords: PasswordStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const changed = () => this.changeEmitter.fire();
    this.disposables.push(
      // Only the settings the list is made of: a health threshold changing must not reload the views.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pgtuner.connections') || e.affectsConfiguration('pgtuner.envFile')) changed();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(changed),
      vscode.workspace.onDidChangeWorkspaceFolders(changed),
      { dispose: () => this.envWatcher?.watcher.dispose() },
    );
  }

  /** Reads every source now (and follows the .env file named at this moment). */
  load(): ConnectionCatalog {
    const trusted = vscode.workspace.isTrusted;
    const envFile = this.envFilePath();
    this.watchEnvFile(envFile);
    const inspected = this.inspect();
    return collectConnections({
      trusted,
      userSettings: inspected?.globalValue,
      workspaceSettings: inspected?.workspaceValue,
      dotenv: trusted && envFile ? readEnvFile(envFile) : undefined,
      env: process.env,
      settingsPassword: (scope, profile) => this.passwords.get(scope, profile),
    });
  }

  /** The raw pgtuner.connections list at one settings level. */
  settingsAt(scope: PasswordScope): unknown[] {
    const inspected = this.inspect();
    const value = scope === 'workspace' ? inspected?.workspaceValue : inspected?.globalValue;
    return Array.isArray(value) ? value : [];
  }

  /** Replaces pgtuner.connections at one settings level (an empty list removes the setting). */
  async writeSettings(scope: PasswordScope, profiles: unknown[]): Promise<void> {
    const target = scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('pgtuner').update('connections', profiles.length ? profiles : undefined, target);
  }

  /** Where a new profile goes by default: the workspace when there is a trusted folder, else user settings. */
  defaultScope(): PasswordScope {
    return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted ? 'workspace' : 'user';
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private inspect() {
    return vscode.workspace.getConfiguration('pgtuner').inspect<unknown>('connections');
  }

  /** The workspace .env file named by pgtuner.envFile, resolved inside the first workspace folder. */
  private envFilePath(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return undefined;
    return path.resolve(folder.uri.fsPath, readSettings(this.log, folder.uri).envFile || '.env');
  }

  /** Follows the .env file (pgtuner.envFile may change while we run). */
  private watchEnvFile(file: string | undefined): void {
    if (file === this.envWatcher?.file) return;
    this.envWatcher?.watcher.dispose();
    this.envWatcher = undefined;
    if (!file) return;
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
    );
    const changed = () => this.changeEmitter.fire();
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    this.envWatcher = { file, watcher };
  }
}

function readEnvFile(file: string): { file: string; text: string } | undefined {
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch {
    return undefined; // no .env: nothing to offer
  }
}
