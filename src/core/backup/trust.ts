import * as path from 'path';
import { PgTunerError } from '../errors';
import { BackupKey, BackupKeyring } from './keys';
import { BackupManifest, readManifest, verifyManifestMac } from './manifest';
import { parseDumpName } from './naming';

/**
 * Whether a backup can be trusted before pg_restore runs the SQL it holds: its manifest carries a
 * valid MAC from one of the user's keys (which also covers the dump's SHA-256 and file name), and
 * neither its name nor its manifest is dated in the future (a planted "newest" backup).
 */

/** Clock difference tolerated before a backup counts as dated in the future. */
export const FUTURE_SKEW_MS = 5 * 60_000;

export interface TrustOptions {
  /** The user's keys; without them no backup is authenticated. */
  keys?: BackupKeyring;
  /** The user confirmed using a backup that is unauthenticated or future-dated. */
  trustUnsigned?: boolean;
  now?: () => Date;
}

export interface TrustVerdict {
  /** The manifest's MAC verified and it describes this file. */
  authenticated: boolean;
  futureDated: boolean;
  /** authenticated and not future-dated. */
  trusted: boolean;
  /** Why it is not trusted (empty when it is). */
  problems: string[];
}

export function assessBackup(dumpPath: string, manifest: BackupManifest | undefined, keys: readonly BackupKey[], now: Date): TrustVerdict {
  const problems: string[] = [];
  const name = path.basename(dumpPath);
  let authenticated = false;
  if (!manifest) problems.push('it has no PG Tuner manifest');
  else {
    const mac = verifyManifestMac(manifest, keys);
    if (mac === 'missing') problems.push('its manifest is not signed (an older PG Tuner, or not made by PG Tuner)');
    else if (mac === 'unknown-key') problems.push('its manifest is signed with a key you do not hold (another machine or user)');
    else if (mac === 'invalid') problems.push('its manifest signature does not match: the manifest was changed after the backup');
    else if (manifest.file !== name) problems.push(`its signed manifest describes another file (${manifest.file})`);
    else authenticated = true;
  }
  const limit = now.getTime() + FUTURE_SKEW_MS;
  const named = parseDumpName(name)?.takenAt;
  const started = manifest ? Date.parse(manifest.startedAt) : NaN;
  const futureDated = (!!named && named.getTime() > limit) || (!Number.isNaN(started) && started > limit);
  if (futureDated)
    problems.push(
      `it is dated in the future (${named && named.getTime() > limit ? named.toISOString() : manifest?.startedAt}, now ${now.toISOString()})`,
    );
  return { authenticated, futureDated, trusted: authenticated && !futureDated, problems };
}

/**
 * Reads the manifest and refuses an untrusted backup unless the user confirmed it
 * (options.trustUnsigned). Returns the manifest and the verdict.
 */
export async function requireTrusted(
  dumpPath: string,
  options: TrustOptions,
): Promise<{ manifest: BackupManifest; verdict: TrustVerdict }> {
  const manifest = await readManifest(dumpPath);
  const keys = (await options.keys?.verifyingKeys()) ?? [];
  const verdict = assessBackup(dumpPath, manifest, keys, (options.now ?? (() => new Date()))());
  if (!verdict.trusted && !options.trustUnsigned) throw untrustedError(dumpPath, verdict);
  return { manifest, verdict };
}

export function untrustedError(dumpPath: string, verdict: TrustVerdict): PgTunerError {
  return new PgTunerError(
    'BAD_INPUT',
    `Refusing to restore ${path.basename(dumpPath)}: ${verdict.problems.join('; ')}. pg_restore runs whatever SQL a dump holds; ` +
      'use it only if you know where it came from (CLI: --trust-unsigned; editor: confirm in the dialog).',
  );
}
