import { BackupEntry, deleteBackup, isVerified, listBackups } from './listing';

export interface RetentionPolicy {
  /** Keep at most this many backups per database (0 or undefined: no limit). */
  keep?: number;
  /** Delete backups older than this many days (0 or undefined: no limit). */
  maxAgeDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Which of one database's backups (newest first) the policy removes. The newest backup that
 * passed a restore-test is never removed: without it there may be no backup known to restore.
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

/** Applies the policy to `database`'s backups in `directory`; returns the removed dump paths. */
export async function applyRetention(directory: string, database: string, policy: RetentionPolicy, now = new Date()): Promise<string[]> {
  const mine = (await listBackups(directory)).filter((e) => e.database === database);
  const doomed = planRetention(mine, policy, now);
  for (const entry of doomed) await deleteBackup(entry.dumpPath);
  return doomed.map((e) => e.dumpPath);
}
