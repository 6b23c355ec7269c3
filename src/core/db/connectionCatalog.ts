import * as path from 'path';
import { ConnectionProfile, databaseUrlFromDotenv, targetFromEnvironment, targetFromUrl } from './profile';
import { parseProfileSettings } from './profileSettings';

/** Where a connection was found; settings ones can be edited and removed, the others are read-only. */
export type ConnectionOrigin = 'workspace settings' | 'user settings' | '.env' | 'PG* environment';

/** Settings connections are PG Tuner's own: they can be edited, removed and given a password. */
export const isEditable = (entry: ConnectionEntry): boolean => entry.origin === 'workspace settings' || entry.origin === 'user settings';

/** A connection the user can pick. `name` doubles as the `{ name }` argument form of the connection commands. */
export interface ConnectionEntry {
  name: string;
  profile: ConnectionProfile;
  origin: ConnectionOrigin;
  /** Where the password comes from when connecting (undefined: ~/.pgpass or none). */
  password?: () => Promise<string | undefined>;
}

/** Everything the connection list is made from, read by the face (settings, files, environment). */
export interface ConnectionSources {
  /** Whether the workspace is trusted; when not, workspace settings and .env are ignored. */
  trusted: boolean;
  userSettings: unknown;
  workspaceSettings: unknown;
  dotenv?: { file: string; text: string };
  env: NodeJS.ProcessEnv;
  /** The stored password of a settings profile (secret storage). */
  settingsPassword: (name: string) => Promise<string | undefined>;
}

export interface ConnectionCatalog {
  entries: ConnectionEntry[];
  /** Settings entries that were skipped, with the reason. */
  problems: string[];
  /** Set in a restricted workspace: says that workspace settings and .env were not used. */
  restrictedModeNote?: string;
}

export const RESTRICTED_MODE_NOTE =
  'Restricted mode: connections from workspace settings and .env are ignored; only your user settings are used. Trust the workspace to use them.';

/**
 * The connections to offer, first wins on equal names: workspace settings, user settings,
 * DATABASE_URL from the workspace .env file, the libpq PG* variables. In a restricted workspace
 * nothing comes from workspace settings or .env: a cloned repository must not be able to point
 * PG Tuner at a server of its choosing.
 */
export function collectConnections(sources: ConnectionSources): ConnectionCatalog {
  const fromSettings = (raw: unknown, origin: ConnectionOrigin) => {
    const parsed = parseProfileSettings(raw);
    const entries = parsed.profiles.map((profile): ConnectionEntry => ({
      name: profile.name, profile, origin, password: () => sources.settingsPassword(profile.name),
    }));
    return { entries, problems: parsed.problems.map((p) => `${origin}: ${p}`) };
  };
  const workspace = sources.trusted ? fromSettings(sources.workspaceSettings, 'workspace settings') : { entries: [], problems: [] };
  const user = fromSettings(sources.userSettings, 'user settings');
  const dotenv = sources.trusted && sources.dotenv ? dotenvConnection(sources.dotenv) : undefined;
  const environment = targetFromEnvironment(sources.env);

  const entries: ConnectionEntry[] = [];
  const add = (e: ConnectionEntry) => { if (!entries.some((x) => x.name === e.name)) entries.push(e); };
  [...workspace.entries, ...user.entries].forEach(add);
  if (dotenv) add(dotenv);
  if (environment) add({ name: environment.profile.name, profile: environment.profile, origin: 'PG* environment', password: environment.password });

  return {
    entries,
    problems: [...workspace.problems, ...user.problems],
    restrictedModeNote: sources.trusted ? undefined : RESTRICTED_MODE_NOTE,
  };
}

function dotenvConnection(dotenv: { file: string; text: string }): ConnectionEntry | undefined {
  const url = databaseUrlFromDotenv(dotenv.text);
  if (!url) return undefined;
  try {
    const target = targetFromUrl(url, `DATABASE_URL (${path.basename(dotenv.file)})`, 'development', 'dotenv');
    return { name: target.profile.name, profile: target.profile, origin: '.env', password: target.password };
  } catch {
    return undefined; // not a postgres URL (a project on another database engine): nothing to offer
  }
}
