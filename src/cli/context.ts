import * as fs from 'fs';
import * as path from 'path';
import { parse as parseJsonc, ParseError, printParseErrorCode } from 'jsonc-parser';
import { parseArgs, ParseArgsConfig } from 'util';
import { Database, databaseOptions } from '../core/db/database';
import {
  ConnectionProfile,
  ConnectionTarget,
  databaseUrlFromDotenv,
  describeProfile,
  targetFromEnvironment,
  targetFromUrl,
} from '../core/db/profile';
import { parseProfileSettings } from '../core/db/profileSettings';
import { PgTunerError } from '../core/errors';
import { DEFAULT_SETTINGS, Settings } from '../core/settings/schema';

/** Options every verb understands. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
  connection: { type: 'string' },
  /** With --connection: allow a workspace profile's sslmode=disable to a host that is not this machine. */
  'allow-insecure': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Parses argv for a verb; unknown flags are bad input (exit 2). */
export function parseVerbArgs<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    return parseArgs({ args: attachValues(argv, all), options: all, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', (err as Error).message);
  }
}

/**
 * `--name value` → `--name=value` for string options, so the value may be any text, as with getopt:
 * SQL that starts with a comment (`--sql "-- report\nSELECT …"`), `--param -5`, `--file -`.
 * parseArgs alone refuses a separate value that starts with a dash.
 */
function attachValues(argv: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Everything after a bare `--` is positional.
    if (arg === '--') return [...out, ...argv.slice(i)];
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    if (name !== undefined && options[name]?.type === 'string' && i + 1 < argv.length) out.push(`${arg}=${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

export interface TargetOptions {
  db?: string;
  connection?: string;
  'allow-insecure'?: boolean;
  /** --production (verbs that run user SQL): the target gets a production profile's safeguards whatever its source says. */
  production?: boolean;
}

/**
 * The database a CLI verb works on: --db <url>, else --connection <name>, else DATABASE_URL, else
 * the libpq PG* variables, else DATABASE_URL in ./.env (as the extension reads the workspace's .env;
 * stderr names the file and the server, since the folder chooses it).
 *
 * --connection reads a profile from .vscode/settings.json in the current folder: a file the
 * repository controls, not the user. So (issue 11): stderr says which file and which server the
 * profile names; its password is the ~/.pgpass line of that server (host:port:database:user), and
 * PGPASSWORD only when PGHOST/PGPORT name that same server (PGPASSWORD belongs to the server the PG*
 * variables describe, default localhost:5432); and sslmode=disable to a host that is not this
 * machine is refused unless --allow-insecure.
 */
export function resolveTarget(values: TargetOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ConnectionTarget {
  if (values.db) return targetFromUrl(values.db);
  const allowInsecure = values['allow-insecure'] ?? false;
  if (values.connection) return workspaceTarget(values.connection, allowInsecure, env, cwd);
  if (env.DATABASE_URL) return targetFromUrl(env.DATABASE_URL, 'DATABASE_URL', 'development', 'environment');
  const fromEnv = targetFromEnvironment(env);
  if (fromEnv) return fromEnv;
  const fromDotenv = dotenvTarget(cwd, allowInsecure);
  if (fromDotenv) return fromDotenv;
  throw new PgTunerError(
    'BAD_INPUT',
    'No database given: pass --db postgres://user@host:port/db, --connection <profile>, set DATABASE_URL / PGHOST, or put DATABASE_URL in ./.env.',
  );
}

/** DATABASE_URL from ./.env, read by the connections feature's dotenv reader (the file's own ${VAR}s only). */
function dotenvTarget(cwd: string, allowInsecure: boolean): ConnectionTarget | undefined {
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const url = databaseUrlFromDotenv(text);
  if (!url) return undefined;
  const target = targetFromUrl(url, '.env', 'development', 'dotenv');
  checkRepositoryServer(`DATABASE_URL from ${file}`, file, target.profile, allowInsecure);
  return target;
}

/**
 * A server named by a file the repository ships (.vscode/settings.json, .env): say on stderr which
 * file chose it, and refuse to send the password and data unencrypted to another machine unless
 * --allow-insecure says so.
 */
function checkRepositoryServer(what: string, file: string, profile: ConnectionProfile, allowInsecure: boolean): void {
  const host = profile.host ?? 'localhost';
  const port = profile.port ?? 5432;
  const sslmode = profile.sslmode ?? 'prefer';
  say(
    `${what} (whoever controls this folder chooses the server): ${describeProfile(profile)}, sslmode ${sslmode}, environment ${profile.environment}`,
  );
  if (sslmode !== 'disable' || isLoopback(host)) return;
  if (!allowInsecure) {
    throw new PgTunerError(
      'BAD_INPUT',
      `${what}: ${file} sends the password and all data unencrypted (sslmode=disable) ` +
        `to ${host}:${port}, which is not this machine. Fix sslmode in that file, or pass --allow-insecure if this is intended.`,
    );
  }
  say(`--allow-insecure: connecting to ${host}:${port} without SSL`);
}

const say = (line: string) => process.stderr.write(`pgtuner: ${line}\n`);

function workspaceTarget(name: string, allowInsecure: boolean, env: NodeJS.ProcessEnv, cwd: string): ConnectionTarget {
  const { profile, file } = profileFromWorkspaceSettings(name, cwd);
  // pg, like libpq, fills an absent host/port/user from PGHOST/PGPORT/PGUSER: say and check what is really used.
  const effective: ConnectionProfile = {
    ...profile,
    host: profile.host ?? (env.PGHOST || undefined),
    port: profile.port ?? (Number(env.PGPORT) || undefined),
    user: profile.user ?? (env.PGUSER || undefined),
  };
  const host = effective.host ?? 'localhost';
  const port = effective.port ?? 5432;
  checkRepositoryServer(`--connection "${name}" is the profile in ${file}`, file, effective, allowInsecure);
  const pw = env.PGPASSWORD;
  const envHost = env.PGHOST || 'localhost';
  const envPort = Number(env.PGPORT) || 5432;
  if (!pw) return { profile };
  if (sameHost(envHost, host) && envPort === port) return { profile, password: async () => pw };
  say(
    `PGPASSWORD is not sent to ${host}:${port}: it belongs to the server PGHOST/PGPORT name (${envHost}:${envPort}). ` +
      `The password comes from ~/.pgpass (PGPASSFILE), line ${host}:${port}:${effective.database ?? '*'}:${effective.user ?? '*'}:<password>, ` +
      `or set PGHOST=${host} PGPORT=${port}, or pass --db.`,
  );
  return { profile };
}

/** This machine: a loopback address, localhost, or a Unix-socket directory. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || h.startsWith('/');
}

/** Host names compared as libpq users write them: case-insensitive, localhost = 127.0.0.1 = ::1. */
function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => {
    const x = h.toLowerCase().replace(/^\[|\]$/g, '');
    return x === 'localhost' || x === '127.0.0.1' || x === '::1' ? 'localhost' : x;
  };
  return norm(a) === norm(b);
}

function profileFromWorkspaceSettings(name: string, cwd: string): { profile: ConnectionProfile; file: string } {
  const file = path.join(cwd, '.vscode', 'settings.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new PgTunerError('BAD_INPUT', `--connection ${name}: cannot read ${file}.`);
  }
  // settings.json is JSON with comments and trailing commas, as VS Code reads it.
  const errors: ParseError[] = [];
  const settings: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length) {
    const { error, offset } = errors[0];
    const line = text.slice(0, offset).split('\n').length;
    throw new PgTunerError('BAD_INPUT', `--connection ${name}: ${file} line ${line}: ${printParseErrorCode(error)}.`);
  }
  const raw = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>)['pgtuner.connections'] : undefined;
  const { profiles, problems } = parseProfileSettings(raw);
  const found = profiles.find((p) => p.name === name);
  if (found) return { profile: found, file };
  const why = problems.find((p) => p.includes(`"${name}"`));
  throw new PgTunerError(
    'BAD_INPUT',
    why
      ? `--connection ${name}: ${why}`
      : `--connection ${name}: no such profile in ${file} (have: ${profiles.map((p) => p.name).join(', ') || 'none'}).`,
  );
}

export function openDatabase(values: TargetOptions, settings: Settings = DEFAULT_SETTINGS): Database {
  const target = resolveTarget(values);
  const profile = values.production ? { ...target.profile, environment: 'production' as const } : target.profile;
  return new Database({ ...target, profile }, databaseOptions(settings));
}

/** Output helpers: JSON for machines on stdout, text for people. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
