import { Session } from '../db/database';

export interface IndexKey {
  /** Column name, or undefined for an expression key. */
  column?: string;
  /** pg_get_indexdef's text for this key (column name or expression). */
  text: string;
  opclass: string;
  /** The opclass is the default for the column's type (no opclass written in the definition). */
  defaultOpclass: boolean;
  desc: boolean;
  nullsFirst: boolean;
}

export interface ExistingIndex {
  schema: string;
  table: string;
  name: string;
  method: string;
  /** Key columns/expressions in order (INCLUDE columns excluded). */
  keys: IndexKey[];
  include: string[];
  /** WHERE clause of a partial index, as pg_get_expr prints it. */
  predicate?: string;
  unique: boolean;
  valid: boolean;
  definition: string;
}

/**
 * One row per index of the given tables, with one JSON entry per key. `pg_get_indexdef(oid, k, true)`
 * prints key k alone; `indoption` bits: 1 = DESC, 2 = NULLS FIRST.
 */
const indexesSql = (filter: string) => `
SELECT n.nspname AS schema, t.relname AS "table", i.relname AS name, am.amname AS method,
       x.indisunique AS unique, x.indisvalid AS valid, x.indnkeyatts AS nkey,
       pg_get_indexdef(x.indexrelid) AS definition,
       pg_get_expr(x.indpred, x.indrelid, true) AS predicate,
       (SELECT json_agg(json_build_object(
                 'column', a.attname,
                 'text', pg_get_indexdef(x.indexrelid, k.n, true),
                 'opclass', oc.opcname,
                 'defaultOpclass', oc.opcdefault,
                 'option', x.indoption[k.n - 1]) ORDER BY k.n)
          FROM generate_series(1, x.indnatts) AS k(n)
          LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k.n - 1] AND x.indkey[k.n - 1] <> 0
          LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[k.n - 1]) AS keys
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
 WHERE ${filter}`;
const INDEXES_SQL = indexesSql('x.indrelid = ANY($1::oid[])');
/** The same rows for the tables of a query named `tables` with an `oid` column (the advisor's one catalog read). */
export const INDEXES_OF_TABLES_SQL = indexesSql('x.indrelid IN (SELECT oid FROM tables)');

interface RawKey {
  column: string | null;
  text: string;
  opclass: string | null;
  defaultOpclass: boolean | null;
  option: number | null;
}

export async function readIndexes(session: Session, tableOids: number[]): Promise<ExistingIndex[]> {
  if (!tableOids.length) return [];
  const r = await session.query(INDEXES_SQL, [tableOids]);
  return r.rows.map(indexFromRow);
}

/** A row of the indexes query (or the same object from json_agg) → ExistingIndex. */
export function indexFromRow(row: Record<string, unknown>): ExistingIndex {
  const raw = row.keys as RawKey[];
  const nkey = row.nkey as number;
  const keys = raw.slice(0, nkey).map((k) => ({
    column: k.column ?? undefined,
    text: k.text,
    opclass: k.opclass ?? '',
    defaultOpclass: k.defaultOpclass ?? true,
    desc: ((k.option ?? 0) & 1) === 1,
    nullsFirst: ((k.option ?? 0) & 2) === 2,
  }));
  return {
    schema: row.schema as string,
    table: row.table as string,
    name: row.name as string,
    method: row.method as string,
    keys,
    include: raw.slice(nkey).map((k) => k.column ?? k.text),
    predicate: (row.predicate as string | null) ?? undefined,
    unique: row.unique as boolean,
    valid: row.valid as boolean,
    definition: row.definition as string,
  };
}
