import { Database, Session } from '../db/database';
import { groupBy } from '../groupBy';
import { Run } from '../run';
import { analyzeIndexUsage } from './analyze';
import { IndexAnalysis, IndexUsage, IndexUsageReport, UsageKey } from './types';

/**
 * Every index of the database with its usage, in ONE query that returns one row per stored
 * column (keys, then INCLUDE), with the index's own fields repeated on each of its rows. The
 * tree must load in well under a second with tens of thousands of indexes, so nothing runs per
 * table or per index, and the server does no aggregation, sorting or string building that the
 * client does faster: grouping the rows, ordering by name and composing definitions happen here.
 *
 * - A key's text is its quoted column name, or for an expression key pg_get_indexdef(oid, k, true).
 *   indclass/indcollation/indoption cover key columns only (0-based vectors); indoption bits:
 *   1 = DESC, 2 = NULLS FIRST.
 * - `definition`: pg_get_indexdef costs ~30 µs an index (more than the rest of the query), so for
 *   the common index the client composes the same text from names quoted by the server's own
 *   quote_ident (sent only where quoting changes them): plain columns with their default opclass,
 *   collation and no opclass options; no expressions, predicate, storage options or NULLS NOT
 *   DISTINCT; not a partitioned index; an access method name that needs no quotes. The server calls
 *   pg_get_indexdef only for the others, once (on the first key's row, or on the row of the key
 *   that is not plain). Integration tests compare both on many index shapes.
 * - Opclass options (siglen…) exist only for non-btree/hash opclasses in PostgreSQL and its
 *   contrib modules, so only those keys look their index attribute up.
 * - `avg_width` (pg_stats) feeds the bloat estimate; it is read only for tables with an index of
 *   1 MB or more, because evaluating pg_stats for every column of the database costs more than the rest.
 * - Indexes a CREATE INDEX is building right now are listed by pg_stat_progress_create_index,
 *   read once (hashed subplan), so they are not reported invalid.
 * - `pages` × block size is the size as of the index's last VACUUM, ANALYZE or build, like
 *   reltuples: pg_relation_size (a file-system call per index) took half the query's time on
 *   10,000 indexes. Show Table Stats gives exact sizes for one table.
 * - pg_get_indexdef and pg_get_expr take a brief ACCESS SHARE lock, so they would wait behind any
 *   ACCESS EXCLUSIVE lock (a migration's ALTER TABLE, a LOCK TABLE) held or awaited by another
 *   session. Indexes of such relations are listed from the catalog alone (locked: no definition,
 *   expression keys or predicate), and lock_timeout backs this up for locks taken between the
 *   pg_locks read and the call.
 */
/** 1 MB in 8 kB pages: smaller indexes are not worth a bloat estimate. */
const BLOAT_MIN_PAGES = 128;

/** The query for a server whose pg_index has (PostgreSQL 15+) or lacks indnullsnotdistinct. */
const indexUsageSql = (nullsNotDistinct: string) => `
WITH locked AS MATERIALIZED (
  SELECT l.relation FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), ix AS MATERIALIZED (
  SELECT x.indexrelid, x.indrelid, x.indnkeyatts, x.indisunique, x.indisprimary, x.indisvalid, x.indkey, x.indclass, x.indcollation, x.indoption,
         x.indpred, n.nspname, t.relname AS tablename, i.relname AS indexname, am.amname, i.reltuples, i.relpages, i.reloptions,
         -- Nothing about the index as a whole that only pg_get_indexdef prints (or quotes).
         x.indexprs IS NULL AND x.indpred IS NULL AND i.reloptions IS NULL AND i.relkind = 'i' AND NOT ${nullsNotDistinct}
           AND quote_ident(am.amname) = am.amname AS plain,
         (x.indrelid IN (SELECT relation FROM locked) OR x.indexrelid IN (SELECT relation FROM locked)) AS locked
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_am am ON am.oid = i.relam
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
), stats AS MATERIALIZED (
  SELECT st.schemaname, st.tablename, st.attname, st.avg_width
    FROM (SELECT DISTINCT nspname, tablename FROM ix WHERE relpages >= ${BLOAT_MIN_PAGES}) big
    JOIN pg_stats st ON st.schemaname = big.nspname AND st.tablename = big.tablename AND NOT st.inherited
)
SELECT ix.indexrelid AS oid, ix.nspname AS schema, ix.tablename AS "table", ix.indexname AS name, ix.amname AS method, ix.locked,
       -- Quoted names only where quoting changes them (null otherwise: fewer strings to decode).
       nullif(quote_ident(ix.nspname) || '.' || quote_ident(ix.tablename), ix.nspname || '.' || ix.tablename) AS q_table,
       nullif(quote_ident(ix.indexname), ix.indexname) AS q_name,
       CASE WHEN NOT ix.locked AND (k.n = 1 AND NOT ix.plain OR ix.plain AND NOT (
              -- This key prints as its bare column name: default opclass for the column's own type, the column's collation, no opclass options.
              k.attnum > 0 AND (k.n > ix.indnkeyatts OR (oc.opcdefault AND oc.opcintype = a.atttypid AND coalesce(co.oid, 0) IN (0, a.attcollation)
                AND (ix.amname IN ('btree', 'hash') OR NOT EXISTS (
                  SELECT FROM pg_attribute o WHERE o.attrelid = ix.indexrelid AND o.attnum = k.n AND o.attoptions IS NOT NULL))))))
            THEN pg_get_indexdef(ix.indexrelid) END AS definition,
       CASE WHEN k.n = 1 AND ix.indpred IS NOT NULL AND NOT ix.locked THEN pg_get_expr(ix.indpred, ix.indrelid, true) END AS predicate,
       ix.indnkeyatts AS nkey, ix.indisunique AS "unique", ix.indisprimary AS "primary", ix.indisvalid AS valid,
       ix.indexrelid IN (SELECT p.index_relid FROM pg_stat_progress_create_index p) AS being_built,
       con.conname AS constraint_name, con.contype AS constraint_type,
       pg_stat_get_numscans(ix.indexrelid)::float8 AS scans,
       pg_stat_get_tuples_returned(ix.indexrelid)::float8 AS tuples_read,
       ix.relpages::float8 AS pages, ix.reltuples::float8 AS rows, ix.reloptions,
       k.n, CASE WHEN k.attnum <> 0 THEN quote_ident(a.attname) WHEN NOT ix.locked THEN pg_get_indexdef(ix.indexrelid, k.n::int, true) END AS key,
       oc.opcname AS opclass, ix.indoption[k.n - 1] AS option, co.collname AS collation, s.avg_width
  FROM ix
  LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')
 CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
  LEFT JOIN (SELECT attrelid, attnum, attname, atttypid, attcollation FROM pg_attribute WHERE attnum > 0) a
         ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0
  LEFT JOIN pg_opclass oc ON k.n <= ix.indnkeyatts AND oc.oid = ix.indclass[k.n - 1]
  LEFT JOIN pg_collation co ON k.n <= ix.indnkeyatts AND co.oid = ix.indcollation[k.n - 1]
  LEFT JOIN stats s ON s.schemaname = ix.nspname AND s.tablename = ix.tablename AND s.attname = a.attname`;

const INDEX_USAGE_SQL = indexUsageSql('x.indnullsnotdistinct');
/** PostgreSQL before 15: no NULLS NOT DISTINCT. */
const INDEX_USAGE_SQL_PRE15 = indexUsageSql('false');
const NULLS_NOT_DISTINCT_SINCE = 150000;

/** One row of INDEX_USAGE_SQL: one stored column of one index. */
interface ColumnRow {
  oid: number;
  schema: string;
  table: string;
  name: string;
  method: string;
  locked: boolean;
  q_table: string | null;
  q_name: string | null;
  definition: string | null;
  predicate: string | null;
  nkey: number;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  being_built: boolean;
  constraint_name: string | null;
  constraint_type: keyof typeof CONSTRAINT_KINDS | null;
  scans: number | null;
  tuples_read: number | null;
  pages: number;
  rows: number;
  reloptions: string[] | null;
  n: number;
  key: string | null;
  opclass: string | null;
  option: number | null;
  collation: string | null;
  avg_width: number | null;
}

/** reloptions come as ["fillfactor=70", …]. */
function fillfactorOf(reloptions: string[] | null): number | undefined {
  const option = reloptions?.find((o) => o.startsWith('fillfactor='));
  return option ? Number(option.slice('fillfactor='.length)) : undefined;
}

const CONSTRAINT_KINDS = { p: 'primary key', u: 'unique', x: 'exclusion' } as const;

/** pg_get_indexdef's ordering words for a key: DESC implies NULLS FIRST, ASC implies NULLS LAST. */
function orderingOf(key: UsageKey): string {
  if (key.desc) return key.nullsFirst ? ' DESC' : ' DESC NULLS LAST';
  return key.nullsFirst ? ' NULLS FIRST' : '';
}

function keyOf(row: ColumnRow): UsageKey {
  const option = row.option ?? 0;
  return {
    text: row.key ?? '',
    opclass: row.opclass ?? '',
    desc: (option & 1) === 1,
    nullsFirst: (option & 2) === 2,
    collation: row.collation ?? undefined,
  };
}

/** What pg_get_indexdef prints for a plain index, from names the server quoted where they need it. */
function composedDefinition(first: ColumnRow, keys: UsageKey[], include: string[]): string {
  const table = first.q_table ?? `${first.schema}.${first.table}`;
  const includeList = include.length ? ` INCLUDE (${include.join(', ')})` : '';
  return `CREATE ${first.unique ? 'UNIQUE ' : ''}INDEX ${first.q_name ?? first.name} ON ${table} USING ${first.method} (${keys.map((k) => k.text + orderingOf(k)).join(', ')})${includeList}`;
}

/** One index from its column rows (in key order): pg_get_indexdef's text when the server sent it, else composed. */
function indexOf(columns: ColumnRow[], blockSize: number): IndexUsage {
  const [first] = columns;
  const keys = columns.filter((c) => c.n <= c.nkey).map(keyOf);
  const include = columns.filter((c) => c.n > c.nkey).map((c) => c.key ?? '');
  const definition = columns.find((c) => c.definition !== null)?.definition;
  return {
    schema: first.schema,
    table: first.table,
    name: first.name,
    method: first.method,
    locked: first.locked,
    definition: definition ?? (first.locked ? undefined : composedDefinition(first, keys, include)),
    predicate: columns.find((c) => c.predicate !== null)?.predicate ?? undefined,
    keys,
    include,
    unique: first.unique,
    primary: first.primary,
    valid: first.valid,
    beingBuilt: first.being_built,
    constraint: first.constraint_type ? { name: first.constraint_name!, kind: CONSTRAINT_KINDS[first.constraint_type] } : undefined,
    scans: first.scans ?? 0,
    tuplesRead: first.tuples_read ?? 0,
    bytes: first.pages * blockSize,
    rows: first.rows >= 0 ? first.rows : undefined,
    storedWidth: columns.every((c) => c.avg_width !== null) ? columns.reduce((sum, c) => sum + c.avg_width!, 0) : undefined,
    fillfactor: fillfactorOf(first.reloptions),
  };
}

/** Sorted by schema, table and name, byte-wise like PostgreSQL's "name" type. */
function byQualifiedName(x: IndexUsage, y: IndexUsage): number {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return cmp(x.schema, y.schema) || cmp(x.table, y.table) || cmp(x.name, y.name);
}

/** Rows come grouped by index in practice, but SQL does not promise it: they are grouped by oid and each index's keys put in order. */
function assemble(rows: ColumnRow[], blockSize: number): IndexUsage[] {
  return [...groupBy(rows, (row) => row.oid).values()]
    .map((columns) =>
      indexOf(
        columns.sort((a, b) => a.n - b.n),
        blockSize,
      ),
    )
    .sort(byQualifiedName);
}

/**
 * For this transaction: a lock timeout, and no JIT (on a big catalog the query's estimated cost
 * passes jit_above_cost, and compiling it took 1.8 s for a 0.1 s query); then the server version
 * that picks the query, and facts the report needs once.
 */
const SETUP_SQL = `
SELECT set_config('lock_timeout', '2s', true), set_config('jit', 'off', true),
       current_setting('server_version_num')::int AS version_num,
       current_setting('block_size')::int AS block_size,
       (SELECT d.stats_reset FROM pg_stat_database d WHERE d.datname = current_database()) AS stats_reset`;

/** Every index with its usage, on the caller's session (health reads it on its run's session). */
export async function readIndexUsage(session: Session): Promise<IndexUsageReport> {
  const { setup, rows } = await session.transaction({ readOnly: true }, async () => {
    const setup = (await session.query<{ version_num: number; block_size: number; stats_reset: Date | null }>(SETUP_SQL)).rows[0];
    const rows = (await session.query<ColumnRow>(setup.version_num >= NULLS_NOT_DISTINCT_SINCE ? INDEX_USAGE_SQL : INDEX_USAGE_SQL_PRE15))
      .rows;
    return { setup, rows };
  });
  return { statsResetAt: setup.stats_reset?.toISOString(), blockSize: setup.block_size, indexes: assemble(rows, setup.block_size) };
}

/** What the Indexes view and `pgtuner indexes` show: every index of the database, analysed. */
export async function loadIndexUsage(db: Database, _input: Record<string, never>, run: Run): Promise<IndexAnalysis> {
  run.onProgress?.('Reading index usage');
  return analyzeIndexUsage(await db.withSession(readIndexUsage, run.signal));
}
