import { PgTunerError } from '../errors';
import { ConnectionProfile, Environment, SslMode, targetFromUrl, validateProfile } from './profile';

/** The profile fields that may be written to settings (never a password, never where it came from). */
export type StoredProfile = Omit<ConnectionProfile, 'source'>;

export interface ParsedProfiles {
  profiles: ConnectionProfile[];
  /** One line per entry that was skipped, saying why ("connections[2] "x": port 0 is not a TCP port"). */
  problems: string[];
}

/**
 * Reads the `pgtuner.connections` setting: keeps the valid entries (environment defaults to
 * development), skips the others with a reason, and drops unknown keys so nothing unexpected
 * (a password typed into settings by hand, say) travels further.
 */
export function parseProfileSettings(raw: unknown): ParsedProfiles {
  if (raw === undefined || raw === null) return { profiles: [], problems: [] };
  if (!Array.isArray(raw)) return { profiles: [], problems: ['pgtuner.connections must be a list of connection objects'] };
  const profiles: ConnectionProfile[] = [];
  const problems: string[] = [];
  raw.forEach((entry, i) => {
    const label = `pgtuner.connections[${i}]${isRecord(entry) && typeof entry.name === 'string' ? ` "${entry.name}"` : ''}`;
    if (!isRecord(entry)) {
      problems.push(`${label}: not an object`);
      return;
    }
    const entryProblems = validateProfile(entry as Partial<ConnectionProfile>);
    if (profiles.some((p) => p.name === entry.name)) entryProblems.push('another connection has the same name');
    if (entryProblems.length) {
      problems.push(`${label}: ${entryProblems.join('; ')}`);
      return;
    }
    profiles.push({ ...storedProfile(entry as Partial<ConnectionProfile> & { name: string }), source: 'settings' });
  });
  return { profiles, problems };
}

/** What gets written to settings for a profile: the known fields that are set, nothing else. */
export function storedProfile(p: Partial<ConnectionProfile> & { name: string }): StoredProfile {
  const out: StoredProfile = { name: p.name.trim(), environment: p.environment ?? 'development' };
  if (p.host !== undefined) out.host = p.host;
  if (p.port !== undefined) out.port = p.port;
  if (p.database !== undefined) out.database = p.database;
  if (p.user !== undefined) out.user = p.user;
  if (p.sslmode !== undefined) out.sslmode = p.sslmode;
  return out;
}

/** A new profile described either by a URL or by its fields (what "Add Connection" collects). */
export interface NewProfileInput {
  name: string;
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslmode?: SslMode;
  environment?: Environment;
  password?: string;
}

/**
 * Builds the profile to store and the password to keep in secret storage. A password inside the
 * URL is lifted out of it; an explicit `password` wins. Invalid input is a BAD_INPUT error.
 */
export async function newProfile(input: NewProfileInput): Promise<{ profile: StoredProfile; password?: string }> {
  const given = { name: input.name, ...definedFields(input), environment: input.environment ?? 'development' };
  let fields: Partial<ConnectionProfile> & { name: string } = given;
  let password = input.password;
  if (input.url) {
    const target = targetFromUrl(input.url, input.name, given.environment);
    if (target.ssl) {
      throw new PgTunerError(
        'BAD_INPUT',
        `Connection "${input.name}": a saved connection does not keep sslrootcert, sslcert or sslkey; ` +
          'put the URL in DATABASE_URL of the workspace .env, or pass it to the CLI with --db.',
      );
    }
    // Fields given next to the URL refine it (e.g. a different sslmode).
    fields = { ...target.profile, ...given };
    password ??= await target.password?.();
  }
  const problems = validateProfile(fields);
  if (problems.length) throw new PgTunerError('BAD_INPUT', `Connection "${input.name}": ${problems.join('; ')}.`);
  return { profile: storedProfile(fields), password: password || undefined };
}

function definedFields(input: NewProfileInput): Partial<ConnectionProfile> {
  const { host, port, database, user, sslmode } = input;
  return Object.fromEntries(Object.entries({ host, port, database, user, sslmode }).filter(([, v]) => v !== undefined));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
