import { Database, Session } from '../db/database';
import { readServerInfo } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { formatSeconds } from '../format';
import { Run } from '../run';
import { DecryptionKeys } from './encryption';
import { recordRestoreTest } from './manifest';
import { scratchDatabaseName } from './naming';
import { checkDumpChecksum, listArchive, runPgRestore } from './pgRestore';
import { ToolProgress, reportTo } from './progress';
import { createDatabaseSql, dropDatabaseSql, siblingDatabase } from './sibling';
import { discoverTools, jobsOf, toolSearchOf } from './tools';
import { TrustOptions, requireTrusted } from './trust';
import { Check, TableCheck, verificationQueriesOf, verifyRestored } from './verify';

/** The backup to prove; keys / trustUnsigned: an unauthenticated or future-dated backup is refused unless trustUnsigned. */
export interface RestoreTestInput extends TrustOptions {
  dumpPath: string;
  /** What opens an encrypted backup (its manifest says how it was encrypted). */
  decryption?: DecryptionKeys;
}

export type RestoreTestStage = 'checksum' | 'list' | 'restore' | 'verify';

export interface RestoreTestResult {
  ok: boolean;
  dumpPath: string;
  database: string;
  /** The stage that failed, when one did. */
  failedAt?: RestoreTestStage;
  message: string;
  scratchDatabase?: string;
  scratchKept: boolean;
  /** Wall time of pg_restore alone: how long a real restore of this backup takes (RTO). */
  restoreMs?: number;
  totalMs: number;
  archiveEntries?: number;
  tables: TableCheck[];
  checks: Check[];
  testedAt: string;
}

/**
 * Proves a backup restores: checksum, archive listing, pg_restore into a scratch database on the
 * server of `db`, then exact row counts, indexes, constraints, sequences and the user's queries
 * (pgtuner.backup.verificationQueries) against the manifest. The scratch database is dropped at
 * the end unless pgtuner.backup.keepScratchDatabase. Failed checks are returned (ok: false); only
 * cancellation and setup problems throw.
 */
export async function restoreTest(db: Database, input: RestoreTestInput, run: Run): Promise<RestoreTestResult> {
  const { signal, settings } = run;
  const { dumpPath } = input;
  const keepScratch = settings['backup.keepScratchDatabase'];
  const onProgress = reportTo(run.onProgress);
  const started = Date.now();
  const testedAt = (input.now ?? (() => new Date()))();
  const { manifest, verdict } = await requireTrusted(dumpPath, input);
  const keys = verdict.authenticated ? ((await input.keys?.verifyingKeys()) ?? []) : [];
  const base: RestoreTestResult = {
    ok: false,
    dumpPath,
    database: manifest.database,
    message: '',
    scratchKept: false,
    totalMs: 0,
    tables: [],
    checks: [],
    testedAt: testedAt.toISOString(),
  };
  const finish = async (partial: Partial<RestoreTestResult> & { message: string }): Promise<RestoreTestResult> => {
    const result = { ...base, ...partial, totalMs: Date.now() - started };
    await recordRestoreTest(
      dumpPath,
      { ok: result.ok, testedAt: result.testedAt, message: result.message, restoreMs: result.restoreMs },
      keys,
    ).catch(() => undefined);
    return result;
  };
  const total = manifest.tables.length;
  const progress = (phase: ToolProgress['phase'], tablesDone = 0) => onProgress?.({ phase, tablesDone, tablesTotal: total });

  progress('checksum');
  // The checksum is read while pg_restore fills the throwaway scratch database: a mismatch stops
  // pg_restore and fails the test at the checksum, and a sound dump costs no extra wall time.
  const stopRestore = new AbortController();
  const onAbort = () => stopRestore.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const checksum = checkDumpChecksum(dumpPath, signal, manifest).then((verdict) => {
    if (!verdict.ok) stopRestore.abort();
    return verdict;
  });
  checksum.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  /** The checksum failure as the result, when there is one: it explains any later error best. */
  const checksumFailure = async () => {
    const verdict = await checksum;
    return verdict.ok ? undefined : finish({ failedAt: 'checksum', message: `Checksum verification failed: ${verdict.reason}.` });
  };
  const cancelled = (err: unknown) => {
    if (signal?.aborted) throw new PgTunerError('CANCELLED', 'Restore-test cancelled; the scratch database is dropped.', { cause: err });
  };

  const archive = { dumpPath, encryption: manifest.encryption, decryption: input.decryption };
  try {
    // Decrypted data reaches pg_restore before the file's integrity check at its end: an encrypted
    // file is proven sound before anything reads it.
    if (manifest.encryption) {
      const damaged = await checksumFailure();
      if (damaged) return damaged;
    }
    const server = await db.withSession(readServerInfo, signal);
    const tools = await discoverTools(server.versionNum, toolSearchOf(settings));
    progress('listing');
    let archiveEntries: number;
    try {
      archiveEntries = await listArchive(tools, archive, signal);
    } catch (err) {
      cancelled(err);
      // A wrong passphrase or key says nothing about the backup: an error, not a failed test.
      if (err instanceof PgTunerError && err.code === 'BAD_INPUT') throw err;
      return (
        (await checksumFailure()) ??
        finish({ failedAt: 'list', message: `pg_restore --list could not read the archive: ${(err as Error).message}` })
      );
    }

    const scratch = scratchDatabaseName(manifest.database, testedAt);
    if (scratch === manifest.database || scratch === server.database) {
      throw new PgTunerError('BAD_INPUT', `Refusing to restore-test into "${scratch}": it is the source database.`);
    }
    await db.withSession((s) => s.query(createDatabaseSql(scratch)), signal);
    try {
      const restoreStarted = Date.now();
      try {
        await runPgRestore(tools, db, archive, scratch, {
          jobs: jobsOf(settings),
          tablesTotal: total,
          signal: stopRestore.signal,
          onProgress,
        });
      } catch (err) {
        cancelled(err);
        const message = (err as Error).message;
        return (
          (await checksumFailure()) ??
          (await finish({
            failedAt: 'restore',
            scratchDatabase: scratch,
            scratchKept: keepScratch,
            archiveEntries,
            message: `pg_restore failed after ${formatSeconds((Date.now() - restoreStarted) / 1000)}${/end of file/.test(message) ? ' (the archive ends early: the dump is truncated)' : ''}: ${message}`,
          }))
        );
      }
      const restoreMs = Date.now() - restoreStarted;
      const damaged = await checksumFailure();
      if (damaged) return damaged;

      progress('verifying');
      const target = siblingDatabase(db, scratch);
      try {
        const verification = await target.withSession(
          (s: Session) => verifyRestored(s, manifest, verificationQueriesOf(settings), (done) => progress('verifying', done)),
          signal,
        );
        // A query cancelled by the user reads as a failed check: the test did not finish, so it is
        // neither a result nor recorded in the manifest.
        if (signal?.aborted) throw new PgTunerError('CANCELLED', 'Cancelled during verification.');
        const failed = verification.checks.filter((c) => !c.ok);
        return await finish({
          ok: verification.ok,
          failedAt: verification.ok ? undefined : 'verify',
          scratchDatabase: scratch,
          scratchKept: keepScratch,
          restoreMs,
          archiveEntries,
          tables: verification.tables,
          checks: verification.checks,
          message: verification.ok
            ? `Restore-test passed: ${verification.tables.length} tables with exact row counts, restored in ${formatSeconds(restoreMs / 1000)}.`
            : `Restore-test failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join(' | ')}`,
        });
      } finally {
        await target.end();
      }
    } finally {
      if (!keepScratch) {
        progress('cleaning up', total);
        await db.withSession((s) => s.query(dropDatabaseSql(scratch, server.versionNum)));
      }
    }
  } catch (err) {
    cancelled(err);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
