import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { ConnectionProfile, databaseUrlFromDotenv, targetFromEnvironment, targetFromUrl } from '../../core/db/profile';
import { parseProfileSettings } from '../../core/db/profileSettings';
import { PasswordStore } from './passwordStore';

/** Where a connection was found; settings ones can be edited and removed, the others are read-only. */
export type ConnectionOrigin = 'workspace settings' | 'user settings' | '.env' | 'PG* environment';

/** A connection the user can pick. `name` doubles as the argument form `{ name }` of the commands. */
export interface ConnectionEntry {
  name: string;
  profile: ConnectionProfile;
  origin: ConnectionOrigin;
  /** Where the password comes from when connecting (undefined: ~/.pgpass or none). */
  password?: () => Promise<string | undefined>;
}

export interface LoadedConnections {
  entries: ConnectionEntry[];
  /** Settings entries that were skipped, with the reason. */
  problems: string[];
  /** Set in a restricted workspace: says that workspace settings and .env were not read. */
  ignoredForTrust?: string;
}

export const RESTRICTED_MODE_NOTE =
  'Restricted mode: connections from workspace settings and .env are ignored; only your user settings are used. Trust the workspace to use them.';

/**
 * Collects the connections from (first wins on equal names) workspace settings, user settings,
 * DATABASE_URL in the workspace .env file, and the libpq PG* variables. In a restricted
 * workspace nothing is taken from workspace settings or .env: a cloned repository must not be
 * able to point PG Tuner at a server of its choosing.
 */
export function loadConnections(passwords: PasswordStore): LoadedConnections {
  const trusted = vscode.workspace.isTrusted;
  const inspected = vscode.workspace.getConfiguration('pgtuner').inspect<unknown>('connections');
  const fromSettings = (raw: unknown, origin: ConnectionOrigin) => {
    const parsed = parseProfileSettings(raw);
    const entries = parsed.profiles.map((profile): ConnectionEntry => ({
      name: profile.name, profile, origin, password: () => passwords.get(profile.name),
    }));
    return { entries, problems: parsed.problems.map((p) => `${origin}: ${p}`) };
  };
  const user = fromSettings(inspected?.globalValue, 'user settings');
  const workspace = trusted ? fromSettings(inspected?.workspaceValue, 'workspace settings') : { entries: [], problems: [] };
  const dotenv = trusted ? dotenvConnection() : undefined;
  const environment = targetFromEnvironment(process.env);

  const entries: ConnectionEntry[] = [];
  const add = (e: ConnectionEntry) => { if (!entries.some((x) => x.name === e.name)) entries.push(e); };
  [...workspace.entries, ...user.entries].forEach(add);
  if (dotenv) add(dotenv);
  if (environment) add({ name: environment.profile.name, profile: environment.profile, origin: 'PG* environment', password: environment.password });

  return {
    entries,
    problems: [...workspace.problems, ...user.problems],
    ignoredForTrust: trusted ? undefined : RESTRICTED_MODE_NOTE,
  };
}

/** The workspace .env file named by pgtuner.envFile, resolved inside the first workspace folder. */
export function envFilePath(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  const name = vscode.workspace.getConfiguration('pgtuner', folder.uri).get<string>('envFile') || '.env';
  return path.resolve(folder.uri.fsPath, name);
}

function dotenvConnection(): ConnectionEntry | undefined {
  const file = envFilePath();
  if (!file || !fs.existsSync(file)) return undefined;
  const url = databaseUrlFromDotenv(fs.readFileSync(file, 'utf8'));
  if (!url) return undefined;
  try {
    const target = targetFromUrl(url, `DATABASE_URL (${path.basename(file)})`, 'development', 'dotenv');
    return { name: target.profile.name, profile: target.profile, origin: '.env', password: target.password };
  } catch {
    return undefined; // not a postgres URL (another database engine's project): nothing to offer
  }
}
