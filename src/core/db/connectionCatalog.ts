import * as path from 'path';
import {
  ConnectionProfile,
  ConnectionTarget,
  databaseUrlFromDotenv,
  ENVIRONMENTS,
  Environment,
  SslMode,
  targetFromEnvironment,
  targetFromUrl,
} from './profile';
import { parseProfileSettings } from './profileSettings';

/** Where a connection was found; settings ones can be edited and removed, the others are read-only. */
export type ConnectionOrigin = 'workspace settings' | 'user settings' | '.env' | 'PG* environment';

/**
 * Who controls a connection's definition. `user` and `environment` are the user's own (user
 * settings, this process's PG* variables); `workspace` and `dotenv` come with the opened folder,
 * which may be a cloned repository.
 */
export type ConnectionScope = 'user' | 'workspace' | 'dotenv' | 'environment';

const SCOPE_OF: Record<ConnectionOrigin, ConnectionScope> = {
  'user settings': 'user',
  'workspace settings': 'workspace',
  '.env': 'dotenv',
  'PG* environment': 'environment',
};
/** Appended to the name of a connection whose name a connection of the user's own already has. */
const SCOPE_LABEL: Record<ConnectionScope, string> = { user: 'user', workspace: 'workspace', dotenv: '.env', environment: 'PG*' };

/** Settings connections are PG Tuner's own: they can be edited, removed and given a password. */
export const isEditable = (entry: ConnectionEntry): boolean => entry.origin === 'workspace settings' || entry.origin === 'user settings';

/** A connection the user can pick. `name` doubles as the `{ name }` argument form of the connection commands. */
export interface ConnectionEntry {
  /** Unique in the list: the name from its source, with " (workspace)" etc. when the user has a connection of that name. */
  name: string;
  /** The name as written in its source (settings entry, .env, PG*): what settings edits and identities use. */
  sourceName: string;
  /** The profile; its `name` is the unique `name` above (what messages show). */
  profile: ConnectionProfile;
  origin: ConnectionOrigin;
  scope: ConnectionScope;
  /** Where the password comes from when connecting (undefined: ~/.pgpass or none). */
  password?: () => Promise<string | undefined>;
  /** TLS files a .env URL named (see ConnectionTarget.ssl). */
  ssl?: ConnectionTarget['ssl'];
  /** The workspace folder whose .env defined it (multi-root workspaces; see DotenvFile.folder). */
  folder?: string;
}

/** A workspace folder's .env file. `folder` names the folder in a multi-root workspace: it labels the connection. */
export interface DotenvFile {
  file: string;
  text: string;
  folder?: string;
}

/** Everything the connection list is made from, read by the face (settings, files, environment). */
export interface ConnectionSources {
  /** Whether the workspace is trusted; when not, workspace settings and .env are ignored. */
  trusted: boolean;
  userSettings: unknown;
  workspaceSettings: unknown;
  /** The .env file of each workspace folder that has one. */
  dotenv?: DotenvFile[];
  env: NodeJS.ProcessEnv;
  /**
   * The stored password of a settings profile (secret storage), looked up by the settings level
   * and the profile's endpoint (`profile.name` is the name as written in settings).
   */
  settingsPassword: (scope: 'user' | 'workspace', profile: ConnectionProfile) => Promise<string | undefined>;
}

export interface ConnectionCatalog {
  entries: ConnectionEntry[];
  /** Settings entries (and a .env DATABASE_URL) that were skipped, with the reason. */
  problems: string[];
  /** Set in a restricted workspace: says that workspace settings and .env were not used. */
  restrictedModeNote?: string;
}

export const RESTRICTED_MODE_NOTE =
  'Restricted mode: connections from workspace settings and .env are ignored; only your user settings are used. Trust the workspace to use them.';

/**
 * The connections to offer, listed workspace settings, user settings, DATABASE_URL from the
 * workspace .env file, the libpq PG* variables. Nothing hides anything: names are made unique,
 * and the user's own connections (user settings, PG*) keep theirs — a workspace profile named like
 * a user profile is listed as "name (workspace)", so a repository cannot take over a name the user
 * chose (nor its password: settings passwords are looked up by level and endpoint). In a restricted
 * workspace nothing comes from workspace settings or .env at all.
 */
export function collectConnections(sources: ConnectionSources): ConnectionCatalog {
  const fromSettings = (raw: unknown, origin: 'workspace settings' | 'user settings') => {
    const parsed = parseProfileSettings(raw);
    const scope = origin === 'workspace settings' ? 'workspace' : 'user';
    const entries = parsed.profiles.map((profile) => entry(profile, origin, () => sources.settingsPassword(scope, profile)));
    return { entries, problems: parsed.problems.map((p) => `${origin}: ${p}`) };
  };
  const workspace = sources.trusted ? fromSettings(sources.workspaceSettings, 'workspace settings') : { entries: [], problems: [] };
  const user = fromSettings(sources.userSettings, 'user settings');
  const dotenv = sources.trusted ? (sources.dotenv ?? []).map(dotenvConnection) : [];
  const fromEnv = targetFromEnvironment(sources.env);
  const environment = fromEnv && entry(fromEnv.profile, 'PG* environment', fromEnv.password);

  const fromDotenv = dotenv.flatMap((d) => (d.entry ? [d.entry] : []));
  const listed = [...workspace.entries, ...user.entries, ...fromDotenv, ...(environment ? [environment] : [])];
  // The user's own connections claim their names first; the folder's get a suffix on a clash.
  const claimOrder = [...listed.filter((e) => !isFolderControlled(e)), ...listed.filter(isFolderControlled)];
  const taken = new Set<string>();
  const named = new Map<ConnectionEntry, ConnectionEntry>();
  for (const e of claimOrder) {
    let name = e.sourceName;
    for (let n = 1; taken.has(name); n++) name = `${e.sourceName} (${SCOPE_LABEL[e.scope]}${n > 1 ? ` ${n}` : ''})`;
    taken.add(name);
    named.set(e, { ...e, name, profile: { ...e.profile, name } });
  }

  return {
    entries: listed.map((e) => named.get(e)!),
    problems: [...workspace.problems, ...user.problems, ...dotenv.flatMap((d) => (d.problem ? [d.problem] : []))],
    restrictedModeNote: sources.trusted ? undefined : RESTRICTED_MODE_NOTE,
  };
}

/** Whether the opened folder (possibly a cloned repository) defines this connection. */
export const isFolderControlled = (e: { scope: ConnectionScope }): boolean => e.scope === 'workspace' || e.scope === 'dotenv';

function entry(
  profile: ConnectionProfile,
  origin: ConnectionOrigin,
  password?: () => Promise<string | undefined>,
  ssl?: ConnectionTarget['ssl'],
): ConnectionEntry {
  return { name: profile.name, sourceName: profile.name, profile, origin, scope: SCOPE_OF[origin], password, ssl };
}

/**
 * DATABASE_URL of a .env file as a connection, named after the file (and its folder in a
 * multi-root workspace, so each folder's is its own connection); a postgres URL that cannot be
 * used is a problem to show.
 */
function dotenvConnection(dotenv: DotenvFile): { entry?: ConnectionEntry; problem?: string } {
  const url = databaseUrlFromDotenv(dotenv.text);
  // Another database engine's URL (a project on MySQL, say): nothing to offer, nothing wrong.
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) return {};
  try {
    const where = dotenv.folder ? `${dotenv.folder}: ${path.basename(dotenv.file)}` : path.basename(dotenv.file);
    const target = targetFromUrl(url, `DATABASE_URL (${where})`, 'development', 'dotenv');
    return {
      entry: { ...entry(target.profile, '.env', target.password, target.ssl), ...(dotenv.folder ? { folder: dotenv.folder } : {}) },
    };
  } catch (err) {
    return { problem: `${dotenv.file}: DATABASE_URL: ${(err as Error).message}` };
  }
}

/** The server and role a profile connects to (what a password is for). */
export interface Endpoint {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
}

/**
 * The key under which a settings profile's password is kept in secret storage: the settings level
 * (for the workspace level, which workspace), the name, and the endpoint. A profile at another
 * level, or the same profile pointed at another server, database or role, finds nothing there.
 * `workspaceId` identifies the workspace (its folder or .code-workspace URI) for workspace profiles.
 */
export function settingsSecretKey(scope: 'user' | 'workspace', profile: ConnectionProfile, workspaceId?: string): string {
  const level = scope === 'user' ? 'user' : `workspace:${workspaceId ?? '(none)'}`;
  return `pgtuner.connection.password.v2:${JSON.stringify([level, profile.name, profile.host ?? '', profile.port ?? 5432, profile.database ?? '', profile.user ?? ''])}`;
}

/** The key PG Tuner 0.x used: the profile name only (read once for user profiles, then moved). */
export const legacySecretKey = (name: string): string => `pgtuner.connection.password:${name}`;

/**
 * What the active connection is remembered by: who defines it (scope), its name there, and what it
 * pointed at when the user chose it. A profile found under the same scope and name that now points
 * elsewhere, or at a weaker environment, is confirmed before use.
 */
export interface ConnectionIdentity extends Endpoint {
  scope: ConnectionScope;
  name: string;
  sslmode?: SslMode;
  environment: Environment;
}

export function identityOf(e: ConnectionEntry): ConnectionIdentity {
  const { host, port, database, user, sslmode, environment } = e.profile;
  return { scope: e.scope, name: e.sourceName, host, port, database, user, sslmode, environment };
}

/** The entry a remembered identity refers to (same scope, same source name), whatever it points at now. */
export function findByIdentity(entries: readonly ConnectionEntry[], id: ConnectionIdentity): ConnectionEntry | undefined {
  return entries.find((e) => e.scope === id.scope && e.sourceName === id.name);
}

/**
 * What changed since the identity was remembered, one phrase each ("host a → b", "environment
 * production → development"); empty when the connection may be used without asking. A stronger
 * environment (development → production) is not a change worth asking about.
 */
export function identityChanges(remembered: ConnectionIdentity, now: ConnectionIdentity): string[] {
  const show = (v: unknown, fallback: string) => (v === undefined || v === '' ? fallback : String(v));
  const fields: [keyof Endpoint | 'sslmode', string][] = [
    ['host', '(default host)'],
    ['port', '5432'],
    ['database', '(default database)'],
    ['user', '(default user)'],
    ['sslmode', 'prefer'],
  ];
  const changes = fields
    .filter(([k, fallback]) => show(remembered[k], fallback) !== show(now[k], fallback))
    .map(([k, fallback]) => `${k} ${show(remembered[k], fallback)} → ${show(now[k], fallback)}`);
  if (ENVIRONMENTS.indexOf(now.environment) < ENVIRONMENTS.indexOf(remembered.environment)) {
    changes.push(`environment ${remembered.environment} → ${now.environment}`);
  }
  return changes;
}
