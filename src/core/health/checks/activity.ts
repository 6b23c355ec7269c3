import { formatSeconds } from '../../format';
import { gradeAbove, outcome, plural, thresholdText } from '../grade';
import { Detail, HealthCheck } from '../types';

/** numbackends is visible to every role, unlike other roles' rows of pg_stat_activity. */
const CONNECTIONS_SQL = `
SELECT (SELECT sum(numbackends) FROM pg_stat_database)::int AS used,
       current_setting('max_connections')::int AS max,
       current_setting('superuser_reserved_connections')::int AS reserved`;

export const connections: HealthCheck = {
  id: 'connections',
  title: 'Connections used',
  category: 'activity',
  async run({ session, options }) {
    const row = (await session.query(CONNECTIONS_SQL)).rows[0];
    const available = Math.max(1, row.max - row.reserved);
    const percent = (row.used / available) * 100;
    return outcome(gradeAbove(percent, options.connectionsWarningPercent, options.connectionsCriticalPercent), {
      figure: `${row.used} of ${available} connections (${percent.toFixed(0)}%; max_connections ${row.max}, ${row.reserved} reserved for superusers)`,
      threshold: thresholdText(`${options.connectionsWarningPercent}%`, `${options.connectionsCriticalPercent}%`),
      advice:
        "Put a connection pooler (PgBouncer, or your driver's pool with a lower maximum) in front of the database, and look for leaked or idle connections; raising max_connections costs memory per connection.",
    });
  },
};

const IDLE_IN_TRANSACTION_SQL = `
SELECT pid, usename AS "user", datname AS database, application_name AS application,
       extract(epoch FROM now() - state_change)::float8 AS seconds, state, left(query, 200) AS last_query
  FROM pg_stat_activity
 WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') AND pid <> pg_backend_pid()
 ORDER BY seconds DESC`;

export const idleInTransaction: HealthCheck = {
  id: 'idle-in-transaction',
  title: 'Sessions idle in a transaction',
  category: 'activity',
  needs: 'pg_read_all_stats',
  async run({ session, options }) {
    const rows = (await session.query<Detail & { seconds: number }>(IDLE_IN_TRANSACTION_SQL)).rows;
    const longest = rows[0]?.seconds ?? 0;
    return outcome(
      rows.length ? gradeAbove(longest, options.idleInTransactionWarningSeconds, options.idleInTransactionCriticalSeconds) : 'ok',
      {
        figure: rows.length
          ? `${plural(rows.length, 'session')} idle in a transaction, the longest for ${formatSeconds(longest)}`
          : 'no session is idle in a transaction',
        threshold: thresholdText(
          formatSeconds(options.idleInTransactionWarningSeconds),
          formatSeconds(options.idleInTransactionCriticalSeconds),
        ),
        advice:
          'An open transaction holds its locks and stops VACUUM from removing dead rows. Fix the application to COMMIT or ROLLBACK promptly, set idle_in_transaction_session_timeout, and end a stuck one with SELECT pg_terminate_backend(<pid>).',
        details: rows,
      },
    );
  },
};

const LONG_QUERIES_SQL = `
SELECT pid, usename AS "user", datname AS database, application_name AS application,
       extract(epoch FROM now() - query_start)::float8 AS seconds, wait_event_type, left(query, 200) AS query
  FROM pg_stat_activity
 WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND now() - query_start >= make_interval(secs => $1)
 ORDER BY seconds DESC`;

export const longQueries: HealthCheck = {
  id: 'long-running-queries',
  title: 'Long-running queries',
  category: 'activity',
  needs: 'pg_read_all_stats',
  async run({ session, options }) {
    const rows = (await session.query<Detail & { seconds: number }>(LONG_QUERIES_SQL, [options.longQueryWarningSeconds])).rows;
    const longest = rows[0]?.seconds ?? 0;
    return outcome(rows.length ? gradeAbove(longest, options.longQueryWarningSeconds, options.longQueryCriticalSeconds) : 'ok', {
      figure: rows.length
        ? `${plural(rows.length, 'query', 'queries')} running, the longest for ${formatSeconds(longest)}`
        : `no query has run longer than ${formatSeconds(options.longQueryWarningSeconds)}`,
      threshold: thresholdText(formatSeconds(options.longQueryWarningSeconds), formatSeconds(options.longQueryCriticalSeconds)),
      advice:
        'EXPLAIN the statement (PG Tuner: Explain and Suggest) to find a missing index; set a statement_timeout for the application role; stop one with SELECT pg_cancel_backend(<pid>).',
      details: rows,
    });
  },
};

/** Sessions waiting on a lock, each with the sessions that block it (pg_blocking_pids). */
const BLOCKED_SQL = `
SELECT w.pid, w.usename AS "user", w.datname AS database,
       extract(epoch FROM now() - coalesce(w.state_change, w.query_start))::float8 AS seconds,
       left(w.query, 200) AS query,
       array_to_string(pg_blocking_pids(w.pid), ', ') AS blocked_by,
       (SELECT string_agg(format('%s (%s, %s): %s', b.pid, b.usename, b.state, left(b.query, 120)), '; ')
          FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(w.pid))) AS blockers
  FROM pg_stat_activity w
 WHERE w.wait_event_type = 'Lock' AND cardinality(pg_blocking_pids(w.pid)) > 0
 ORDER BY seconds DESC`;

export const blockedQueries: HealthCheck = {
  id: 'blocked-queries',
  title: 'Blocked queries and who blocks them',
  category: 'activity',
  needs: 'pg_read_all_stats',
  async run({ session, options }) {
    const rows = (await session.query<Detail & { seconds: number }>(BLOCKED_SQL)).rows;
    const longest = rows[0]?.seconds ?? 0;
    const blockers = new Set(rows.flatMap((r) => String(r.blocked_by).split(', ')));
    return outcome(rows.length ? gradeAbove(longest, options.blockedWarningSeconds, options.blockedCriticalSeconds) : 'ok', {
      figure: rows.length
        ? `${plural(rows.length, 'session')} waiting on locks held by ${plural(blockers.size, 'session')} (pid ${[...blockers].join(', ')}), the longest for ${formatSeconds(longest)}`
        : 'no session is waiting on a lock',
      threshold: thresholdText(formatSeconds(options.blockedWarningSeconds), formatSeconds(options.blockedCriticalSeconds)),
      advice:
        'Look at what the blocking sessions run (often a transaction left open, or DDL waiting behind it); end the blocker with SELECT pg_terminate_backend(<pid>) if it is stuck, and set lock_timeout for migrations.',
      details: rows,
    });
  },
};
