import { BackupEntry, backupGroup, describeGroup, isVerified, listBackups } from '../../backup/listing';
import { formatSeconds } from '../../format';
import { gradeAbove, outcome, thresholdText } from '../grade';
import { HealthOptions } from '../options';
import { HealthCheck, Outcome } from '../types';

/**
 * The recovery point a restore is known to reach: the newest backup of this server and database
 * that is trusted (signed with the user's key) and passed its last restore-test. A backup nobody
 * has restored is not counted: it is only hoped to restore.
 */
export function gradeBackupFreshness(entries: readonly BackupEntry[], group: string, options: HealthOptions, now: Date): Outcome {
  const threshold = thresholdText(`${options.backupRpoWarningHours} h`, `${options.backupRpoCriticalHours} h`);
  const advice =
    'Take a backup and restore-test it (PG Tuner: Back Up Database, then Test Restore; CLI: pgtuner backup, pgtuner restore-test), and schedule both so the newest proven backup stays inside the recovery-point objective.';
  const ours = entries.filter((e) => e.group === group);
  const proven = ours.filter((e) => e.trust.trusted && isVerified(e));
  const newest = proven[0];
  if (!newest)
    return outcome('critical', {
      figure: `no backup of ${describeGroup(group)} has passed a restore-test (${ours.length} backups found)`,
      threshold,
      advice,
    });
  const ageSeconds = Math.max(0, (now.getTime() - newest.takenAt.getTime()) / 1000);
  return outcome(gradeAbove(ageSeconds / 3600, options.backupRpoWarningHours, options.backupRpoCriticalHours), {
    figure: `the newest restore-tested backup is ${formatSeconds(ageSeconds)} old (${newest.dumpPath}, tested ${newest.manifest?.lastRestoreTest?.testedAt})`,
    threshold,
    advice,
    details: proven.slice(0, 5).map((e) => ({ backup: e.dumpPath, takenAt: e.takenAt.toISOString(), sizeBytes: e.sizeBytes })),
  });
}

export const backupFreshness: HealthCheck = {
  id: 'backup-freshness',
  title: 'Backup recovery point',
  category: 'maintenance',
  async run({ options, backups }) {
    if (!backups)
      return {
        status: 'skipped',
        figure: 'skipped: needs the backup folder (CLI: --backups <folder>)',
        threshold: '',
        advice: '',
        details: [],
      };
    const local = await listBackups(backups.directory, { keys: backups.keys });
    const remote = (await backups.remote?.()) ?? [];
    const entries = [...local, ...remote].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
    return gradeBackupFreshness(entries, backupGroup(await backups.source()), options, new Date());
  },
};
