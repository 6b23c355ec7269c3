/**
 * Existing indexes the workload does without: never scanned since the statistics were reset, used
 * by no plan of the workload, and a cost to the writers of their table. Unique, primary-key,
 * exclusion and other constraint indexes are never proposed: they enforce rules, not speed.
 */
import { Session } from '../db/database';
import { qualifiedName } from '../sql/ident';

export interface UnusedIndex {
  schema: string;
  table: string;
  name: string;
  method: string;
  definition: string;
  bytes: number;
  /** Key, INCLUDE and predicate text, for the write-cost model. */
  columns: string[];
  partial: boolean;
}

const UNUSED_INDEXES_SQL = `
SELECT n.nspname AS schema, t.relname AS "table", i.relname AS name, am.amname AS method,
       pg_get_indexdef(x.indexrelid) AS definition, pg_relation_size(x.indexrelid)::float8 AS bytes,
       x.indpred IS NOT NULL AS partial,
       array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey))::text[] AS columns
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
  LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid
 WHERE x.indrelid = ANY($1::oid[]) AND x.indisvalid AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
   AND coalesce(s.idx_scan, 0) = 0
 ORDER BY 1, 2, 3`;

export async function readUnusedIndexes(session: Session, tableOids: number[]): Promise<UnusedIndex[]> {
  if (!tableOids.length) return [];
  return (await session.query<UnusedIndex>(UNUSED_INDEXES_SQL, [tableOids])).rows;
}

/** DROP INDEX CONCURRENTLY …; and the .down that recreates it as it is now. */
export function dropStatements(ix: UnusedIndex): { ddl: string; down: string } {
  return {
    ddl: `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(ix.schema, ix.name)};`,
    down: `${ix.definition.replace(/^CREATE INDEX /, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ')};`,
  };
}
