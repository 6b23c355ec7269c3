import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, ParseArgsConfig } from 'util';
import { Database } from '../core/db/database';
import { ConnectionProfile, ConnectionTarget, targetFromEnvironment, targetFromUrl } from '../core/db/profile';
import { parseProfileSettings } from '../core/db/profileSettings';
import { PgTunerError } from '../core/errors';

/** Options every verb understands. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
  connection: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Parses argv for a verb; unknown flags are bad input (exit 2). */
export function parseVerbArgs<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', (err as Error).message);
  }
}

/**
 * The database a CLI verb works on: --db <url>, else --connection <name> (a profile from
 * .vscode/settings.json in the current folder; its password from PGPASSWORD or ~/.pgpass),
 * else DATABASE_URL, else the libpq PG* variables.
 */
export function resolveTarget(values: { db?: string; connection?: string }, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ConnectionTarget {
  if (values.db) return targetFromUrl(values.db);
  if (values.connection) {
    const profile = profileFromWorkspaceSettings(values.connection, cwd);
    const pw = env.PGPASSWORD;
    return { profile, password: pw ? async () => pw : undefined };
  }
  if (env.DATABASE_URL) return targetFromUrl(env.DATABASE_URL, 'DATABASE_URL', 'development', 'environment');
  const fromEnv = targetFromEnvironment(env);
  if (fromEnv) return fromEnv;
  throw new PgTunerError('BAD_INPUT', 'No database given: pass --db postgres://user@host:port/db, --connection <profile>, or set DATABASE_URL / PGHOST.');
}

function profileFromWorkspaceSettings(name: string, cwd: string): ConnectionProfile {
  const file = path.join(cwd, '.vscode', 'settings.json');
  let raw: unknown;
  try {
    // settings.json allows comments and trailing commas; strip the common cases.
    const text = fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1');
    raw = JSON.parse(text)['pgtuner.connections'];
  } catch {
    throw new PgTunerError('BAD_INPUT', `--connection ${name}: cannot read pgtuner.connections from ${file}.`);
  }
  const { profiles, problems } = parseProfileSettings(raw);
  const found = profiles.find((p) => p.name === name);
  if (found) return found;
  const why = problems.find((p) => p.includes(`"${name}"`));
  throw new PgTunerError('BAD_INPUT', why
    ? `--connection ${name}: ${why}`
    : `--connection ${name}: no such profile in ${file} (have: ${profiles.map((p) => p.name).join(', ') || 'none'}).`);
}

export function openDatabase(values: { db?: string; connection?: string }): Database {
  const statementTimeoutMs = Number(process.env.PGTUNER_STATEMENT_TIMEOUT_MS) || 30_000;
  return new Database(resolveTarget(values), { statementTimeoutMs });
}

/** Output helpers: JSON for machines on stdout, text for people. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
