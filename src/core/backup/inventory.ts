import { Session } from '../db/database';
import { qualifiedName } from '../sql/ident';
import { ConstraintEntry, IndexEntry, SequenceEntry, TableCount } from './manifest';

/**
 * What a database holds, as a backup must reproduce it: user tables with exact row counts, valid
 * indexes, constraints and sequence positions. Objects of system schemas and objects that belong
 * to an extension (pg_dump recreates those with CREATE EXTENSION, not from data) are left out.
 */

/** Matches relations (alias c, namespace alias n) that pg_dump writes out as user objects. */
const USER_RELATION = `
       n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
   AND c.relpersistence <> 't'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND ${USER_RELATION}
 ORDER BY 1, 2`;

const INDEXES_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", i.relname AS name
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE x.indisvalid AND ${USER_RELATION}
 ORDER BY 1, 2, 3`;

const CONSTRAINTS_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", k.conname AS name, k.contype::text AS type
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_RELATION}
 ORDER BY 1, 2, 3`;

const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, s.last_value::text AS "lastValue"
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_sequences s ON s.schemaname = n.nspname AND s.sequencename = c.relname
 WHERE c.relkind = 'S' AND ${USER_RELATION}
 ORDER BY 1, 2`;

/** count(*) of one table; the name is quoted by qualifiedName. */
const countRowsSql = (table: string) => `SELECT count(*)::bigint::text AS n FROM ${table}`;

export interface TableName {
  schema: string;
  name: string;
}

export async function listTables(session: Session): Promise<TableName[]> {
  return (await session.query<TableName>(TABLES_SQL)).rows;
}

export async function listIndexes(session: Session): Promise<IndexEntry[]> {
  return (await session.query<IndexEntry>(INDEXES_SQL)).rows;
}

export async function listConstraints(session: Session): Promise<ConstraintEntry[]> {
  return (await session.query<ConstraintEntry>(CONSTRAINTS_SQL)).rows;
}

export async function listSequences(session: Session): Promise<SequenceEntry[]> {
  return (await session.query<SequenceEntry>(SEQUENCES_SQL)).rows;
}

/** Exact row counts, one table at a time, in whatever snapshot the session's transaction holds. */
export async function countRows(session: Session, tables: readonly TableName[], onTable?: (done: number) => void): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const t of tables) {
    const { rows } = await session.query<{ n: string }>(countRowsSql(qualifiedName(t.schema, t.name)));
    counts.push({ schema: t.schema, name: t.name, rows: Number(rows[0].n) });
    onTable?.(counts.length);
  }
  return counts;
}
