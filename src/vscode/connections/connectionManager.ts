import * as path from 'path';
import * as vscode from 'vscode';
import { Database } from '../../core/db/database';
import {
  ConnectionCatalog, ConnectionEntry, ConnectionIdentity, findByIdentity, identityChanges, identityOf, isEditable, isFolderControlled,
} from '../../core/db/connectionCatalog';
import { ConnectionProfile, describeProfile } from '../../core/db/profile';
import { parseProfileSettings, StoredProfile } from '../../core/db/profileSettings';
import { PgTunerError } from '../../core/errors';
import { ActiveConnection, ConnectionService } from '../services';
import { envFilePath, loadConnections } from './connectionSources';
import { PasswordStore } from './passwordStore';
import { pickConnection } from './pickConnection';

/** Workspace state: the active connection's ConnectionIdentity (a bare name in PG Tuner 0.x). */
const ACTIVE_KEY = 'pgtuner.activeConnection';

/** Where "Add Connection" writes a profile. */
export type ProfileScope = 'workspace' | 'user';

/** The remembered active connection as found now, and what changed since it was chosen (empty: use it). */
export interface ActiveState {
  entry: ConnectionEntry;
  changes: string[];
}

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
    this.passwords = new PasswordStore(context.secrets, workspaceId);
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

  /**
   * The active connection, when it still is what the user chose: same source, same name, same
   * endpoint and sslmode, an environment at least as strict. Otherwise see pendingActive().
   */
  activeEntry(): ConnectionEntry | undefined {
    const state = this.activeState();
    return state && !state.changes.length ? state.entry : undefined;
  }

  /** The active connection when its profile changed since it was chosen: it is used only after the user confirms. */
  pendingActive(): ActiveState | undefined {
    const state = this.activeState();
    return state?.changes.length ? state : undefined;
  }

  /**
   * The active connection, after a modal question (Use / Cancel) when it changed since it was
   * chosen. 'cancelled' when the user said no; undefined when no connection is active.
   */
  async confirmActive(): Promise<ConnectionEntry | 'cancelled' | undefined> {
    const state = this.activeState();
    if (!state) return undefined;
    if (!state.changes.length) return state.entry;
    const { entry, changes } = state;
    this.log.warn(`active connection "${entry.name}" changed since it was chosen: ${changes.join('; ')}`);
    const answer = await vscode.window.showWarningMessage(
      `The connection "${entry.name}" changed since you chose it: ${changes.join('; ')}. Use it?`,
      { modal: true, detail: `It now connects to ${describeProfile(entry.profile)} (${entry.profile.environment}, sslmode ${entry.profile.sslmode ?? 'prefer'}), as defined in ${entry.origin}.` },
      'Use',
    );
    if (answer !== 'Use') return 'cancelled';
    return this.select(entry.name);
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
    const active = await this.confirmActive();
    if (active === 'cancelled') return undefined;
    let entry = active;
    if (!entry) {
      const picked = await pickConnection(this);
      if (!picked) return undefined;
      entry = await this.select(picked.name);
    }
    return { profile: entry.profile, database: this.database(entry) };
  }

  /** Makes a connection (by its unique name in the list) the active one, remembered by its identity. */
  async select(name: string): Promise<ConnectionEntry> {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', `There is no connection named "${name}". Add it with "PG Tuner: Add Connection".`);
    await this.context.workspaceState.update(ACTIVE_KEY, identityOf(entry));
    this.log.info(`active connection: ${entry.name} (${entry.profile.environment}, ${describeProfile(entry.profile)}, from ${entry.origin})`);
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

  /**
   * Writes a profile to settings (replacing one with the same name at that level) and its password
   * to secret storage under that level and endpoint. Returns the saved connection as listed (its
   * name gets " (workspace)" when a user connection has the same name).
   */
  async save(profile: StoredProfile, password: string | undefined, scope: ProfileScope): Promise<ConnectionEntry> {
    const target = scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const existing = this.settingsAt(scope);
    const sameName = (p: unknown) => isNamed(p) && p.name === profile.name;
    // The replaced profile's password goes with it (it may have pointed at another server).
    const replaced = parseProfileSettings(existing.filter(sameName)).profiles[0];
    if (replaced) await this.passwords.delete(scope, replaced);
    // Password first: the settings change triggers a reload that may connect right away.
    await this.passwords.set(scope, profile, password);
    this.endDatabases(scope, profile.name);
    await vscode.workspace.getConfiguration('pgtuner').update('connections', [...existing.filter((p) => !sameName(p)), profile], target);
    this.reload();
    const saved = this.loaded.entries.find((e) => e.scope === scope && e.sourceName === profile.name);
    if (!saved) {
      throw new PgTunerError('BAD_INPUT', `Connection "${profile.name}" was saved to ${scope} settings, but ${scope} settings are not used here${this.restrictedModeNote ? ` (${this.restrictedModeNote})` : ''}.`);
    }
    return saved;
  }

  /** Stores (or with undefined, forgets) a settings connection's password; its pool reconnects with it. */
  async setPassword(entry: ConnectionEntry, password: string | undefined): Promise<void> {
    const scope = settingsScope(entry);
    await this.passwords.set(scope, sourceProfile(entry), password);
    this.endDatabases(scope, entry.sourceName);
  }

  /** Removes a settings profile and its stored password; other sources cannot be removed from here. */
  async remove(name: string): Promise<void> {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', `There is no connection named "${name}".`);
    if (!isEditable(entry)) {
      throw new PgTunerError('BAD_INPUT', `"${name}" comes from ${entry.origin}; change it there to remove it.`);
    }
    const scope = settingsScope(entry);
    const remaining = this.settingsAt(scope).filter((p) => !(isNamed(p) && p.name === entry.sourceName));
    const target = scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const wasActive = this.activeState()?.entry === entry;
    await vscode.workspace.getConfiguration('pgtuner').update('connections', remaining.length ? remaining : undefined, target);
    await this.passwords.delete(scope, sourceProfile(entry));
    this.endDatabase(entry.name);
    if (wasActive) await this.context.workspaceState.update(ACTIVE_KEY, undefined);
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

  /**
   * The remembered active connection as it is now. It is found by scope and name, never by the
   * listed name alone: a workspace profile named like the user's active one is another connection.
   */
  private activeState(): ActiveState | undefined {
    const stored = this.context.workspaceState.get<ConnectionIdentity | string>(ACTIVE_KEY);
    if (stored === undefined || stored === null) return undefined;
    if (typeof stored === 'string') return this.legacyActiveState(stored);
    const entry = findByIdentity(this.loaded.entries, stored);
    return entry && { entry, changes: identityChanges(stored, identityOf(entry)) };
  }

  /**
   * PG Tuner 0.x remembered the active connection by name, and a workspace profile could take that
   * name over. Adopted silently only when exactly one connection has that name and it is the
   * user's own; otherwise the user confirms which server it is once.
   */
  private legacyActiveState(name: string): ActiveState | undefined {
    const candidates = this.loaded.entries.filter((e) => e.sourceName === name);
    const entry = this.find(name) ?? candidates[0];
    if (!entry) return undefined;
    if (candidates.length === 1 && !isFolderControlled(entry)) {
      void this.context.workspaceState.update(ACTIVE_KEY, identityOf(entry));
      return { entry, changes: [] };
    }
    return { entry, changes: [`it was remembered by its name only (an earlier PG Tuner), and now comes from ${entry.origin} with ${describeProfile(entry.profile)}, ${entry.profile.environment}`] };
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
    const pending = this.pendingActive();
    if (pending) this.log.warn(`active connection "${pending.entry.name}" changed: ${pending.changes.join('; ')}; it is confirmed before its next use`);
    if (JSON.stringify(before?.profile) !== JSON.stringify(after?.profile)) this.activeEmitter.fire(after?.profile);
    this.listEmitter.fire();
  }

  private settingsAt(scope: ProfileScope): unknown[] {
    const inspected = vscode.workspace.getConfiguration('pgtuner').inspect<unknown>('connections');
    const value = scope === 'workspace' ? inspected?.workspaceValue : inspected?.globalValue;
    return Array.isArray(value) ? value : [];
  }

  /** Ends the pools of the connections defined at `scope` under `sourceName`. */
  private endDatabases(scope: ProfileScope, sourceName: string): void {
    for (const e of this.loaded.entries) if (e.scope === scope && e.sourceName === sourceName) this.endDatabase(e.name);
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

/** The settings level of an editable (settings) connection. */
function settingsScope(entry: ConnectionEntry): ProfileScope {
  if (entry.scope === 'user' || entry.scope === 'workspace') return entry.scope;
  throw new PgTunerError('BAD_INPUT', `"${entry.name}" comes from ${entry.origin}; change it there.`);
}

/** The profile with its name as written in settings (what its password is stored under). */
const sourceProfile = (entry: ConnectionEntry): ConnectionProfile => ({ ...entry.profile, name: entry.sourceName });

/** Which workspace workspace-level passwords belong to: the .code-workspace file, else the first folder. */
const workspaceId = (): string | undefined =>
  (vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri)?.toString();

const isNamed = (p: unknown): p is { name: string } => typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string';
