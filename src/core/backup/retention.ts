import { PgTunerError } from '../errors';
import { BackupEntry, BackupIdentity, backupGroup, deleteBackup, describeGroup, isVerified, listBackups } from './listing';
import { BackupKeyring } from './keys';
import { Settings } from '../settings/schema';

export interface RetentionPolicy {
  /** Keep at most this many backups per server and database (0 or undefined: no limit). */
  keep?: number;
  /** Delete backups older than this many days (0 or undefined: no limit). */
  maxAgeDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** pgtuner.backup.keep / maxAgeDays. */
export function retentionOf(settings: Settings): RetentionPolicy {
  return { keep: settings['backup.keep'], maxAgeDays: settings['backup.maxAgeDays'] };
}

/**
 * Which of one server's and database's backups (newest first) the policy removes. The newest
 * backup that passed a restore-test is never removed: without it there may be no backup known to
 * restore.
 */
export function planRetention(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date): BackupEntry[] {
  const sorted = [...entries].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const newestVerified = sorted.find(isVerified);
  return sorted.filter((entry, index) => {
    if (entry === newestVerified) return false;
    const beyondCount = !!policy.keep && policy.keep > 0 && index >= policy.keep;
    const tooOld = !!policy.maxAgeDays && policy.maxAgeDays > 0 && now.getTime() - entry.takenAt.getTime() > policy.maxAgeDays * DAY_MS;
    return beyondCount || tooOld;
  });
}

/**
 * The backups retention may consider for `identity`: complete, authenticated (a planted or
 * unsigned manifest can neither be deleted nor count as the verified one), not future-dated, and
 * of exactly this server and database.
 */
export function retentionCandidates(entries: readonly BackupEntry[], identity: BackupIdentity): BackupEntry[] {
  return candidatesOf(entries, backupGroup(identity));
}

const candidatesOf = (entries: readonly BackupEntry[], group: string) =>
  entries.filter((e) => e.complete && e.trust.trusted && e.group === group);

/**
 * Refuses to delete `target` by hand when it is what retention always keeps: the newest trusted
 * backup of its server and database that passed a restore-test (among `entries`, newest first).
 */
export function guardDeletion(entries: readonly BackupEntry[], target: BackupEntry): void {
  if (candidatesOf(entries, target.group).find(isVerified)?.dumpPath !== target.dumpPath) return;
  throw new PgTunerError(
    'BAD_INPUT',
    `Not deleting ${target.dumpPath}: it is the newest backup of ${describeGroup(target.group)} that passed a restore-test. Restore-test a newer backup first; until then this one is the only backup known to restore.`,
  );
}

/** Applies the policy to the backups of `identity` in `directory`; returns the removed dump paths. */
export async function applyRetention(
  directory: string,
  identity: BackupIdentity,
  policy: RetentionPolicy,
  keys: BackupKeyring | undefined,
  now = new Date(),
): Promise<string[]> {
  if (!keys) return [];
  const mine = retentionCandidates(await listBackups(directory, { keys, now }), identity);
  const doomed = planRetention(mine, policy, now);
  for (const entry of doomed) await deleteBackup(entry.dumpPath, directory);
  return doomed.map((e) => e.dumpPath);
}
