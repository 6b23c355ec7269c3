/**
 * CREATE INDEX CONCURRENTLY (and DROP INDEX CONCURRENTLY) waits, silently, for every older
 * transaction in the database: one session left "idle in transaction" stalls the build for as
 * long as it stays open. While a migration runs, a second session looks at what the runner's
 * backend waits for and names the blockers, so the user knows which session to end.
 */
import { Database, Session } from '../db/database';

export interface Blocker {
  pid: number;
  applicationName: string;
  state: string;
  /** Seconds since the blocker's transaction started. */
  transactionSeconds: number | null;
  query: string;
}

const BLOCKERS_SQL = `
SELECT b.pid, coalesce(nullif(b.application_name, ''), b.usename::text, '?') AS "applicationName",
       coalesce(b.state, '?') AS state,
       extract(epoch FROM now() - b.xact_start)::int AS "transactionSeconds",
       left(b.query, 120) AS query
  FROM pg_stat_activity b
 WHERE b.pid = ANY (pg_blocking_pids($1))
 ORDER BY b.xact_start`;

export async function readBlockers(session: Session, pid: number): Promise<Blocker[]> {
  return (await session.query<Blocker>(BLOCKERS_SQL, [pid])).rows;
}

export function describeBlockers(blockers: Blocker[]): string {
  const list = blockers.map((b) => {
    const age = b.transactionSeconds === null ? '' : `, transaction open ${b.transactionSeconds} s`;
    return `backend ${b.pid} (${b.applicationName}, ${b.state}${age}: ${b.query.replace(/\s+/g, ' ').trim()})`;
  });
  return `Waiting for ${list.join('; ')}. A concurrent index build waits for every older transaction to end: finish or cancel ${blockers.length > 1 ? 'them' : 'it'} (pg_cancel_backend / pg_terminate_backend).`;
}

/**
 * Checks every `intervalMs` what backend `pid` waits for and reports it (once per change of
 * the blocker set). Returns the function that stops watching.
 */
export function watchBlockers(db: Database, pid: number, report: (message: string) => void, intervalMs = 5_000): () => void {
  let last = '';
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    db.withSession((s) => readBlockers(s, pid))
      .then((blockers) => {
        const key = blockers.map((b) => b.pid).join(',');
        if (blockers.length && key !== last) report(describeBlockers(blockers));
        last = key;
      })
      .catch(() => undefined) // a failed look is only a missed hint; the migration itself goes on
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
