import { Session } from '../db/database';
import { ExistingIndex, INDEXES_OF_TABLES_SQL, indexFromRow } from './indexes';
import { TABLES_SQL, TableInfo, tableFromRow } from './tables';

/** What the advisor reads from the catalog before it generates candidates. */
export interface AdviceCatalog {
  tables: TableInfo[];
  /** Every index of those tables. */
  indexes: ExistingIndex[];
  /** Of the extensions the advisor uses (hypopg, pg_trgm), those installed in this database. */
  extensions: Set<string>;
  /** `schema.name` of relations whose names could clash with a suggestion's (`idx_<table>_…`). */
  takenNames: Set<string>;
}

/**
 * One round trip: tables ($1 names as the query wrote them, $2 the columns whose statistics
 * matter), their indexes, the installed extensions (pg_extension, not pg_available_extensions:
 * that one reads every extension's control file from disk) and the relation names a suggestion
 * may not take. The names are those starting like a suggestion for the table (cut short, as a
 * long name is cut and hashed): a superset of the names it could clash with.
 */
const ADVICE_CATALOG_SQL = `
WITH tables AS (${TABLES_SQL})
SELECT (SELECT coalesce(json_agg(t), '[]') FROM tables t) AS tables,
       (SELECT coalesce(json_agg(ix), '[]') FROM (${INDEXES_OF_TABLES_SQL}) ix) AS indexes,
       ARRAY(SELECT extname::text FROM pg_extension WHERE extname IN ('hypopg', 'pg_trgm')) AS extensions,
       ARRAY(SELECT t.schema || '.' || c.relname
               FROM tables t
               JOIN pg_namespace n ON n.nspname = t.schema
               JOIN pg_class c ON c.relnamespace = n.oid AND starts_with(c.relname, left('idx_' || lower(t.name) || '_', 40))) AS taken`;

export async function readAdviceCatalog(session: Session, names: string[], statsFor: string[]): Promise<AdviceCatalog> {
  const row = (await session.query(ADVICE_CATALOG_SQL, [names, statsFor])).rows[0];
  return {
    tables: (row.tables as Record<string, unknown>[]).map(tableFromRow),
    indexes: (row.indexes as Record<string, unknown>[]).map(indexFromRow),
    extensions: new Set(row.extensions as string[]),
    takenNames: new Set(row.taken as string[]),
  };
}
