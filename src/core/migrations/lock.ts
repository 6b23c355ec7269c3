/**
 * One runner at a time per database and tracking schema, through a session-level advisory lock.
 *
 * The waiting must not hold a transaction open. CREATE INDEX CONCURRENTLY waits for every
 * transaction that holds a snapshot to finish; a second runner blocked in pg_advisory_lock()
 * sits inside such a transaction, while the first runner (holding the advisory lock) waits in
 * its CIC for that transaction: a deadlock (Flyway #1654, goose #335). So the waiter polls
 * pg_try_advisory_lock(), each try a short statement of its own, and sleeps between tries in
 * Node, where it holds no snapshot. The holder's lock is session-level and its session is idle
 * outside a transaction between statements, so the lock itself never blocks a CIC.
 */
import { createHash } from 'crypto';
import { Session } from '../db/database';
import { PgTunerError } from '../errors';

const TRY_LOCK_SQL = 'SELECT pg_try_advisory_lock($1::bigint) AS locked';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock($1::bigint) AS unlocked';
const LOCK_HOLDER_SQL = `
SELECT l.pid, a.application_name
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1
 LIMIT 1`;

export interface LockOptions {
  /** Give up after this long (default 10 minutes: a long CIC may hold the lock that long). */
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onWait?: (message: string) => void;
}

/** The advisory lock key for a tracking schema (advisory locks are per database already). */
export function migrationLockKey(schema: string): bigint {
  return createHash('sha256').update(`pgtuner.migrations:${schema}`).digest().readBigInt64BE(0);
}

/** Takes the lock, waiting as described above; returns the function that releases it. */
export async function acquireMigrationLock(session: Session, schema: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const key = migrationLockKey(schema);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pollMs = options.pollMs ?? 250;
  const started = Date.now();
  let reported = false;
  while (!(await session.query<{ locked: boolean }>(TRY_LOCK_SQL, [key.toString()])).rows[0].locked) {
    if (options.signal?.aborted) throw new PgTunerError('CANCELLED', 'Cancelled while waiting for another migration runner.');
    if (Date.now() - started > timeoutMs) {
      throw new PgTunerError(
        'TIMEOUT',
        `Another migration runner kept the migration lock for ${Math.round(timeoutMs / 1000)} s; nothing was applied. Try again when it has finished.`,
      );
    }
    if (!reported) {
      reported = true;
      options.onWait?.(await describeHolder(session, key));
    }
    await sleep(pollMs, options.signal);
  }
  return async () => {
    await session.query(UNLOCK_SQL, [key.toString()]);
  };
}

async function describeHolder(session: Session, key: bigint): Promise<string> {
  const unsigned = BigInt.asUintN(64, key);
  const high = (unsigned >> 32n).toString();
  const low = (unsigned & 0xffffffffn).toString();
  const holder = (await session.query<{ pid: number; application_name: string | null }>(LOCK_HOLDER_SQL, [high, low])).rows[0];
  const who = holder ? ` (backend ${holder.pid}${holder.application_name ? `, ${holder.application_name}` : ''})` : '';
  return `Another migration runner${who} is applying migrations; waiting for it to finish…`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
