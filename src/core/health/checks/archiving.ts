import { formatSeconds } from '../../format';
import { gradeAbove, outcome, thresholdText, worst } from '../grade';
import { HealthOptions } from '../options';
import { HealthCheck, Outcome, Severity } from '../types';

/**
 * The archiver's counters with the WAL segments completed since the last one archived (on a
 * primary: an idle server switches no segment, so a long time since the last archive is only a
 * problem while segments wait). Readable by any role.
 */
const ARCHIVER_SQL = `
SELECT current_setting('archive_mode') AS archive_mode,
       pg_is_in_recovery() AS in_recovery,
       a.archived_count::float8 AS archived_count, a.last_archived_wal, a.last_archived_time::text AS last_archived_time,
       extract(epoch FROM now() - a.last_archived_time)::float8 AS since_archived_seconds,
       a.failed_count::float8 AS failed_count, a.last_failed_wal, a.last_failed_time::text AS last_failed_time,
       extract(epoch FROM now() - a.last_failed_time)::float8 AS since_failed_seconds,
       a.stats_reset::text AS stats_reset,
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS current_wal,
       (SELECT setting::float8 FROM pg_settings WHERE name = 'wal_segment_size') AS segment_bytes
  FROM pg_stat_archiver a`;

export interface ArchiverRow {
  archive_mode: string;
  in_recovery: boolean;
  archived_count: number;
  last_archived_wal: string | null;
  last_archived_time: string | null;
  since_archived_seconds: number | null;
  failed_count: number;
  last_failed_wal: string | null;
  last_failed_time: string | null;
  since_failed_seconds: number | null;
  stats_reset: string | null;
  current_wal: string | null;
  segment_bytes: number;
}

/** Completed segments between the last archived one and the one being written (null: unknown, e.g. another timeline). */
export function segmentsWaiting(lastArchived: string | null, current: string | null, segmentBytes: number): number | null {
  const parse = (name: string) => /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/i.exec(name.split('.')[0]);
  const a = lastArchived ? parse(lastArchived) : null;
  const c = current ? parse(current) : null;
  if (!a || !c || a[1] !== c[1]) return null;
  const perLog = 0x100000000 / segmentBytes;
  const number = (m: RegExpExecArray) => parseInt(m[2], 16) * perLog + parseInt(m[3], 16);
  return Math.max(0, number(c) - number(a) - 1);
}

/** The verdict on the archiver's counters: failing now, failures since the reset, segments waiting too long, archive_mode. */
export function gradeArchiver(row: ArchiverRow, options: HealthOptions): Outcome {
  const warnMin = options.walArchiveWarningMinutes;
  const critMin = options.walArchiveCriticalMinutes;
  const threshold = `any failure; a completed WAL segment unarchived for ${thresholdText(`${warnMin} min`, `${critMin} min`)}`;
  const details = [{ ...row }];
  if (row.archive_mode === 'off') {
    const status: Severity = options.walArchivingRequired ? 'critical' : 'ok';
    return outcome(status, {
      figure: 'archive_mode is off: no WAL is archived, so there is no point-in-time recovery beyond the last backup',
      threshold: options.walArchivingRequired ? 'archive_mode must be on (health.walArchivingRequired = 1)' : 'not required',
      advice:
        "Set archive_mode = on and an archive_command (or archive_library) that copies each segment off the machine, then restart; or set pgtuner.health.walArchivingRequired to 0 if this server's runbook needs no WAL archive.",
      okAdvice: 'Set pgtuner.health.walArchivingRequired to 1 where the runbook expects WAL archiving.',
      details,
    });
  }
  if (row.in_recovery && row.archive_mode !== 'always') {
    return outcome('ok', { figure: 'this server is a standby: its primary archives the WAL', threshold, advice: '', details });
  }
  const failingNow =
    row.last_failed_time !== null &&
    (row.last_archived_time === null || Date.parse(row.last_failed_time) > Date.parse(row.last_archived_time));
  const waiting = segmentsWaiting(row.last_archived_wal, row.current_wal, row.segment_bytes);
  const waitingMinutes = (waiting ?? 1) > 0 && row.since_archived_seconds !== null ? row.since_archived_seconds / 60 : 0;
  const byAge = gradeAbove(waitingMinutes, warnMin, critMin);
  const status = worst([failingNow ? 'critical' : row.failed_count > 0 ? 'warning' : 'ok', byAge]);
  const parts = [
    failingNow
      ? `archiving is failing: the last attempt, WAL file ${row.last_failed_wal}, failed ${formatSeconds(row.since_failed_seconds ?? 0)} ago`
      : row.failed_count > 0
        ? `${row.failed_count} failed attempts since ${row.stats_reset ?? 'the statistics were reset'}, the last on ${row.last_failed_wal} at ${row.last_failed_time}; archiving has worked since`
        : `${row.archived_count} segments archived, no failure since ${row.stats_reset ?? 'the statistics were reset'}`,
    row.last_archived_wal
      ? `last archived ${row.last_archived_wal} ${formatSeconds(row.since_archived_seconds ?? 0)} ago${waiting ? `, ${waiting} segments waiting` : ''}`
      : 'nothing archived yet',
  ];
  return outcome(status, {
    figure: parts.join('; '),
    threshold,
    advice:
      "While archiving fails, WAL piles up in pg_wal until the disk is full and the server stops, and point-in-time recovery has a gap. Read the server log for the archive_command's error, test the command by hand as the postgres user on the WAL file named, and fix the destination (space, permissions, network).",
    details,
  });
}

export const walArchiving: HealthCheck = {
  id: 'wal-archiving',
  title: 'WAL archiving',
  category: 'replication',
  async run({ session, options }) {
    return gradeArchiver((await session.query<ArchiverRow>(ARCHIVER_SQL)).rows[0], options);
  },
};
