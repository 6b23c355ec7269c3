/**
 * A CREATE INDEX CONCURRENTLY (or REINDEX CONCURRENTLY) that fails half way leaves an INVALID
 * index behind: it slows every write and answers no query. The runner notes the indexes of the
 * statement's table before it runs, and after a failure drops the invalid ones that appeared.
 * It also catches the quiet failure of `IF NOT EXISTS`: an invalid index of that name, left by
 * an earlier failed build, makes the statement a no-op that looks like success.
 */
import { Session } from '../db/database';
import { qualifiedName } from '../sql/ident';

export interface IndexBuildTarget {
  /** The table (or, for REINDEX INDEX, the index) as written in the statement. */
  relation: string;
  /** The new index's name, for CREATE INDEX with a name. */
  indexName?: string;
  ifNotExists: boolean;
}

export interface IndexState {
  oid: string;
  schema: string;
  name: string;
  valid: boolean;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;
const CREATE_CONCURRENTLY = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(IF\s+NOT\s+EXISTS\s+)?(?:(?!ON\b)(${IDENT})\s+)?ON\s+(?:ONLY\s+)?(${QUALIFIED})`,
  'i',
);
const REINDEX_CONCURRENTLY = new RegExp(String.raw`^REINDEX\s+(?:\([^)]*\)\s*)?(?:INDEX|TABLE)\s+CONCURRENTLY\s+(${QUALIFIED})`, 'i');

/** The indexes of the table a relation names (itself, or the table of an index). */
const INDEXES_OF_TABLE_SQL = `
WITH target AS (
  SELECT coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass($1)), to_regclass($1)) AS table_oid
)
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, i.indisvalid AS valid
  FROM target t
  JOIN pg_index i ON i.indrelid = t.table_oid
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace`;

const dropIndexSql = (qualified: string) => `DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`;

/** What a concurrent index build statement works on, or undefined for any other statement. */
export function indexBuildTarget(statement: string): IndexBuildTarget | undefined {
  const create = CREATE_CONCURRENTLY.exec(statement);
  if (create) return { relation: create[3], indexName: create[2] ? identValue(create[2]) : undefined, ifNotExists: !!create[1] };
  const reindex = REINDEX_CONCURRENTLY.exec(statement);
  if (reindex) return { relation: reindex[1], ifNotExists: false };
  return undefined;
}

/** An identifier as PostgreSQL stores it: quoted ones verbatim, bare ones folded to lower case. */
function identValue(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase();
}

export async function indexesOfTable(session: Session, relation: string): Promise<IndexState[]> {
  return (await session.query<IndexState>(INDEXES_OF_TABLE_SQL, [relation])).rows;
}

/** Drops the invalid indexes that were not there before; returns their qualified names. */
export async function dropNewInvalidIndexes(session: Session, target: IndexBuildTarget, before: IndexState[]): Promise<string[]> {
  const known = new Set(before.map((i) => i.oid));
  const leftovers = (await indexesOfTable(session, target.relation)).filter((i) => !i.valid && !known.has(i.oid));
  const dropped: string[] = [];
  for (const index of leftovers) {
    const name = qualifiedName(index.schema, index.name);
    await session.query(dropIndexSql(name));
    dropped.push(name);
  }
  return dropped;
}

/** The named index if IF NOT EXISTS skipped it because an invalid one of that name was already there. */
export function skippedInvalidIndex(target: IndexBuildTarget, before: IndexState[]): IndexState | undefined {
  if (!target.ifNotExists || !target.indexName) return undefined;
  return before.find((i) => i.name === target.indexName && !i.valid);
}
