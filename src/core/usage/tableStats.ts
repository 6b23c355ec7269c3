import { Database } from '../db/database';
import { PgTunerError } from '../errors';
import { Run } from '../run';

/** What "Show Table Stats" shows for one table: sizes, row estimates, activity and maintenance. */
export interface TableStats {
  schema: string;
  table: string;
  /** Heap only, indexes together, and everything including TOAST. */
  tableBytes: number;
  indexesBytes: number;
  totalBytes: number;
  estimatedRows: number;
  liveRows: number;
  deadRows: number;
  seqScans: number;
  seqRowsRead: number;
  indexScans: number;
  inserts: number;
  updates: number;
  hotUpdates: number;
  deletes: number;
  modifiedSinceAnalyze: number;
  lastVacuum?: string;
  lastAutovacuum?: string;
  lastAnalyze?: string;
  lastAutoanalyze?: string;
  vacuumCount: number;
  autovacuumCount: number;
}

const TABLE_STATS_SQL = `
SELECT s.schemaname AS schema, s.relname AS "table",
       pg_table_size(s.relid)::float8 AS table_bytes, pg_indexes_size(s.relid)::float8 AS indexes_bytes,
       pg_total_relation_size(s.relid)::float8 AS total_bytes, greatest(c.reltuples, 0)::float8 AS estimated_rows,
       s.n_live_tup::float8 AS live_rows, s.n_dead_tup::float8 AS dead_rows,
       s.seq_scan::float8 AS seq_scans, s.seq_tup_read::float8 AS seq_rows_read, coalesce(s.idx_scan, 0)::float8 AS index_scans,
       s.n_tup_ins::float8 AS inserts, s.n_tup_upd::float8 AS updates, s.n_tup_hot_upd::float8 AS hot_updates,
       s.n_tup_del::float8 AS deletes, s.n_mod_since_analyze::float8 AS modified_since_analyze,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.vacuum_count::float8 AS vacuum_count, s.autovacuum_count::float8 AS autovacuum_count
  FROM pg_stat_all_tables s
  JOIN pg_class c ON c.oid = s.relid
 WHERE s.schemaname = $1 AND s.relname = $2`;

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

export async function loadTableStats(db: Database, table: { schema: string; table: string }, run: Run): Promise<TableStats> {
  const row = (await db.withSession((session) => session.query(TABLE_STATS_SQL, [table.schema, table.table]), run.signal)).rows[0];
  if (!row)
    throw new PgTunerError(
      'BAD_INPUT',
      `Table ${table.schema}.${table.table} was not found (dropped or renamed?). Refresh the Indexes view.`,
    );
  return {
    schema: row.schema,
    table: row.table,
    tableBytes: row.table_bytes,
    indexesBytes: row.indexes_bytes,
    totalBytes: row.total_bytes,
    estimatedRows: row.estimated_rows,
    liveRows: row.live_rows,
    deadRows: row.dead_rows,
    seqScans: row.seq_scans,
    seqRowsRead: row.seq_rows_read,
    indexScans: row.index_scans,
    inserts: row.inserts,
    updates: row.updates,
    hotUpdates: row.hot_updates,
    deletes: row.deletes,
    modifiedSinceAnalyze: row.modified_since_analyze,
    lastVacuum: iso(row.last_vacuum),
    lastAutovacuum: iso(row.last_autovacuum),
    lastAnalyze: iso(row.last_analyze),
    lastAutoanalyze: iso(row.last_autoanalyze),
    vacuumCount: row.vacuum_count,
    autovacuumCount: row.autovacuum_count,
  };
}
