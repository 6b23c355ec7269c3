import { Database, Session } from '../db/database';
import { readServerInfo } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { quoteIdent } from '../sql/ident';
import { BackupResult, backupDatabase } from './backup';
import { DecryptionKeys } from './encryption';
import { checkDecryption, checkDumpChecksum, runPgRestore } from './pgRestore';
import { reportTo } from './progress';
import { derivedDatabaseName, utcStamp } from './naming';
import { createDatabaseSql, dropDatabaseSql, siblingDatabase } from './sibling';
import { discoverTools, jobsOf, toolSearchOf } from './tools';
import { TrustOptions, requireTrusted } from './trust';

/** keys / trustUnsigned: an unauthenticated or future-dated backup is refused unless trustUnsigned. */
export interface RestoreInput extends TrustOptions {
  dumpPath: string;
  /** What opens an encrypted backup (its manifest says how it was encrypted). */
  decryption?: DecryptionKeys;
  /** The database to restore into, on the server of the connection given. */
  targetDatabase: string;
  /** Must equal targetDatabase when it is the backup's own source database. */
  confirmSourceName?: string;
  /** The user confirmed replacing an existing target, or restoring on a production connection. */
  confirmed?: boolean;
  /** Disconnect other sessions of an existing target before the swap (else the restore is refused while any is connected). */
  terminateSessions?: boolean;
  /** Where the safety backup of an existing target goes. */
  safetyDirectory: string;
}

export interface RestoreResult {
  targetDatabase: string;
  created: boolean;
  /** The backup taken of the target before it was replaced. */
  safetyBackup?: BackupResult;
  restoreMs: number;
  /** Sessions of the target disconnected for the swap. */
  terminatedSessions: number;
  /** The replaced database, when it could not be dropped after the swap (it holds the old data). */
  leftOver?: string;
}

export interface RestoreTarget {
  exists: boolean;
  /** Other sessions connected to it now. */
  sessions: number;
  production: boolean;
}

const DATABASE_EXISTS_SQL = 'SELECT 1 FROM pg_database WHERE datname = $1';
const TARGET_SESSIONS_SQL = 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()';
const TERMINATE_SESSIONS_SQL =
  'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()';
const PING_SQL = 'SELECT 1';
const renameDatabaseSql = (from: string, to: string) => `ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`;
/** SQLSTATE object_in_use: "database is being accessed by other users". */
const OBJECT_IN_USE = '55006';
const SWAP_ATTEMPTS = 3;
/** Databases to run CREATE/ALTER/DROP DATABASE from when the connection's own is the target. */
const MAINTENANCE_DATABASES = ['postgres', 'template1'];

/** What Restore Database would replace: faces ask before an existing or production target. */
export async function inspectRestoreTarget(db: Database, input: { targetDatabase: string }, run: Run): Promise<RestoreTarget> {
  const target = input.targetDatabase;
  return db.withSession(async (s) => {
    const exists = (await s.query(DATABASE_EXISTS_SQL, [target])).rowCount! > 0;
    const sessions = exists ? await countSessions(s, target) : 0;
    return { exists, sessions, production: db.profile.environment === 'production' };
  }, run.signal);
}

/**
 * Restores a trusted, verified backup into a chosen database without ever touching that database
 * until the restore has succeeded: pg_restore fills a new temporary database; only then are the
 * names swapped in one transaction (ALTER DATABASE … RENAME) and the old database dropped. An
 * existing target is backed up first, and every failure says where that safety backup is. The
 * backup's own source database is refused unless its name is typed; an existing target or a
 * production connection needs `confirmed`. pg_restore runs with pgtuner.backup.jobs workers.
 */
export async function restoreBackup(db: Database, input: RestoreInput, run: Run): Promise<RestoreResult> {
  const { targetDatabase: target, dumpPath } = input;
  const { signal, settings } = run;
  if (!target.trim()) throw new PgTunerError('BAD_INPUT', 'Name the database to restore into.');
  const { manifest } = await requireTrusted(dumpPath, input);
  if (target === manifest.database && input.confirmSourceName !== target) {
    throw new PgTunerError(
      'BAD_INPUT',
      `"${target}" is the database this backup was taken from. Restoring over it replaces its current data; confirm by typing its name.`,
    );
  }
  const checksum = await checkDumpChecksum(dumpPath, signal, manifest);
  if (!checksum.ok) throw new PgTunerError('CHECKSUM_MISMATCH', `Not restoring ${dumpPath}: ${checksum.reason}.`);
  const archive = { dumpPath, encryption: manifest.encryption, decryption: input.decryption };
  await checkDecryption(archive);

  const server = await db.withSession(readServerInfo, signal);
  const tools = await discoverTools(server.versionNum, toolSearchOf(settings));
  const before = await inspectRestoreTarget(db, input, run);
  if ((before.exists || before.production) && !input.confirmed) {
    throw new PgTunerError(
      'BAD_INPUT',
      before.exists
        ? `"${target}" exists: restoring replaces its contents (after a safety backup). Confirm to go ahead.`
        : `Restoring on the production connection "${db.profile.name}" needs confirmation.`,
    );
  }
  const stamp = utcStamp(new Date()).toLowerCase();
  const temp = derivedDatabaseName(target, `_pgtuner_restore_${stamp}`);
  const old = derivedDatabaseName(target, `_pgtuner_old_${stamp}`);
  if (new Set([target, temp, old]).size < 3)
    throw new PgTunerError('BAD_INPUT', `The database name "${target}" is too long to restore into safely.`);

  // CREATE / ALTER / DROP DATABASE run from a database that is neither the target nor the temporary one.
  const { admin, endAdmin } = await adminConnection(db, [target, temp, old]);
  let safetyBackup: BackupResult | undefined;
  const failure = (err: unknown, state: string): PgTunerError => {
    const e = err instanceof PgTunerError ? err : new PgTunerError('BACKUP_ERROR', (err as Error).message, { cause: err });
    const safety = safetyBackup
      ? ` Safety backup of "${target}" taken before the restore: ${safetyBackup.dumpPath}.`
      : before.exists
        ? ' No safety backup was taken.'
        : '';
    return new PgTunerError(e.code, `${e.message}\n${state}${safety}`, { sqlState: e.sqlState, cause: err });
  };
  const unchanged = before.exists ? `"${target}" was not changed.` : `"${target}" was not created.`;
  try {
    if (before.exists) {
      const sessions = await admin.withSession((s) => countSessions(s, target), signal);
      if (sessions > 0 && !input.terminateSessions) {
        throw new PgTunerError(
          'BAD_INPUT',
          `${sessions} other session(s) are connected to "${target}"; the restore would have to disconnect them. Close them, or confirm disconnecting them.`,
        );
      }
      const targetDb = siblingDatabase(db, target);
      try {
        // A safety backup removes nothing: retention is for the backups the user takes.
        const noRetention = { ...settings, 'backup.keep': 0, 'backup.maxAgeDays': 0 };
        safetyBackup = await backupDatabase(
          targetDb,
          // Encrypted like every backup (pgtuner.backup.encryption), with the passphrase given for this restore.
          { directory: input.safetyDirectory, keys: input.keys, passphrase: input.decryption?.passphrase },
          { ...run, settings: noRetention },
        );
      } finally {
        await targetDb.end();
      }
    }

    await admin.withSession((s) => s.query(createDatabaseSql(temp)), signal);
    const started = Date.now();
    let restoreMs: number;
    let terminatedSessions = 0;
    try {
      await runPgRestore(tools, db, archive, temp, {
        jobs: jobsOf(settings),
        tablesTotal: manifest.tables.length,
        signal,
        onProgress: reportTo(run.onProgress),
      });
      restoreMs = Date.now() - started;
      if (signal?.aborted) throw new PgTunerError('CANCELLED', 'Restore cancelled.');
      terminatedSessions = await swapIn(admin, target, temp, before.exists ? old : undefined, !!input.terminateSessions);
    } catch (err) {
      await admin.withSession((s) => s.query(dropDatabaseSql(temp, server.versionNum))).catch(() => undefined);
      throw err;
    }
    let leftOver: string | undefined;
    if (before.exists) {
      await admin
        .withSession((s) => s.query(dropDatabaseSql(old, server.versionNum)))
        .catch(() => {
          leftOver = old;
        });
    }
    return { targetDatabase: target, created: !before.exists, safetyBackup, restoreMs, terminatedSessions, leftOver };
  } catch (err) {
    if (signal?.aborted)
      throw failure(new PgTunerError('CANCELLED', 'Restore cancelled; the temporary database was dropped.', { cause: err }), unchanged);
    throw failure(err, unchanged);
  } finally {
    await endAdmin();
  }
}

async function countSessions(s: Session, target: string): Promise<number> {
  return (await s.query<{ n: number }>(TARGET_SESSIONS_SQL, [target])).rows[0].n;
}

/**
 * Gives the restored database the target's name: with an existing target, both renames in one
 * transaction (the target is either the old one or the restored one, never anything between).
 * Returns how many sessions were disconnected.
 */
async function swapIn(admin: Database, target: string, temp: string, old: string | undefined, terminateSessions: boolean): Promise<number> {
  if (!old) {
    await admin.withSession((s) => s.query(renameDatabaseSql(temp, target)));
    return 0;
  }
  let terminated = 0;
  for (let attempt = 1; ; attempt++) {
    const done = await admin.withSession(async (s) => {
      const sessions = await countSessions(s, target);
      if (sessions > 0) {
        if (!terminateSessions)
          throw new PgTunerError(
            'BAD_INPUT',
            `${sessions} other session(s) connected to "${target}" while it was being restored; not disconnecting them.`,
          );
        terminated += (await s.query<{ n: number }>(TERMINATE_SESSIONS_SQL, [target])).rows[0].n;
      }
      try {
        await s.transaction({ commit: true }, async () => {
          await s.query(renameDatabaseSql(target, old));
          await s.query(renameDatabaseSql(temp, target));
        });
        return true;
      } catch (err) {
        // A session connected between the check and the rename: try again (disconnecting it when allowed).
        if (err instanceof PgTunerError && err.sqlState === OBJECT_IN_USE && attempt < SWAP_ATTEMPTS) return false;
        throw err;
      }
    });
    if (done) return terminated;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/** `db` itself, unless it is connected to one of `avoid`: then a sibling on a maintenance database. */
async function adminConnection(db: Database, avoid: readonly string[]): Promise<{ admin: Database; endAdmin: () => Promise<void> }> {
  if (!avoid.includes(db.profile.database ?? '')) return { admin: db, endAdmin: async () => undefined };
  // Its pooled sessions would keep the target busy: they reconnect on next use.
  await db.end();
  let lastError: unknown;
  for (const name of MAINTENANCE_DATABASES) {
    const sibling = siblingDatabase(db, name);
    try {
      await sibling.query(PING_SQL);
      return { admin: sibling, endAdmin: () => sibling.end() };
    } catch (err) {
      lastError = err;
      await sibling.end().catch(() => undefined);
    }
  }
  throw lastError;
}
