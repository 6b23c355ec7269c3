import { parse as parseConnectionString } from 'pg-connection-string';
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
}

/** "user@host:port/database" — safe to show and log, never contains a password. */
export function describeProfile(p: ConnectionProfile): string {
  const host = p.host ?? 'localhost';
  const port = p.port ?? 5432;
  return `${p.user ?? '(default user)'}@${host}:${port}/${p.database ?? '(default database)'}`;
}

/** Parses postgres://user:pass@host:port/db?sslmode=… into a target; the password stays in a closure. */
export function targetFromUrl(url: string, name = 'url', environment: Environment = 'development', source: ProfileSource = 'url'): ConnectionTarget {
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new PgTunerError('BAD_INPUT', 'A database URL must start with postgres:// or postgresql://');
  }
  // sslmode is read here and removed before pg-connection-string sees it: we map it to pg's
  // ssl options ourselves (libpq semantics) instead of pg's own aliasing.
  const [base, query = ''] = url.trim().split('?', 2);
  const params = new URLSearchParams(query);
  const sslmode = params.get('sslmode') ?? undefined;
  params.delete('sslmode');
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(params.size ? `${base}?${params}` : base);
  } catch {
    throw new PgTunerError('BAD_INPUT', 'The database URL could not be parsed (expected postgres://user@host:port/database).');
  }
  const profile: ConnectionProfile = {
    name,
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    database: parsed.database ?? undefined,
    user: parsed.user ?? undefined,
    sslmode: isSslMode(sslmode) ? sslmode : undefined,
    environment,
    source,
  };
  const password = parsed.password || undefined;
  return { profile, password: password === undefined ? undefined : async () => password };
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

/** Reads DATABASE_URL from the text of a .env file (KEY=value, optional quotes, # comments). */
export function databaseUrlFromDotenv(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?DATABASE_URL\s*=\s*(.*)\s*$/.exec(raw);
    if (!m) continue;
    let value = m[1].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    return value || undefined;
  }
  return undefined;
}

/** Validates a profile object read from settings; returns a list of problems (empty = valid). */
export function validateProfile(p: Partial<ConnectionProfile>): string[] {
  const problems: string[] = [];
  if (!p.name || !p.name.trim()) problems.push('name is required');
  if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) problems.push(`port ${p.port} is not a TCP port`);
  if (p.environment !== undefined && !ENVIRONMENTS.includes(p.environment)) problems.push(`environment must be one of ${ENVIRONMENTS.join(', ')}`);
  if (p.sslmode !== undefined && !isSslMode(p.sslmode)) problems.push(`sslmode must be one of ${SSL_MODES.join(', ')}`);
  if ((p as { password?: unknown }).password !== undefined) problems.push('a password must not be stored in settings');
  return problems;
}

function isSslMode(v: unknown): v is SslMode {
  return typeof v === 'string' && (SSL_MODES as readonly string[]).includes(v);
}
