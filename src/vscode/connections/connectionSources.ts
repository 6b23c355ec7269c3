import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { collectConnections, ConnectionCatalog, DotenvFile } from '../../core/db/connectionCatalog';
import { readSettings } from '../config';
import { FileWatchers } from '../fileWatchers';
import { folderLabel, workspaceFolders } from '../workspaceFolder';
import { PasswordScope, PasswordStore } from './passwordStore';

/**
 * What the connection list is made from — pgtuner.connections at user and workspace level, each
 * workspace folder's .env file (pgtuner.envFile as that folder sets it; none is read in a
 * restricted workspace), this process's PG* variables — and the one place that writes profiles
 * back to settings. `onDidChange` fires when any of them may have changed (the connection
 * settings, a .env file, workspace trust or folders).
 */
export class ConnectionSources implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private readonly envWatchers = new FileWatchers(() => this.changeEmitter.fire());
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
      this.envWatchers,
    );
  }

  /** Reads every source now (and follows the .env files named at this moment). */
  load(): ConnectionCatalog {
    const trusted = vscode.workspace.isTrusted;
    const envFiles = trusted ? this.envFiles() : [];
    // Followed as they are named now (pgtuner.envFile and the folders may change while we run).
    this.envWatchers.follow(
      envFiles.map(({ file }) => new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file))),
    );
    const inspected = this.inspect();
    return collectConnections({
      trusted,
      userSettings: inspected?.globalValue,
      workspaceSettings: inspected?.workspaceValue,
      dotenv: envFiles.flatMap(({ file, folder }) => readEnvFile(file, folder) ?? []),
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

  /**
   * Each workspace folder's .env file: pgtuner.envFile as that folder sets it, resolved inside it
   * (two folders naming the same file read it once, as the first one's).
   */
  private envFiles(): { file: string; folder?: string }[] {
    const files = workspaceFolders()
      .filter((folder) => folder.uri.scheme === 'file')
      .map((folder) => ({
        file: path.resolve(folder.uri.fsPath, readSettings(this.log, folder.uri).envFile || '.env'),
        folder: folderLabel(folder),
      }));
    return files.filter((f, i) => files.findIndex((g) => g.file === f.file) === i);
  }
}

function readEnvFile(file: string, folder: string | undefined): DotenvFile | undefined {
  try {
    return { file, text: fs.readFileSync(file, 'utf8'), folder };
  } catch {
    return undefined; // no .env: nothing to offer
  }
}
