import { Session } from '../db/database';
import { DEFAULT_BLOCK_SIZE, IndexUsage, IndexUsageReport, UsageKey } from './types';

/**
 * Every index of the database with its usage, in ONE query (the tree must load in well under a
 * second on databases with thousands of indexes, so nothing here runs per table or per index:
 * keys are unnested for all indexes at once and joined by hash, not by correlated subqueries).
 *
 * - `keys`: one entry per stored column (keys, then INCLUDE); a plain column is its quoted name,
 *   an expression key is printed by pg_get_indexdef(oid, k, true). indclass/indcollation/indoption
 *   cover key columns only (0-based vectors); indoption bits: 1 = DESC, 2 = NULLS FIRST.
 * - `width` sums pg_stats.avg_width over the stored columns for the bloat estimate; an
 *   expression key (or a column without statistics) leaves it unknown.
 * - Indexes a CREATE INDEX is building right now are listed by pg_stat_progress_create_index,
 *   read once (hashed subplan), so they are not reported invalid.
 * - `definition` is pg_get_indexdef's text. pg_get_indexdef costs more than the rest of the query
 *   together, so for the common index it would print from catalog names alone (plain columns with
 *   their default opclass and collation, no expressions, predicate, storage options or NULLS NOT
 *   DISTINCT) the same text is composed here with the same quoting (quote_ident); every other
 *   index gets pg_get_indexdef itself. Integration tests compare both on many index shapes.
 * - `bytes` is relpages × block size: the size as of the index's last VACUUM, ANALYZE or build,
 *   like reltuples. pg_relation_size (a file-system call per index) took more than half of the
 *   query's time on 10,000 indexes; Show Table Stats gives exact sizes for one table.
 * - pg_get_indexdef and pg_get_expr take a brief ACCESS SHARE lock, so they
 *   would wait behind any ACCESS EXCLUSIVE lock (a migration's ALTER TABLE, a LOCK TABLE) held or
 *   awaited by another session. Indexes of such relations are listed from the catalog alone
 *   (locked: no definition, keys or exact size), and lock_timeout backs this up for locks taken
 *   between the pg_locks read and the call.
 */
/** 1 MB in 8 kB pages: smaller indexes are not worth a bloat estimate. */
const BLOAT_MIN_PAGES = 128;

const INDEX_USAGE_SQL = `
WITH locked AS MATERIALIZED (
  SELECT l.relation FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), ix AS MATERIALIZED (
  SELECT x.indexrelid, x.indrelid, x.indnkeyatts, x.indisunique, x.indisprimary, x.indisvalid, x.indkey, x.indclass, x.indcollation, x.indoption,
         x.indpred, x.indexprs IS NULL AS plain_columns,
         -- PostgreSQL 15's NULLS NOT DISTINCT (only unique indexes can have it; older servers lack the column).
         x.indisunique AND coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::bool, false) AS nulls_not_distinct,
         n.nspname, t.relname AS tablename, i.relname AS indexname, i.relkind, i.relam, i.reltuples, i.relpages, i.reloptions,
         (x.indrelid IN (SELECT relation FROM locked) OR x.indexrelid IN (SELECT relation FROM locked)) AS locked
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
), stats AS MATERIALIZED (
  -- Only indexes of 1 MB or more get a bloat estimate, so only their tables' statistics are read:
  -- evaluating the pg_stats view for every column of the database costs more than the rest.
  SELECT st.schemaname, st.tablename, st.attname, st.avg_width
    FROM (SELECT DISTINCT nspname, tablename FROM ix WHERE relpages >= ${BLOAT_MIN_PAGES}) big
    JOIN pg_stats st ON st.schemaname = big.nspname AND st.tablename = big.tablename AND NOT st.inherited
), keys AS (
  SELECT ix.indexrelid,
         json_agg(json_build_object(
           'text', CASE WHEN k.attnum <> 0 THEN quote_ident(a.attname) WHEN NOT ix.locked THEN pg_get_indexdef(ix.indexrelid, k.n::int, true) END,
           'opclass', oc.opcname, 'defaultOpclass', oc.opcdefault,
           'option', CASE WHEN k.n <= ix.indnkeyatts THEN ix.indoption[k.n - 1] END,
           'collation', co.collname) ORDER BY k.n) AS keys,
         sum(s.avg_width)::float8 AS width, bool_and(s.avg_width IS NOT NULL) AS complete,
         -- Every key prints as its bare column name in pg_get_indexdef: default opclass for the column's
         -- own type, the column's collation, no opclass options.
         bool_and(k.attnum > 0 AND ia.attoptions IS NULL AND (k.n > ix.indnkeyatts OR (
           oc.opcdefault AND oc.opcintype = a.atttypid AND coalesce(co.oid, 0) IN (0, a.attcollation)))) AS plain_keys,
         string_agg(CASE WHEN k.n <= ix.indnkeyatts THEN quote_ident(a.attname) ||
           CASE WHEN ix.indoption[k.n - 1] & 1 = 1 THEN ' DESC' || CASE WHEN ix.indoption[k.n - 1] & 2 = 0 THEN ' NULLS LAST' ELSE '' END
                WHEN ix.indoption[k.n - 1] & 2 = 2 THEN ' NULLS FIRST' ELSE '' END END, ', ' ORDER BY k.n) AS key_list,
         string_agg(CASE WHEN k.n > ix.indnkeyatts THEN quote_ident(a.attname) END, ', ' ORDER BY k.n) AS include_list
    FROM ix
   CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
    LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0
    LEFT JOIN pg_attribute ia ON ia.attrelid = ix.indexrelid AND ia.attnum = k.n
    LEFT JOIN pg_opclass oc ON k.n <= ix.indnkeyatts AND oc.oid = ix.indclass[k.n - 1]
    LEFT JOIN pg_collation co ON k.n <= ix.indnkeyatts AND co.oid = ix.indcollation[k.n - 1]
    LEFT JOIN stats s ON s.schemaname = ix.nspname AND s.tablename = ix.tablename AND s.attname = a.attname
   GROUP BY ix.indexrelid
)
SELECT ix.nspname AS schema, ix.tablename AS "table", ix.indexname AS name, am.amname AS method, ix.locked,
       CASE WHEN k.plain_keys AND ix.plain_columns AND ix.indpred IS NULL AND ix.reloptions IS NULL AND ix.relkind = 'i' AND NOT ix.nulls_not_distinct
            THEN format('CREATE %sINDEX %s ON %s.%s USING %s (%s)%s', CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END,
                        quote_ident(ix.indexname), quote_ident(ix.nspname), quote_ident(ix.tablename), quote_ident(am.amname),
                        k.key_list, coalesce(' INCLUDE (' || k.include_list || ')', ''))
            WHEN NOT ix.locked THEN pg_get_indexdef(ix.indexrelid) END AS definition,
       CASE WHEN ix.indpred IS NOT NULL AND NOT ix.locked THEN pg_get_expr(ix.indpred, ix.indrelid, true) END AS predicate,
       ix.indnkeyatts AS nkey, k.keys,
       ix.indisunique AS "unique", ix.indisprimary AS "primary", ix.indisvalid AS valid,
       ix.indexrelid IN (SELECT p.index_relid FROM pg_stat_progress_create_index p) AS being_built,
       con.conname AS constraint_name, con.contype AS constraint_type,
       pg_stat_get_numscans(ix.indexrelid)::float8 AS scans,
       pg_stat_get_tuples_returned(ix.indexrelid)::float8 AS tuples_read,
       ix.relpages::float8 * current_setting('block_size')::int AS bytes,
       ix.reltuples::float8 AS rows,
       CASE WHEN k.complete THEN k.width END AS stored_width,
       ix.reloptions,
       (SELECT d.stats_reset FROM pg_stat_database d WHERE d.datname = current_database()) AS stats_reset,
       current_setting('block_size')::int AS block_size
  FROM ix
  JOIN pg_am am ON am.oid = ix.relam
  JOIN keys k ON k.indexrelid = ix.indexrelid
  LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')
 ORDER BY ix.nspname, ix.tablename, ix.indexname`;

interface RawKey { text: string; opclass: string | null; defaultOpclass: boolean | null; option: number | null; collation: string | null }

/** reloptions come as ["fillfactor=70", …]. */
function fillfactorOf(reloptions: string[] | null): number | undefined {
  const option = reloptions?.find((o) => o.startsWith('fillfactor='));
  return option ? Number(option.slice('fillfactor='.length)) : undefined;
}

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
      fillfactor: fillfactorOf(row.reloptions),
    };
  });
  const reset = rows[0]?.stats_reset as Date | null | undefined;
  return { statsResetAt: reset ? reset.toISOString() : undefined, blockSize: rows[0]?.block_size ?? DEFAULT_BLOCK_SIZE, indexes };
}
