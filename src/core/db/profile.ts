import { parse as parseDotenv } from 'dotenv';
import { expand } from 'dotenv-expand';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { ConnectionOptions as TlsOptions } from 'tls';
import { PgTunerError } from '../errors';

export type Environment = 'development' | 'staging' | 'production';
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const ENVIRONMENTS: readonly Environment[] = ['development', 'staging', 'production'];
export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Where a profile came from; shown to the user so they know what they are connected to. */
export type ProfileSource = 'settings' | 'dotenv' | 'environment' | 'url';

/** A connection profile: everything needed to connect except the password. */
export interface ConnectionProfile {
  name: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslmode?: SslMode;
  environment: Environment;
  source?: ProfileSource;
}

/**
 * A profile plus a way to get its password when connecting. The password is fetched lazily
 * and kept only inside the pg client, so it never sits in a profile object that gets logged.
 */
export interface ConnectionTarget {
  profile: ConnectionProfile;
  password?: () => Promise<string | undefined>;
  /**
   * TLS options holding the files a URL named (sslrootcert, sslcert, sslkey), already read and
   * set up for its sslmode as libpq would; undefined when the URL names none.
   */
  ssl?: TlsOptions;
}

/** "user@host:port/database" — safe to show and log, never contains a password. */
export function describeProfile(p: ConnectionProfile): string {
  const host = p.host ?? 'localhost';
  const port = p.port ?? 5432;
  return `${p.user ?? '(default user)'}@${host}:${port}/${p.database ?? '(default database)'}`;
}

/** The URL parameters naming files that libpq reads for TLS. */
const SSL_FILE_PARAMS = ['sslrootcert', 'sslcert', 'sslkey'] as const;

/**
 * Parses postgres://user:pass@host:port/db?sslmode=…&sslrootcert=… into a target; the password
 * stays in a closure. pg-connection-string reads the SSL files with libpq's meaning of sslmode
 * (require with a root certificate verifies the chain, verify-ca needs one).
 */
export function targetFromUrl(
  url: string,
  name = 'url',
  environment: Environment = 'development',
  source: ProfileSource = 'url',
): ConnectionTarget {
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new PgTunerError('BAD_INPUT', 'A database URL must start with postgres:// or postgresql://');
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(url.trim(), { useLibpqCompat: true });
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', urlProblem(err), { cause: err });
  }
  const sslmode = parsed.sslmode;
  const profile: ConnectionProfile = {
    name,
    host: parsed.host || undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    database: parsed.database ?? undefined,
    user: parsed.user || undefined,
    sslmode: isSslMode(sslmode) ? sslmode : undefined,
    environment,
    source,
  };
  const password = parsed.password || undefined;
  const namesSslFiles = SSL_FILE_PARAMS.some((param) => parsed[param]);
  return {
    profile,
    password: password === undefined ? undefined : async () => password,
    ssl: namesSslFiles && typeof parsed.ssl === 'object' ? (parsed.ssl as TlsOptions) : undefined,
  };
}

/** Why a URL was refused, without the URL (it may hold a password). */
function urlProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES') return `The database URL names an SSL file that cannot be read: ${e.path}.`;
  if (/sslrootcert/.test(String(e?.message)))
    return 'The database URL has sslmode=verify-ca without sslrootcert: name the CA file (sslrootcert=…), or use sslmode=verify-full.';
  return 'The database URL could not be parsed (expected postgres://user@host:port/database).';
}

/** The libpq PG* variables as a profile (password from PGPASSWORD if set, else ~/.pgpass at connect). */
export function targetFromEnvironment(env: NodeJS.ProcessEnv, name = 'environment (PG*)'): ConnectionTarget | undefined {
  if (!env.PGHOST && !env.PGDATABASE && !env.PGUSER && !env.PGPORT) return undefined;
  const sslmode = env.PGSSLMODE;
  const profile: ConnectionProfile = {
    name,
    host: env.PGHOST,
    port: env.PGPORT ? Number(env.PGPORT) : undefined,
    database: env.PGDATABASE,
    user: env.PGUSER,
    sslmode: isSslMode(sslmode) ? sslmode : undefined,
    environment: 'development',
    source: 'environment',
  };
  const password = env.PGPASSWORD;
  return { profile, password: password ? async () => password : undefined };
}

/**
 * DATABASE_URL from the text of a .env file, parsed by dotenv (quotes, `#` comments, `export`,
 * multi-line values) and expanded by dotenv-expand. `${VAR}` refers to variables of the same file
 * only: a workspace .env must not copy this process's environment (tokens, keys) into a URL that
 * is sent to a server it chooses.
 */
export function databaseUrlFromDotenv(text: string): string | undefined {
  const { parsed } = expand({ parsed: parseDotenv(text), processEnv: {} });
  return parsed?.DATABASE_URL || undefined;
}

/** Validates a profile object read from settings; returns a list of problems (empty = valid). */
export function validateProfile(p: Partial<ConnectionProfile>): string[] {
  const problems: string[] = [];
  if (!p.name || !p.name.trim()) problems.push('name is required');
  if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535))
    problems.push(`port ${p.port} is not a TCP port`);
  if (p.environment !== undefined && !ENVIRONMENTS.includes(p.environment))
    problems.push(`environment must be one of ${ENVIRONMENTS.join(', ')}`);
  if (p.sslmode !== undefined && !isSslMode(p.sslmode)) problems.push(`sslmode must be one of ${SSL_MODES.join(', ')}`);
  if ((p as { password?: unknown }).password !== undefined) problems.push('a password must not be stored in settings');
  return problems;
}

function isSslMode(v: unknown): v is SslMode {
  return typeof v === 'string' && (SSL_MODES as readonly string[]).includes(v);
}
