import { Session } from '../db/database';
import { PgTunerError } from '../errors';
import { qualifiedName } from '../sql/ident';

const SERVER_VERSION_SQL = `SELECT current_setting('server_version_num')::int AS version_num`;
const DISABLE_TIMEOUT_SQL = `SET statement_timeout = 0`;
const RESTORE_TIMEOUT_SQL = `RESET statement_timeout`;

/** REINDEX … CONCURRENTLY exists since PostgreSQL 12. */
const MIN_VERSION = 120000;

/** The statement that rebuilds one index without blocking writes. */
export function reindexStatement(index: { schema: string; name: string }): string {
  return `REINDEX INDEX CONCURRENTLY ${qualifiedName(index.schema, index.name)}`;
}

/**
 * Rebuilds an index with REINDEX INDEX CONCURRENTLY (also the fix for an invalid index). It runs
 * outside a transaction and may take long, so the session's statement_timeout is lifted for it
 * and restored after; cancel it through withSession's AbortSignal.
 */
export async function reindexConcurrently(session: Session, index: { schema: string; name: string }): Promise<void> {
  const version = (await session.query<{ version_num: number }>(SERVER_VERSION_SQL)).rows[0].version_num;
  if (version < MIN_VERSION) {
    throw new PgTunerError('BAD_INPUT', 'REINDEX CONCURRENTLY needs PostgreSQL 12 or later; on this server use CREATE INDEX CONCURRENTLY of a copy, then drop the old one.');
  }
  await session.query(DISABLE_TIMEOUT_SQL);
  try {
    await session.query(reindexStatement(index));
  } finally {
    await session.query(RESTORE_TIMEOUT_SQL);
  }
}
