import { Session } from '../db/database';
import { Candidate, candidateKey, indexName, withHashSuffix } from './candidate';

/** Relations (of any kind: CREATE INDEX IF NOT EXISTS skips on a table of that name too) in $1 schemas named in $2. */
const TAKEN_NAMES_SQL = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[])`;

/**
 * Index names unique per definition: when a relation of the schema already has a candidate's
 * readable name, the name gets a short hash of the definition, so `CREATE INDEX … IF NOT EXISTS`
 * never silently keeps a different index (an earlier suggestion with other columns, say) in its place.
 * An existing index with the very same definition never gets here: it serves the candidate.
 */
export async function uniqueIndexNames(session: Session, candidates: Candidate[]): Promise<(c: Candidate) => string> {
  const schemas = [...new Set(candidates.map((c) => c.schema))];
  const names = [...new Set(candidates.map((c) => indexName(c)))];
  const r = await session.query<{ schema: string; name: string }>(TAKEN_NAMES_SQL, [schemas, names]);
  const taken = new Set(r.rows.map((row) => `${row.schema}.${row.name}`));
  return (c) => {
    const name = indexName(c);
    return taken.has(`${c.schema}.${name}`) ? withHashSuffix(name, candidateKey(c), 6) : name;
  };
}
