import { Session } from '../db/database';

export interface ColumnStats {
  name: string;
  type: string;
  notNull: boolean;
  /** pg_stats.n_distinct: > 0 a count, < 0 a fraction of the rows (−1 = unique). */
  nDistinct?: number;
  nullFrac?: number;
  correlation?: number;
  avgWidth?: number;
  mostCommonVals?: string[];
  mostCommonFreqs?: number[];
}

export interface TableInfo {
  /** The name as the query wrote it (resolved through search_path). */
  wanted: string;
  oid: number;
  schema: string;
  name: string;
  /** reltuples (−1 on never-analyzed tables is reported as 0). */
  /** pg_class.relkind: r table, p partitioned table, m materialized view. */
  kind: 'r' | 'p' | 'm';
  rows: number;
  pages: number;
  tableBytes: number;
  columns: ColumnStats[];
}

/**
 * pg_stats exposes most_common_vals as anyarray; casting through text gives their literal
 * forms, which we compare with the query's constants. pg_stats is read per column in a LATERAL
 * subquery: joined as a whole, the planner cannot push the table's name into the view and checks
 * has_column_privilege on every column of the database (tens of ms on a schema of a few hundred
 * tables); per column it is a few index lookups. LIMIT 1 keeps the table's own statistics when an
 * inheritance parent also has them for its whole tree.
 */
export const TABLES_SQL = `
SELECT wanted.name AS wanted, c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       greatest(c.reltuples, 0)::float8 AS rows, c.relpages::int AS pages,
       pg_table_size(c.oid)::float8 AS table_bytes,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
                 'nDistinct', s.n_distinct, 'nullFrac', s.null_frac, 'correlation', s.correlation, 'avgWidth', s.avg_width,
                 'mostCommonVals', s.most_common_vals::text::text[], 'mostCommonFreqs', s.most_common_freqs
               ) ORDER BY a.attnum), '[]')
          FROM pg_attribute a
          LEFT JOIN LATERAL (SELECT * FROM pg_stats s
                              WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
                                AND ($2::text[] IS NULL OR a.attname = ANY($2))
                              ORDER BY s.inherited LIMIT 1) s ON true
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
  FROM unnest($1::text[]) AS wanted(name)
  JOIN pg_class c ON c.oid = to_regclass(wanted.name)
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm')`;

/**
 * Sizes and column statistics for the named tables (names as the query wrote them, resolved by
 * search_path). `statsFor` limits pg_stats to those column names: their most-common-value lists
 * are the costly part, and only the columns a statement uses matter.
 */
export async function readTables(session: Session, names: string[], statsFor?: string[]): Promise<TableInfo[]> {
  if (!names.length) return [];
  const r = await session.query(TABLES_SQL, [names, statsFor ?? null]);
  return r.rows.map(tableFromRow);
}

/** A row of TABLES_SQL (or the same object from json_agg) → TableInfo. */
export function tableFromRow(row: Record<string, unknown>): TableInfo {
  return {
    wanted: row.wanted as string,
    oid: row.oid as number,
    schema: row.schema as string,
    name: row.name as string,
    kind: row.kind as TableInfo['kind'],
    rows: row.rows as number,
    pages: row.pages as number,
    tableBytes: row.table_bytes as number,
    columns: (row.columns as ColumnStats[]).map(dropNulls),
  };
}

function dropNulls<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;
}

/** Estimated number of distinct values of a column (resolving the negative fraction form). */
export function distinctValues(col: ColumnStats | undefined, rows: number): number | undefined {
  if (!col || col.nDistinct === undefined) return undefined;
  return col.nDistinct < 0 ? -col.nDistinct * rows : col.nDistinct;
}
