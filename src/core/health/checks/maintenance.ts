import { formatBytes, formatCount } from '../../format';
import { estimateTableBloat } from '../../usage/bloat';
import { gradeAbove, outcome, plural, thresholdText, worst } from '../grade';
import { Detail, HealthCheck } from '../types';

/**
 * Every database's age and this database's five oldest tables against the freeze setting, for
 * transaction IDs (age of datfrozenxid/relfrozenxid) or multixact IDs (mxid_age of
 * datminmxid/relminmxid). Both counters wrap around at 2^31, and PostgreSQL stops accepting writes
 * shortly before: multixacts are used up by row locks shared between sessions (SELECT … FOR
 * SHARE, foreign-key checks), so they can run out in a database with few transactions.
 */
const freezeAgeSql = (age: string, setting: string, database: string, table: string) => `
SELECT current_setting('${setting}')::float8 AS freeze_max_age,
       (SELECT json_agg(d ORDER BY d.age DESC) FROM (
          SELECT datname AS name, ${age}(${database})::float8 AS age FROM pg_database WHERE datallowconn) d) AS databases,
       (SELECT json_agg(t ORDER BY t.age DESC) FROM (
          SELECT n.nspname || '.' || c.relname AS name, ${age}(c.${table})::float8 AS age
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'm', 't')
           ORDER BY ${age}(c.${table}) DESC LIMIT 5) t) AS tables`;

const XID_AGE_SQL = freezeAgeSql('age', 'autovacuum_freeze_max_age', 'datfrozenxid', 'relfrozenxid');
const MXID_AGE_SQL = freezeAgeSql('mxid_age', 'autovacuum_multixact_freeze_max_age', 'datminmxid', 'relminmxid');

function freezeAgeCheck(id: string, title: string, sql: string, counter: string, setting: string, holders: string): HealthCheck {
  return {
    id,
    title,
    category: 'maintenance',
    async run({ session, options }) {
      const r = (await session.query(sql)).rows[0];
      const databases = (r.databases ?? []) as { name: string; age: number }[];
      const tables = (r.tables ?? []) as { name: string; age: number }[];
      const oldest = [...databases, ...tables].reduce((a, b) => (b.age > a.age ? b : a), { name: '', age: 0 });
      const warning = (r.freeze_max_age * options.xidAgeWarningPercent) / 100;
      const critical = options.xidAgeCriticalMillions * 1e6;
      return outcome(gradeAbove(oldest.age, warning, critical), {
        figure: `oldest unfrozen ${counter} age ${formatCount(oldest.age)} (${oldest.name}); ${setting} ${formatCount(r.freeze_max_age)}; wraparound at about 2.1G`,
        threshold: thresholdText(`${options.xidAgeWarningPercent}% of ${setting} (${formatCount(warning)})`, `${formatCount(critical)}`),
        advice: `Autovacuum is not freezing fast enough: look for ${holders}, then run VACUUM (FREEZE, VERBOSE) on the oldest tables.`,
        details: [...databases.map((d) => ({ kind: 'database', ...d })), ...tables.map((t) => ({ kind: 'table', ...t }))],
      });
    },
  };
}

export const wraparound = freezeAgeCheck(
  'xid-wraparound',
  'Transaction ID wraparound',
  XID_AGE_SQL,
  'transaction ID',
  'autovacuum_freeze_max_age',
  'long-running or idle-in-transaction sessions and abandoned replication slots or prepared transactions holding the xmin horizon back',
);

export const multixactWraparound = freezeAgeCheck(
  'multixact-wraparound',
  'Multixact ID wraparound',
  MXID_AGE_SQL,
  'multixact ID',
  'autovacuum_multixact_freeze_max_age',
  'long-running transactions that hold row locks, and lower autovacuum_multixact_freeze_max_age if row-lock-heavy tables keep coming back',
);

const DEAD_TUPLES_SQL = `
SELECT schemaname AS schema, relname AS "table", n_live_tup::float8 AS live_rows, n_dead_tup::float8 AS dead_rows,
       round(100 * n_dead_tup::numeric / greatest(n_live_tup + n_dead_tup, 1), 1)::float8 AS dead_percent,
       greatest(last_vacuum, last_autovacuum) AS last_vacuum
  FROM pg_stat_user_tables
 WHERE n_dead_tup >= $1
 ORDER BY dead_percent DESC, n_dead_tup DESC`;

export const deadTuples: HealthCheck = {
  id: 'dead-tuples',
  title: 'Tables with many dead rows',
  category: 'maintenance',
  async run({ session, options }) {
    const rows = (await session.query<Detail & { dead_percent: number }>(DEAD_TUPLES_SQL, [options.deadTuplesMinRows])).rows;
    const flagged = rows.filter((r) => r.dead_percent >= options.deadTuplesWarningPercent);
    const status = worst(
      flagged.map((r) => gradeAbove(r.dead_percent, options.deadTuplesWarningPercent, options.deadTuplesCriticalPercent)),
    );
    return outcome(status, {
      figure: flagged.length
        ? `${plural(flagged.length, 'table')} with many dead rows, the worst ${flagged[0].schema}.${flagged[0].table} at ${flagged[0].dead_percent}%`
        : 'no table has a large share of dead rows',
      threshold: `${thresholdText(`${options.deadTuplesWarningPercent}%`, `${options.deadTuplesCriticalPercent}%`)} dead rows, tables with ≥ ${formatCount(options.deadTuplesMinRows)} dead rows`,
      advice:
        'Run VACUUM (ANALYZE) on these tables; if autovacuum keeps falling behind, lower autovacuum_vacuum_scale_factor for them (ALTER TABLE … SET (autovacuum_vacuum_scale_factor = 0.02)) and check for sessions holding old snapshots.',
      details: flagged,
    });
  },
};

/** Tables that changed but were not vacuumed or analyzed recently (or ever). */
const STALE_MAINTENANCE_SQL = `
SELECT schemaname AS schema, relname AS "table", n_live_tup::float8 AS live_rows,
       greatest(last_vacuum, last_autovacuum) AS last_vacuum, greatest(last_analyze, last_autoanalyze) AS last_analyze,
       n_dead_tup::float8 AS dead_rows, n_mod_since_analyze::float8 AS modified_since_analyze
  FROM pg_stat_user_tables
 WHERE n_live_tup >= $1
   AND ((n_dead_tup > 0 AND coalesce(greatest(last_vacuum, last_autovacuum), '-infinity') < now() - make_interval(days => $2))
     OR (n_mod_since_analyze > 0 AND coalesce(greatest(last_analyze, last_autoanalyze), '-infinity') < now() - make_interval(days => $2)))
 ORDER BY n_live_tup DESC`;

export const staleMaintenance: HealthCheck = {
  id: 'stale-vacuum-analyze',
  title: 'Tables not vacuumed or analyzed recently',
  category: 'maintenance',
  async run({ session, options }) {
    const rows = (await session.query(STALE_MAINTENANCE_SQL, [options.maintenanceMinRows, Math.round(options.maintenanceStaleDays)])).rows;
    return outcome(rows.length ? 'warning' : 'ok', {
      figure: rows.length
        ? `${plural(rows.length, 'table')} changed without a (auto)vacuum or analyze in ${plural(options.maintenanceStaleDays, 'day')}`
        : 'every changed table was vacuumed and analyzed recently',
      threshold: `warning when a table of ≥ ${formatCount(options.maintenanceMinRows)} rows has changes and no vacuum/analyze for ${plural(options.maintenanceStaleDays, 'day')}`,
      advice:
        'Check that autovacuum is on (SHOW autovacuum) and not starved (autovacuum_max_workers, cost limits); run VACUUM (ANALYZE) on these tables now. Stale statistics lead the planner to bad plans.',
      details: rows,
    });
  },
};

/**
 * Per table: its heap size and rows, and the average width of all columns from pg_stats (complete
 * only when every column has stats). Tables under another session's ACCESS EXCLUSIVE lock are left
 * out: pg_relation_size would wait for it.
 */
const TABLE_BLOAT_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", pg_relation_size(c.oid)::float8 AS bytes, c.reltuples::float8 AS rows,
       sum(s.avg_width)::float8 AS row_width, count(s.avg_width) = count(*) AS complete,
       (SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor') AS fillfactor,
       current_setting('block_size')::int AS block_size
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  -- Per column of the tables big enough to matter only: evaluating pg_stats for every column of a
  -- database with thousands of tables costs seconds.
  LEFT JOIN LATERAL (SELECT st.avg_width FROM pg_stats st
                      WHERE st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname AND NOT st.inherited) s ON true
 WHERE c.relkind IN ('r', 'm') AND c.reltuples >= 0 AND c.relpages * current_setting('block_size')::bigint >= $1
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
   AND c.oid NOT IN (SELECT l.relation FROM pg_locks l
                      WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid() AND l.relation IS NOT NULL)
 GROUP BY c.oid, n.nspname, c.relname`;

export const bloat: HealthCheck = {
  id: 'bloat',
  title: 'Estimated table and index bloat',
  category: 'maintenance',
  async run({ session, options, indexAnalysis }) {
    const minBytes = options.bloatMinMegabytes * 1024 * 1024;
    const tables = (await session.query(TABLE_BLOAT_SQL, [minBytes])).rows
      .filter((r) => r.complete)
      .map((r) => ({
        kind: 'table',
        name: `${r.schema}.${r.table}`,
        bytes: r.bytes as number,
        ...estimateTableBloat({
          bytes: r.bytes,
          rows: r.rows,
          rowWidth: r.row_width,
          fillfactor: r.fillfactor ?? undefined,
          blockSize: r.block_size,
        }),
      }));
    const indexes = (await indexAnalysis()).indexes
      .filter((i) => i.bloatBytes !== undefined)
      .map((i) => ({
        kind: 'index',
        name: `${i.schema}.${i.name}`,
        bytes: i.bytes,
        wastedBytes: i.bloatBytes!,
        wastedPercent: i.bytes ? (i.bloatBytes! / i.bytes) * 100 : 0,
      }));
    const flagged = [...tables, ...indexes]
      .filter((x) => x.wastedBytes >= minBytes && x.wastedPercent >= options.bloatWarningPercent)
      .sort((a, b) => b.wastedBytes - a.wastedBytes);
    const wasted = flagged.reduce((sum, x) => sum + x.wastedBytes, 0);
    return outcome(worst(flagged.map((x) => gradeAbove(x.wastedPercent, options.bloatWarningPercent, options.bloatCriticalPercent))), {
      figure: flagged.length
        ? `${plural(flagged.length, 'relation')} bloated, about ${formatBytes(wasted)} estimated free space`
        : 'no table or index is estimated to be bloated',
      threshold: `${thresholdText(`${options.bloatWarningPercent}%`, `${options.bloatCriticalPercent}%`)} of the size wasted, and at least ${options.bloatMinMegabytes} MB (estimate from statistics)`,
      advice:
        'Rebuild bloated indexes with REINDEX INDEX CONCURRENTLY; compact tables with pg_repack (online) or VACUUM FULL (locks the table). Frequent bloat means autovacuum runs too rarely on those tables.',
      details: flagged.map((x) => ({
        kind: x.kind,
        name: x.name,
        size: formatBytes(x.bytes),
        wasted: formatBytes(x.wastedBytes),
        wasted_percent: Number(x.wastedPercent.toFixed(1)),
      })),
    });
  },
};
