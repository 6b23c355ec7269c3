import * as vscode from 'vscode';
import {
  ConnectionCatalog,
  ConnectionEntry,
  ConnectionIdentity,
  findByIdentity,
  identityChanges,
  identityOf,
  isEditable,
  isFolderControlled,
} from '../../core/db/connectionCatalog';
import { Database } from '../../core/db/database';
import { ConnectionProfile, describeProfile } from '../../core/db/profile';
import { parseProfileSettings, StoredProfile } from '../../core/db/profileSettings';
import { PgTunerError } from '../../core/errors';
import { ActiveConnection, ConnectionService } from '../services';
import { ConnectionSources } from './connectionSources';
import { DatabasePool } from './databasePool';
import { PasswordScope, PasswordStore } from './passwordStore';

/** Workspace state: the active connection's ConnectionIdentity (a bare name in PG Tuner 0.x). */
const ACTIVE_KEY = 'pgtuner.activeConnection';

/** Where "Add Connection" writes a profile. */
export type ProfileScope = PasswordScope;

/** The remembered active connection as found now, and what changed since it was chosen (empty: use it). */
export interface ActiveState {
  entry: ConnectionEntry;
  changes: string[];
}

/** What the manager needs from the user; the face supplies it, so the manager shows no UI itself. */
export interface ConnectionPrompts {
  /** Which connection to use when none is active (or a new one); undefined when the user cancels. */
  pick(): Promise<ConnectionEntry | undefined>;
  /** Whether to use the active connection although it changed since it was chosen. */
  confirmChanged(state: ActiveState): Promise<boolean>;
  /** Tells the user that connection settings were skipped. */
  warn(message: string): void;
}

/** Where the manager keeps things: the connection sources, passwords, pools, and the workspace state for the active one. */
export interface ConnectionStores {
  sources: ConnectionSources;
  passwords: PasswordStore;
  pools: DatabasePool;
  workspaceState: vscode.Memento;
}

/**
 * Which connections there are and which one is active: reloads the list when its sources change,
 * remembers the active connection by identity, and adds or removes settings profiles with their
 * passwords. Storage, pools and questions to the user are handed in.
 */
export class ConnectionManager implements ConnectionService {
  private loaded: ConnectionCatalog = { entries: [], problems: [] };
  private readonly activeEmitter = new vscode.EventEmitter<ConnectionProfile | undefined>();
  private readonly listEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.activeEmitter, this.listEmitter];
  private reportedProblems = '';
  readonly onDidChangeActive = this.activeEmitter.event;
  /** Fires after the list of connections (or the active one) changed. */
  readonly onDidChangeConnections = this.listEmitter.event;

  constructor(
    private readonly stores: ConnectionStores,
    private readonly prompts: ConnectionPrompts,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.reload();
    this.disposables.push(stores.sources.onDidChange(() => this.reload()));
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
   * The active connection, after asking the user (prompts.confirmChanged) when it changed since it
   * was chosen. 'cancelled' when the user said no; undefined when no connection is active.
   */
  async confirmActive(): Promise<ConnectionEntry | 'cancelled' | undefined> {
    const state = this.activeState();
    if (!state) return undefined;
    if (!state.changes.length) return state.entry;
    this.log.warn(`active connection "${state.entry.name}" changed since it was chosen: ${state.changes.join('; ')}`);
    if (!(await this.prompts.confirmChanged(state))) return 'cancelled';
    return this.select(state.entry.name);
  }

  current(): ActiveConnection | undefined {
    const entry = this.activeEntry();
    return entry && this.connectionOf(entry);
  }

  named(name: string, setting: string): ActiveConnection {
    const entry = this.find(name);
    if (!entry)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t(
          'There is no connection named "{0}" (setting {1}). Add it with "PG Tuner: Add Connection" or fix the setting.',
          name,
          setting,
        ),
      );
    return this.connectionOf(entry);
  }

  /** The active connection, confirmed when it changed, else the one the user picks now (made active). */
  async requireActive(): Promise<ActiveConnection | undefined> {
    const active = await this.confirmActive();
    if (active === 'cancelled') return undefined;
    const entry = active ?? (await this.pickAndSelect());
    return entry && this.connectionOf(entry);
  }

  /** Makes a connection (by its unique name in the list) the active one, remembered by its identity. */
  async select(name: string): Promise<ConnectionEntry> {
    const entry = this.find(name);
    if (!entry)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('There is no connection named "{0}". Add it with "PG Tuner: Add Connection".', name),
      );
    await this.stores.workspaceState.update(ACTIVE_KEY, identityOf(entry));
    this.log.info(
      `active connection: ${entry.name} (${entry.profile.environment}, ${describeProfile(entry.profile)}, from ${entry.origin})`,
    );
    this.activeEmitter.fire(entry.profile);
    this.listEmitter.fire();
    return entry;
  }

  /**
   * Multi-root workspaces: each folder's .env names that folder's database. When the active
   * connection is another folder's .env connection, the .env connection of `folder` (the active
   * editor's) becomes active. A connection from settings or PG* is never switched away from.
   */
  async followFolder(folder: string | undefined): Promise<void> {
    const active = this.activeEntry();
    if (!folder || !active?.folder || active.folder === folder) return;
    const own = this.loaded.entries.find((e) => e.scope === 'dotenv' && e.folder === folder);
    if (own) await this.select(own.name);
  }

  /** The pooled Database of a connection. */
  database(entry: ConnectionEntry): Database {
    return this.stores.pools.get(entry);
  }

  /**
   * Writes a profile to settings (replacing one with the same name at that level) and its password
   * to secret storage under that level and endpoint. Returns the saved connection as listed (its
   * name gets " (workspace)" when a user connection has the same name).
   */
  async save(profile: StoredProfile, password: string | undefined, scope: ProfileScope): Promise<ConnectionEntry> {
    const { sources, passwords } = this.stores;
    const existing = sources.settingsAt(scope);
    const sameName = (p: unknown) => isNamed(p) && p.name === profile.name;
    // The replaced profile's password goes with it (it may have pointed at another server).
    const replaced = parseProfileSettings(existing.filter(sameName)).profiles[0];
    if (replaced) await passwords.delete(scope, replaced);
    // Password first: the settings change triggers a reload that may connect right away.
    await passwords.set(scope, profile, password);
    this.endPools(scope, profile.name);
    await sources.writeSettings(scope, [...existing.filter((p) => !sameName(p)), profile]);
    this.reload();
    const saved = this.loaded.entries.find((e) => e.scope === scope && e.sourceName === profile.name);
    if (!saved) {
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t(
          'Connection "{0}" was saved to {1} settings, but {2} settings are not used here{3}.',
          profile.name,
          scope,
          scope,
          this.restrictedModeNote ? ` (${this.restrictedModeNote})` : '',
        ),
      );
    }
    return saved;
  }

  /** Stores (or with undefined, forgets) a settings connection's password; its pool reconnects with it. */
  async setPassword(entry: ConnectionEntry, password: string | undefined): Promise<void> {
    const scope = settingsScope(entry);
    await this.stores.passwords.set(scope, sourceProfile(entry), password);
    this.endPools(scope, entry.sourceName);
  }

  /** Removes a settings profile and its stored password; other sources cannot be removed from here. */
  async remove(name: string): Promise<void> {
    const entry = this.find(name);
    if (!entry) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('There is no connection named "{0}".', name));
    if (!isEditable(entry)) {
      throw new PgTunerError('BAD_INPUT', vscode.l10n.t('"{0}" comes from {1}; change it there to remove it.', name, entry.origin));
    }
    const { sources, passwords, pools, workspaceState } = this.stores;
    const scope = settingsScope(entry);
    const wasActive = this.activeState()?.entry === entry;
    await sources.writeSettings(
      scope,
      sources.settingsAt(scope).filter((p) => !(isNamed(p) && p.name === entry.sourceName)),
    );
    await passwords.delete(scope, sourceProfile(entry));
    pools.end(entry.name);
    if (wasActive) await workspaceState.update(ACTIVE_KEY, undefined);
    this.reload();
  }

  /** Where a new profile goes by default: the workspace when there is a trusted folder, else user settings. */
  defaultScope(): ProfileScope {
    return this.stores.sources.defaultScope();
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private connectionOf(entry: ConnectionEntry): ActiveConnection {
    return { profile: entry.profile, database: this.database(entry) };
  }

  private async pickAndSelect(): Promise<ConnectionEntry | undefined> {
    const picked = await this.prompts.pick();
    return picked && this.select(picked.name);
  }

  /**
   * The remembered active connection as it is now. It is found by scope and name, never by the
   * listed name alone: a workspace profile named like the user's active one is another connection.
   */
  private activeState(): ActiveState | undefined {
    const stored = this.stores.workspaceState.get<ConnectionIdentity | string>(ACTIVE_KEY);
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
      void this.stores.workspaceState.update(ACTIVE_KEY, identityOf(entry));
      return { entry, changes: [] };
    }
    return {
      entry,
      changes: [
        `it was remembered by its name only (an earlier PG Tuner), and now comes from ${entry.origin} with ${describeProfile(entry.profile)}, ${entry.profile.environment}`,
      ],
    };
  }

  private reload(): void {
    const before = this.activeEntry();
    this.loaded = this.stores.sources.load();
    this.stores.pools.keepOnly(new Set(this.loaded.entries.map((e) => e.name)));
    const problems = this.loaded.problems.join('\n');
    if (problems && problems !== this.reportedProblems) {
      this.log.warn(`skipped invalid connections:\n${problems}`);
      this.prompts.warn(`PG Tuner skipped ${this.loaded.problems.length} invalid connection(s): ${this.loaded.problems[0]}`);
    }
    this.reportedProblems = problems;
    const after = this.activeEntry();
    const pending = this.pendingActive();
    if (pending)
      this.log.warn(
        `active connection "${pending.entry.name}" changed: ${pending.changes.join('; ')}; it is confirmed before its next use`,
      );
    if (JSON.stringify(before?.profile) !== JSON.stringify(after?.profile)) this.activeEmitter.fire(after?.profile);
    this.listEmitter.fire();
  }

  /** Ends the pools of the connections defined at `scope` under `sourceName`. */
  private endPools(scope: ProfileScope, sourceName: string): void {
    for (const e of this.loaded.entries) if (e.scope === scope && e.sourceName === sourceName) this.stores.pools.end(e.name);
  }
}

/** The settings level of an editable (settings) connection. */
function settingsScope(entry: ConnectionEntry): ProfileScope {
  if (entry.scope === 'user' || entry.scope === 'workspace') return entry.scope;
  throw new PgTunerError('BAD_INPUT', vscode.l10n.t('"{0}" comes from {1}; change it there.', entry.name, entry.origin));
}

/** The profile with its name as written in settings (what its password is stored under). */
const sourceProfile = (entry: ConnectionEntry): ConnectionProfile => ({ ...entry.profile, name: entry.sourceName });

const isNamed = (p: unknown): p is { name: string } =>
  typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string';
