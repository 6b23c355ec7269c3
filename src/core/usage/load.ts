import { Session } from '../db/database';
import { DEFAULT_BLOCK_SIZE, IndexUsage, IndexUsageReport, UsageKey } from './types';

/**
 * Every index of the database with its usage, in ONE query (the tree must load in well under a
 * second on databases with thousands of indexes, so nothing here runs per table).
 *
 * - `stored_width` sums pg_stats.avg_width over the columns an index stores (keys and INCLUDE),
 *   grouped once for all indexes, for the bloat estimate; an expression key leaves it unknown.
 * - Keys: pg_get_indexdef(oid, k, true) prints key k alone; indclass/indcollation/indoption
 *   cover key columns only (0-based vectors); indoption bits: 1 = DESC, 2 = NULLS FIRST.
 * - Indexes a CREATE INDEX is building right now are listed by pg_stat_progress_create_index,
 *   read once (hashed subplan), so they are not reported invalid.
 * - pg_get_indexdef, pg_get_expr and pg_relation_size take a brief ACCESS SHARE lock, so they
 *   would wait behind any ACCESS EXCLUSIVE lock (a migration's ALTER TABLE, a LOCK TABLE) held or
 *   awaited by another session. Indexes of such relations are listed from the catalog alone
 *   (locked: no definition, keys or exact size), and lock_timeout backs this up for locks taken
 *   between the pg_locks read and the call.
 */
const INDEX_USAGE_SQL = `
WITH locked AS MATERIALIZED (
  SELECT l.relation FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), stored_width AS MATERIALIZED (
  SELECT x.indexrelid, sum(s.avg_width)::float8 AS width, bool_and(s.avg_width IS NOT NULL) AS complete
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   CROSS JOIN LATERAL unnest(x.indkey::int2[]) AS k(attnum)
    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname AND NOT s.inherited
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
   GROUP BY x.indexrelid
)
SELECT n.nspname AS schema, t.relname AS "table", i.relname AS name, am.amname AS method,
       x.locked,
       CASE WHEN NOT x.locked THEN pg_get_indexdef(x.indexrelid) END AS definition,
       CASE WHEN NOT x.locked THEN pg_get_expr(x.indpred, x.indrelid, true) END AS predicate,
       x.indnkeyatts AS nkey,
       CASE WHEN NOT x.locked THEN (SELECT json_agg(json_build_object(
                 'text', pg_get_indexdef(x.indexrelid, k.n, true),
                 'opclass', oc.opcname, 'defaultOpclass', oc.opcdefault,
                 'option', CASE WHEN k.n <= x.indnkeyatts THEN x.indoption[k.n - 1] END,
                 'collation', co.collname) ORDER BY k.n)
          FROM generate_series(1, x.indnatts) AS k(n)
          LEFT JOIN pg_opclass oc ON k.n <= x.indnkeyatts AND oc.oid = x.indclass[k.n - 1]
          LEFT JOIN pg_collation co ON k.n <= x.indnkeyatts AND co.oid = x.indcollation[k.n - 1]) END AS keys,
       x.indisunique AS "unique", x.indisprimary AS "primary", x.indisvalid AS valid,
       x.indexrelid IN (SELECT p.index_relid FROM pg_stat_progress_create_index p) AS being_built,
       con.conname AS constraint_name, con.contype AS constraint_type,
       pg_stat_get_numscans(x.indexrelid)::float8 AS scans,
       pg_stat_get_tuples_returned(x.indexrelid)::float8 AS tuples_read,
       CASE WHEN x.locked THEN i.relpages::float8 * current_setting('block_size')::int
            ELSE pg_relation_size(x.indexrelid)::float8 END AS bytes,
       i.reltuples::float8 AS rows,
       CASE WHEN w.complete THEN w.width END AS stored_width,
       (SELECT o.option_value::int FROM pg_options_to_table(i.reloptions) o WHERE o.option_name = 'fillfactor') AS fillfactor,
       (SELECT d.stats_reset FROM pg_stat_database d WHERE d.datname = current_database()) AS stats_reset,
       current_setting('block_size')::int AS block_size
  FROM (SELECT p.*, (p.indrelid IN (SELECT relation FROM locked) OR p.indexrelid IN (SELECT relation FROM locked)) AS locked
          FROM pg_index p) x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
  LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x')
  LEFT JOIN stored_width w ON w.indexrelid = x.indexrelid
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY n.nspname, t.relname, i.relname`;

interface RawKey { text: string; opclass: string | null; defaultOpclass: boolean | null; option: number | null; collation: string | null }

const CONSTRAINT_KINDS = { p: 'primary key', u: 'unique', x: 'exclusion' } as const;

const BEGIN_SQL = `BEGIN READ ONLY`;
const LOCK_TIMEOUT_SQL = `SET LOCAL lock_timeout = '2s'`;
const COMMIT_SQL = `COMMIT`;
const ROLLBACK_SQL = `ROLLBACK`;

export async function loadIndexUsage(session: Session): Promise<IndexUsageReport> {
  await session.query(BEGIN_SQL);
  let rows;
  try {
    await session.query(LOCK_TIMEOUT_SQL);
    rows = (await session.query(INDEX_USAGE_SQL)).rows;
    await session.query(COMMIT_SQL);
  } catch (err) {
    await session.query(ROLLBACK_SQL).catch(() => undefined);
    throw err;
  }
  const indexes = rows.map((row): IndexUsage => {
    const raw = (row.keys ?? []) as RawKey[];
    const keys = raw.slice(0, row.nkey).map((k): UsageKey => ({
      text: k.text,
      opclass: k.opclass ?? '',
      defaultOpclass: k.defaultOpclass ?? true,
      desc: ((k.option ?? 0) & 1) === 1,
      nullsFirst: ((k.option ?? 0) & 2) === 2,
      collation: k.collation ?? undefined,
    }));
    const kind = row.constraint_type as keyof typeof CONSTRAINT_KINDS | null;
    return {
      schema: row.schema,
      table: row.table,
      name: row.name,
      method: row.method,
      locked: row.locked,
      definition: row.definition ?? undefined,
      predicate: row.predicate ?? undefined,
      keys,
      include: raw.slice(row.nkey).map((k) => k.text),
      unique: row.unique,
      primary: row.primary,
      valid: row.valid,
      beingBuilt: row.being_built,
      constraint: kind ? { name: row.constraint_name, kind: CONSTRAINT_KINDS[kind] } : undefined,
      scans: row.scans ?? 0,
      tuplesRead: row.tuples_read ?? 0,
      bytes: row.bytes,
      rows: row.rows >= 0 ? row.rows : undefined,
      storedWidth: row.stored_width ?? undefined,
      fillfactor: row.fillfactor ?? undefined,
    };
  });
  const reset = rows[0]?.stats_reset as Date | null | undefined;
  return { statsResetAt: reset ? reset.toISOString() : undefined, blockSize: rows[0]?.block_size ?? DEFAULT_BLOCK_SIZE, indexes };
}
