import { Session } from '../db/database';
import { PgTunerError } from '../errors';
import { qualifiedName } from '../sql/ident';

const INDEX_DEFINITION_SQL = `
SELECT pg_get_indexdef(c.oid) AS definition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('i', 'I')`;
/** pg_get_indexdef waits behind an ACCESS EXCLUSIVE lock on the table: not for long. */
const BEGIN_SQL = `BEGIN READ ONLY; SET LOCAL lock_timeout = '2s'`;
const ROLLBACK_SQL = `ROLLBACK`;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The index's definition as it is now (pg_get_indexdef), not as the Indexes view loaded it: what
 * a drop migration's .down recreates and what Copy Definition copies must match the database even
 * when the view is stale.
 */
export async function readIndexDefinition(session: Session, index: { schema: string; name: string }): Promise<string> {
  const name = qualifiedName(index.schema, index.name);
  await session.query(BEGIN_SQL);
  try {
    const row = (await session.query<{ definition: string }>(INDEX_DEFINITION_SQL, [index.schema, index.name])).rows[0];
    if (!row) throw new PgTunerError('BAD_INPUT', `Index ${name} no longer exists (dropped or renamed since the Indexes view loaded). Refresh the view.`);
    return row.definition;
  } catch (err) {
    if (err instanceof PgTunerError && err.sqlState === LOCK_NOT_AVAILABLE) {
      throw new PgTunerError('TIMEOUT', `The definition of ${name} could not be read: another session holds an exclusive lock on its table. Try again when that session finishes.`, { sqlState: err.sqlState, cause: err });
    }
    throw err;
  } finally {
    await session.query(ROLLBACK_SQL).catch(() => undefined);
  }
}
