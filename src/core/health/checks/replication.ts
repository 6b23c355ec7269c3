import { formatBytes, formatSeconds } from '../../format';
import { gradeAbove, outcome, plural, thresholdText, worst } from '../grade';
import { HealthCheck } from '../types';

/** On a primary: each attached standby's replay lag. */
const STANDBY_LAG_SQL = `
SELECT application_name AS standby, client_addr::text AS address, state,
       coalesce(extract(epoch FROM replay_lag), 0)::float8 AS lag_seconds,
       pg_wal_lsn_diff(sent_lsn, replay_lsn)::float8 AS lag_bytes
  FROM pg_stat_replication
 ORDER BY lag_seconds DESC`;

/** On a standby: how far behind its primary it replays (0 when it has replayed all it received). */
const REPLAY_DELAY_SQL = `
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS lag_seconds`;

export const replicationLag: HealthCheck = {
  id: 'replication-lag',
  title: 'Replication lag',
  category: 'replication',
  needs: 'pg_read_all_stats',
  async run({ session, options, server }) {
    const threshold = thresholdText(
      formatSeconds(options.replicationLagWarningSeconds),
      formatSeconds(options.replicationLagCriticalSeconds),
    );
    const advice =
      'A lagging standby serves stale reads and delays failover: check its disk and network, long queries on it (hot_standby_feedback, max_standby_streaming_delay), and WAL volume on the primary.';
    if (server.inRecovery) {
      const lag = (await session.query(REPLAY_DELAY_SQL)).rows[0].lag_seconds as number;
      return outcome(gradeAbove(lag, options.replicationLagWarningSeconds, options.replicationLagCriticalSeconds), {
        figure: `this server is a standby, replaying ${formatSeconds(lag)} behind its primary`,
        threshold,
        advice,
      });
    }
    const rows = (await session.query(STANDBY_LAG_SQL)).rows;
    return outcome(
      worst(rows.map((r) => gradeAbove(r.lag_seconds, options.replicationLagWarningSeconds, options.replicationLagCriticalSeconds))),
      {
        figure: rows.length
          ? `${plural(rows.length, 'standby', 'standbys')}, the furthest ${formatSeconds(rows[0].lag_seconds)} (${formatBytes(rows[0].lag_bytes ?? 0)}) behind`
          : 'no standby is attached',
        threshold,
        advice,
        details: rows,
      },
    );
  },
};

/** Slots with the WAL they keep on disk (from the current position on a primary, the replay position on a standby). */
const SLOTS_SQL = `
SELECT slot_name AS slot, slot_type AS type, database, active,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained_bytes
  FROM pg_replication_slots
 ORDER BY retained_bytes DESC NULLS LAST`;

export const replicationSlots: HealthCheck = {
  id: 'replication-slots',
  title: 'Inactive replication slots',
  category: 'replication',
  async run({ session, options }) {
    const rows = (await session.query(SLOTS_SQL)).rows;
    const mb = (b: number | null) => (b ?? 0) / 1024 / 1024;
    const inactive = rows.filter((r) => !r.active);
    const status = worst(
      rows.map((r) => {
        const byRetention = gradeAbove(mb(r.retained_bytes), options.slotRetainedWarningMegabytes, options.slotRetainedCriticalMegabytes);
        return !r.active && byRetention === 'ok' ? 'warning' : byRetention;
      }),
    );
    return outcome(status, {
      figure: rows.length
        ? `${plural(rows.length, 'slot')}, ${inactive.length} inactive; the largest keeps ${formatBytes(rows[0].retained_bytes ?? 0)} of WAL`
        : 'no replication slot',
      threshold: `warning for any inactive slot or ≥ ${options.slotRetainedWarningMegabytes} MB retained, critical ≥ ${options.slotRetainedCriticalMegabytes} MB retained`,
      advice:
        "A slot nobody reads keeps WAL forever and holds back vacuum until the disk fills: reconnect its consumer, or drop it with SELECT pg_drop_replication_slot('<slot>'). Consider max_slot_wal_keep_size.",
      details: rows,
    });
  },
};
