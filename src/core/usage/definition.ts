import { Database } from '../db/database';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { qualifiedName } from '../sql/ident';

const INDEX_DEFINITION_SQL = `
SELECT pg_get_indexdef(c.oid) AS definition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('i', 'I')`;
/** pg_get_indexdef waits behind an ACCESS EXCLUSIVE lock on the table: not for long. */
const LOCK_TIMEOUT_MS = 2000;
const LOCK_NOT_AVAILABLE = '55P03';
/** The partition indexes under a partitioned index, at every level, each with its parent. */
const PARTITION_INDEXES_SQL = `
WITH RECURSIVE tree AS (
  SELECT i.inhrelid AS oid, i.inhparent AS parent, 1 AS depth
    FROM pg_inherits i
   WHERE i.inhparent = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'I')
  UNION ALL
  SELECT i.inhrelid, i.inhparent, t.depth + 1 FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid
)
SELECT n.nspname AS schema, c.relname AS name, pg_get_indexdef(c.oid) AS definition,
       pn.nspname AS "parentSchema", p.relname AS "parentName", c.relkind = 'I' AS partitioned, t.depth
  FROM tree t
  JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class p ON p.oid = t.parent JOIN pg_namespace pn ON pn.oid = p.relnamespace
 ORDER BY t.depth, n.nspname, c.relname`;

/** An index on one partition, attached to a partitioned index (its parent). */
export interface PartitionIndex {
  schema: string;
  name: string;
  /** pg_get_indexdef: `ON ONLY` when it is itself partitioned (a sub-partitioned table). */
  definition: string;
  parentSchema: string;
  parentName: string;
  partitioned: boolean;
  /** 1 for the partitions of the index itself, 2 for theirs… */
  depth: number;
}

/**
 * The index's definition as it is now (pg_get_indexdef), not as the Indexes view loaded it: what
 * a drop migration's .down recreates and what Copy Definition copies must match the database even
 * when the view is stale.
 */
export async function readIndexDefinition(db: Database, index: { schema: string; name: string }, run: Run): Promise<string> {
  return (await readIndexForDrop(db, index, run)).definition;
}

/**
 * The definition, and for a partitioned index every partition index under it (from the same
 * snapshot): what a drop migration's .down needs to recreate the index valid, with its partitions
 * attached. Empty `partitions` for an ordinary index.
 */
export async function readIndexForDrop(
  db: Database,
  index: { schema: string; name: string },
  run: Run,
): Promise<{ definition: string; partitions: PartitionIndex[] }> {
  const name = qualifiedName(index.schema, index.name);
  try {
    return await db.withSession(
      (session) =>
        session.transaction({ readOnly: true, lockTimeoutMs: LOCK_TIMEOUT_MS }, async () => {
          const row = (await session.query<{ definition: string }>(INDEX_DEFINITION_SQL, [index.schema, index.name])).rows[0];
          if (!row)
            throw new PgTunerError(
              'BAD_INPUT',
              `Index ${name} no longer exists (dropped or renamed since the Indexes view loaded). Refresh the view.`,
            );
          const partitions = (await session.query<PartitionIndex>(PARTITION_INDEXES_SQL, [index.schema, index.name])).rows;
          return { definition: row.definition, partitions };
        }),
      run.signal,
    );
  } catch (err) {
    if (err instanceof PgTunerError && err.sqlState === LOCK_NOT_AVAILABLE) {
      throw new PgTunerError(
        'TIMEOUT',
        `The definition of ${name} could not be read: another session holds an exclusive lock on its table. Try again when that session finishes.`,
        { sqlState: err.sqlState, cause: err },
      );
    }
    throw err;
  }
}
