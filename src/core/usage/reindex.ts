import { Database } from '../db/database';
import { readServerVersionNum } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { qualifiedName } from '../sql/ident';

const DISABLE_TIMEOUT_SQL = `SET statement_timeout = 0`;
const RESTORE_TIMEOUT_SQL = `RESET statement_timeout`;
/** The invalid copies a failed REINDEX CONCURRENTLY leaves behind (named <index>_ccnew, _ccnew1…). */
const LEFTOVER_COPIES_SQL = `
SELECT i.relname AS name
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
 WHERE n.nspname = $1 AND NOT x.indisvalid
   AND left(i.relname, length($2)) = $2 AND substr(i.relname, length($2) + 1) ~ '^_ccnew[0-9]*$'`;

/** REINDEX … CONCURRENTLY exists since PostgreSQL 12. */
const MIN_VERSION = 120000;

/** The statement that rebuilds one index without blocking writes. */
export function reindexStatement(index: { schema: string; name: string }): string {
  return `REINDEX INDEX CONCURRENTLY ${qualifiedName(index.schema, index.name)}`;
}

/**
 * Rebuilds an index with REINDEX INDEX CONCURRENTLY (also the fix for an invalid index). It runs
 * outside a transaction and may take long, so the session's statement_timeout is lifted for it
 * and restored after; run.signal cancels it on the server.
 */
export function reindexConcurrently(db: Database, index: { schema: string; name: string }, run: Run): Promise<void> {
  run.onProgress?.(reindexStatement(index));
  return db.withSession(async (session) => {
    const version = await readServerVersionNum(session);
    if (version < MIN_VERSION) {
      throw new PgTunerError(
        'BAD_INPUT',
        'REINDEX CONCURRENTLY needs PostgreSQL 12 or later; on this server use CREATE INDEX CONCURRENTLY of a copy, then drop the old one.',
      );
    }
    await session.query(DISABLE_TIMEOUT_SQL);
    try {
      await session.query(reindexStatement(index));
    } catch (err) {
      // A cancelled or failed rebuild leaves a copy behind; a lost connection leaves nothing to ask.
      if (!(err instanceof PgTunerError) || err.code === 'SERVER_DOWN') throw err;
      const leftovers = (await session.query<{ name: string }>(LEFTOVER_COPIES_SQL, [index.schema, index.name])).rows.map((r) =>
        qualifiedName(index.schema, r.name),
      );
      const cleanup = leftovers.length
        ? ` PostgreSQL left the invalid copy ${leftovers.join(', ')} behind: drop it with DROP INDEX CONCURRENTLY.`
        : '';
      throw new PgTunerError(
        err.code,
        `REINDEX CONCURRENTLY of ${qualifiedName(index.schema, index.name)} failed: ${err.message}${cleanup}`,
        { sqlState: err.sqlState, cause: err },
      );
    } finally {
      await session.query(RESTORE_TIMEOUT_SQL);
    }
  }, run.signal);
}
