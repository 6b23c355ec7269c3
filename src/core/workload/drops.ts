/**
 * Existing indexes the set drops: those the workload does without (never scanned since the
 * statistics were reset, used by no plan of the workload, a cost to the writers of their table)
 * and those a chosen index replaces. Unique, primary-key, exclusion and other constraint indexes
 * are never proposed: they enforce rules, not speed.
 */
import { Candidate } from '../advisor/candidate';
import { ExistingIndex } from '../catalog/indexes';
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
export function dropStatements(ix: Pick<UnusedIndex, 'schema' | 'name' | 'definition'>): { ddl: string; down: string } {
  return {
    ddl: `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(ix.schema, ix.name)};`,
    down: `${ix.definition.replace(/^CREATE INDEX /, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ')};`,
  };
}

/**
 * Existing indexes a chosen one makes redundant: a plain (not unique, not partial) btree whose key
 * columns, in order and direction, begin the chosen plain btree's keys and whose INCLUDE columns
 * the chosen one also stores. Any scan of the old index is a scan of a prefix of the new one, so
 * the set replaces it and its writers stop paying for it. Unique, primary-key and constraint
 * indexes are never replaced: they enforce rules.
 */
export function replacedIndexes(existing: ExistingIndex[], chosen: { candidate: Candidate; name: string }[]): Replacement[] {
  const out: Replacement[] = [];
  for (const ix of existing) {
    if (ix.method !== 'btree' || ix.unique || ix.predicate || !ix.valid) continue;
    const by = chosen.find(({ candidate: c }) => c.schema === ix.schema && c.table === ix.table && covers(c, ix));
    if (by) out.push({ index: ix, by: by.name });
  }
  return out;
}

export interface Replacement {
  index: ExistingIndex;
  /** Name of the chosen index that replaces it. */
  by: string;
}

function covers(c: Candidate, ix: ExistingIndex): boolean {
  if (c.method !== 'btree' || c.where.length || ix.keys.length > c.keys.length) return false;
  const prefix = ix.keys.every((k, i) => {
    const n = c.keys[i];
    return (
      k.column !== undefined &&
      n.column === k.column &&
      !!n.desc === k.desc &&
      (n.nulls === undefined ? k.nullsFirst === k.desc : (n.nulls === 'FIRST') === k.nullsFirst) &&
      (n.opclass === undefined ? k.defaultOpclass : n.opclass === k.opclass)
    );
  });
  const stored = new Set([...c.keys.map((k) => k.column), ...c.include]);
  return prefix && ix.include.every((col) => stored.has(col));
}
