import * as path from 'path';
import * as vscode from 'vscode';
import { Database } from '../../core/db/database';
import { ConnectionCatalog, ConnectionEntry, isEditable } from '../../core/db/connectionCatalog';
import { ConnectionProfile } from '../../core/db/profile';
import { StoredProfile } from '../../core/db/profileSettings';
import { PgTunerError } from '../../core/errors';
import { ActiveConnection, ConnectionService } from '../services';
import { envFilePath, loadConnections } from './connectionSources';
import { PasswordStore } from './passwordStore';
import { pickConnection } from './pickConnection';

const ACTIVE_KEY = 'pgtuner.activeConnection';

/** Where "Add Connection" writes a profile. */
export type ProfileScope = 'workspace' | 'user';

/**
 * The connections the user can pick, the active one, and one Database (one pg Pool) per
 * connection. Reloads when settings, the .env file or workspace trust change.
 */
export class ConnectionManager implements ConnectionService {
  private readonly passwords: PasswordStore;
  private loaded: ConnectionCatalog = { entries: [], problems: [] };
  private readonly databases = new Map<string, { key: string; database: Database }>();
  private readonly activeEmitter = new vscode.EventEmitter<ConnectionProfile | undefined>();
  private readonly listEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.activeEmitter, this.listEmitter];
  private reportedProblems = '';
  private envWatcher?: { file: string; watcher: vscode.FileSystemWatcher };
  readonly onDidChangeActive = this.activeEmitter.event;
  /** Fires after the list of connections (or the active one) changed. */
  readonly onDidChangeConnections = this.listEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    this.passwords = new PasswordStore(context.secrets);
    this.reload();
    this.disposables.push(
      // Only the settings the list is made of: a health threshold changing must not reload the views.
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('pgtuner.connections') || e.affectsConfiguration('pgtuner.envFile')) this.reload(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
      { dispose: () => this.envWatcher?.watcher.dispose() },
    );
  }

  list(): readonly ConnectionEntry[] {
    return this.loaded.entries;
  }

  find(name: string): ConnectionEntry | undefined {
    return this.loaded.entries.find((e) => e.name === name);
  }

  /** The note to show when a restricted workspace made us ignore workspace settings and .env. */
  get restrictedModeNote(): string | undefined {
    return this.loaded.restrictedModeNote;
  }

  activeEntry(): ConnectionEntry | undefined {
    const name = this.context.workspaceState.get<string>(ACTIVE_KEY);
    return name === undefined ? undefined : this.find(name);
  }

  current(): ActiveConnection | undefined {
    const entry = this.activeEntry();
    return entry && { profile: entry.profile, database: this.database(entry) };
  }

  named(name: string, setting: string): ActiveConnection {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', `There is no connection named "${name}" (setting ${setting}). Add it with "PG Tuner: Add Connection" or fix the setting.`);
    return { profile: entry.profile, database: this.database(entry) };
  }

  async requireActive(): Promise<ActiveConnection | undefined> {
    if (!this.activeEntry()) {
      const picked = await pickConnection(this);
      if (!picked) return undefined;
      await this.select(picked.name);
    }
    return this.current();
  }

  async select(name: string): Promise<ConnectionEntry> {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', `There is no connection named "${name}". Add it with "PG Tuner: Add Connection".`);
    await this.context.workspaceState.update(ACTIVE_KEY, name);
    this.log.info(`active connection: ${entry.name} (${entry.profile.environment})`);
    this.activeEmitter.fire(entry.profile);
    this.listEmitter.fire();
    return entry;
  }

  /** The pooled Database of a connection; recreated when its profile or the timeouts change. */
  database(entry: ConnectionEntry): Database {
    const settings = vscode.workspace.getConfiguration('pgtuner');
    const options = {
      connectTimeoutMs: settings.get<number>('connectTimeoutSeconds', 10) * 1000,
      statementTimeoutMs: settings.get<number>('statementTimeoutSeconds', 30) * 1000,
    };
    const key = JSON.stringify([entry.profile, entry.origin, options]);
    const cached = this.databases.get(entry.name);
    if (cached?.key === key) return cached.database;
    if (cached) void cached.database.end();
    const database = new Database({ profile: entry.profile, password: entry.password }, options);
    this.databases.set(entry.name, { key, database });
    return database;
  }

  /** Writes a profile to settings (replacing one with the same name at that level) and its password to secret storage. */
  async save(profile: StoredProfile, password: string | undefined, scope: ProfileScope): Promise<void> {
    const target = scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const existing = this.settingsAt(scope);
    const updated = [...existing.filter((p) => !(isNamed(p) && p.name === profile.name)), profile];
    // Password first: the settings change triggers a reload that may connect right away.
    await this.setPassword(profile.name, password);
    await vscode.workspace.getConfiguration('pgtuner').update('connections', updated, target);
    this.reload();
  }

  /** Stores (or with undefined, forgets) a connection's password; its pool reconnects with it. */
  async setPassword(name: string, password: string | undefined): Promise<void> {
    await this.passwords.set(name, password);
    this.endDatabase(name);
  }

  /** Removes a settings profile and its stored password; other sources cannot be removed from here. */
  async remove(name: string): Promise<void> {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', `There is no connection named "${name}".`);
    if (!isEditable(entry)) {
      throw new PgTunerError('BAD_INPUT', `"${name}" comes from ${entry.origin}; change it there to remove it.`);
    }
    const scope: ProfileScope = entry.origin === 'workspace settings' ? 'workspace' : 'user';
    const remaining = this.settingsAt(scope).filter((p) => !(isNamed(p) && p.name === name));
    const target = scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('pgtuner').update('connections', remaining.length ? remaining : undefined, target);
    await this.passwords.delete(name);
    this.endDatabase(name);
    if (this.context.workspaceState.get(ACTIVE_KEY) === name) await this.context.workspaceState.update(ACTIVE_KEY, undefined);
    this.reload();
  }

  /** Where a new profile goes by default: the workspace when there is a trusted folder, else user settings. */
  defaultScope(): ProfileScope {
    return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted ? 'workspace' : 'user';
  }

  dispose(): void {
    for (const { database } of this.databases.values()) void database.end();
    this.databases.clear();
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private reload(): void {
    const before = this.activeEntry();
    this.watchEnvFile();
    this.loaded = loadConnections(this.passwords);
    for (const name of [...this.databases.keys()]) if (!this.find(name)) this.endDatabase(name);
    const problems = this.loaded.problems.join('\n');
    if (problems && problems !== this.reportedProblems) {
      this.log.warn(`skipped invalid connection settings:\n${problems}`);
      void vscode.window.showWarningMessage(`PG Tuner skipped ${this.loaded.problems.length} invalid connection setting(s): ${this.loaded.problems[0]}`);
    }
    this.reportedProblems = problems;
    const after = this.activeEntry();
    if (JSON.stringify(before?.profile) !== JSON.stringify(after?.profile)) this.activeEmitter.fire(after?.profile);
    this.listEmitter.fire();
  }

  private settingsAt(scope: ProfileScope): unknown[] {
    const inspected = vscode.workspace.getConfiguration('pgtuner').inspect<unknown>('connections');
    const value = scope === 'workspace' ? inspected?.workspaceValue : inspected?.globalValue;
    return Array.isArray(value) ? value : [];
  }

  private endDatabase(name: string): void {
    const cached = this.databases.get(name);
    this.databases.delete(name);
    if (cached) void cached.database.end();
  }

  /** Follows the .env file named by pgtuner.envFile (the setting may change while we run). */
  private watchEnvFile(): void {
    const file = envFilePath();
    if (file === this.envWatcher?.file) return;
    this.envWatcher?.watcher.dispose();
    this.envWatcher = undefined;
    if (!file) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    watcher.onDidChange(() => this.reload());
    watcher.onDidCreate(() => this.reload());
    watcher.onDidDelete(() => this.reload());
    this.envWatcher = { file, watcher };
  }
}

const isNamed = (p: unknown): p is { name: string } => typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string';
