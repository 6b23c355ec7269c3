import { Candidate, candidateKey, indexName, withHashSuffix } from './candidate';

/**
 * Index names unique per definition: when a relation of the schema already has a candidate's
 * readable name (`taken`: `schema.name`, read with the catalog), the name gets a short hash of the
 * definition, so `CREATE INDEX … IF NOT EXISTS` never silently keeps a different index (an earlier
 * suggestion with other columns, say) in its place. An existing index with the very same
 * definition never gets here: it serves the candidate.
 */
export function uniqueIndexNames(taken: ReadonlySet<string>): (c: Candidate) => string {
  return (c) => {
    const name = indexName(c);
    return taken.has(`${c.schema}.${name}`) ? withHashSuffix(name, candidateKey(c), 6) : name;
  };
}
