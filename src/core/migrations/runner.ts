/**
 * Applies pending migrations and rolls applied ones back, one runner at a time.
 *
 * Everything that can be checked is checked before the first statement runs: the folder
 * (missing .down, duplicates, unreadable files), changed checksums (of the up and of the down), transaction control inside
 * files. Then each migration runs in its own transaction together with its tracking row, or,
 * when it holds statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY …),
 * statement by statement with the tracking row written only after the last one succeeded.
 */
import { DatabaseError } from 'pg';
import { ConnectionLostError, connectionLossIn } from '../db/connectionErrors';
import { Database, Session } from '../db/database';
import { readServerVersionNum } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { qualifiedName } from '../sql/ident';
import { positionAt } from '../sql/parse';
import { watchBlockers } from './blockers';
import { describeConvention } from './conventions';
import { assertRunnable, Migration, MigrationFolder, MigrationSection, readMigrationFolder } from './files';
import { dropNewInvalidIndexes, indexBuildTarget, indexesOfTable, skippedInvalidIndex } from './invalidIndexes';
import { acquireMigrationLock, LockOptions } from './lock';
import { ExecutionPlan, planExecution, PlannedStatement } from './statements';
import { assertUnchanged } from './status';
import { AppliedRow, openTracking, recordDownChecksum, Tracking, trackingSchemaOf } from './tracking';

export interface ApplyInput {
  /** The migrations folder. */
  directory: string;
  /**
   * Asked while the migration lock is held, with what will run (the pending migrations for apply,
   * the ones to undo for rollback), before anything changes; false runs nothing. Not asked when
   * there is nothing to run. This is where a production confirmation belongs: counted before the
   * lock, another runner could change what is pending.
   */
  confirm?: (names: string[]) => Promise<boolean>;
  /** How long to wait for another runner's lock and how often to try (tests poll faster). */
  lock?: Pick<LockOptions, 'timeoutMs' | 'pollMs'>;
}

export interface RollbackInput extends ApplyInput {
  /** How many applied migrations to undo, newest first. */
  steps: number;
}

export interface MigrationRun {
  name: string;
  file: string;
  executionMs: number;
  transactional: boolean;
}

export interface MigrationFailure {
  name: string;
  file: string;
  line?: number;
  message: string;
  sqlState?: string;
  transactional: boolean;
  /** Statements that ran before the failing one (outside a transaction they stay applied). */
  statementsRun: number;
  statementsTotal: number;
  /** INVALID indexes a failed concurrent build left and the runner dropped. */
  droppedInvalidIndexes: string[];
}

export interface ApplyResult {
  directory: string;
  convention: string;
  trackingTable: string;
  applied: MigrationRun[];
  failed?: MigrationFailure;
  /** Pending migrations not attempted (after a failure, or when not confirmed). */
  notRun: string[];
  /** The confirm callback answered no: nothing ran and nothing was created. */
  declined?: boolean;
}

export interface RollbackResult {
  directory: string;
  trackingTable: string;
  rolledBack: MigrationRun[];
  failed?: MigrationFailure;
  notRun: string[];
  declined?: boolean;
}

const GET_STATEMENT_TIMEOUT_SQL = `SELECT current_setting('statement_timeout') AS value`;
const SET_STATEMENT_TIMEOUT_SQL = `SELECT set_config('statement_timeout', $1, false)`;
/** No statement_timeout while migrating: a long index build must be allowed to finish. */
const MIGRATION_STATEMENT_TIMEOUT = '0';

/**
 * Applies every pending migration in version order; stops at the first failure. Cancelled
 * (run.signal), it stops the running statement on the server and throws CANCELLED naming what
 * was applied before; the interrupted migration is not recorded.
 */
export async function applyPending(db: Database, input: ApplyInput, run: Run): Promise<ApplyResult> {
  const folder = await readMigrationFolder(input.directory);
  assertRunnable(folder);
  const schema = trackingSchemaOf(run.settings);
  const result = await withMigrationSession(db, schema, input, run, async (session) => {
    // Read (works on a missing or older table) and confirm before creating or upgrading anything.
    const tracking = await openUsableTracking(session, schema, folder);
    const applied = await tracking.read();
    assertUnchanged(folder.migrations, applied);
    const done = new Set(applied.map((a) => a.name));
    const pending = folder.migrations.filter((m) => !done.has(m.name));
    const versionNum = await readServerVersionNum(session);
    const plans: Step[] = pending.map((m) => ({
      migration: m,
      file: m.upFile,
      plan: planFor(m, m.up, versionNum),
      track: (ms) => tracking.record(m, ms),
    }));

    const result: ApplyResult = {
      directory: input.directory,
      convention: describeConvention(folder.convention),
      trackingTable: tracking.table,
      applied: [],
      notRun: [],
    };
    if (pending.length && input.confirm && !(await input.confirm(pending.map((m) => m.name)))) {
      return { ...result, notRun: pending.map((m) => m.name), declined: true };
    }
    await tracking.ensure();
    if (tracking.own) await recordLegacyDownChecksums(session, schema, folder, applied, run.onProgress);
    const { ran, failed, notRun } = await runSteps(
      session,
      plans,
      run,
      (step) => `Applying ${step.migration.name}${step.plan.transactional ? '' : ` (outside a transaction: ${step.plan.reason})`}…`,
    );
    return { ...result, applied: ran, failed, notRun };
  });
  if (run.signal?.aborted) throwIfCut('applied', 'is not recorded as applied', result.applied, result.failed, result.notRun);
  return result;
}

/** Rolls back the last `steps` applied migrations (newest first) with their down SQL; cancelled, like applyPending. */
export async function rollback(db: Database, input: RollbackInput, run: Run): Promise<RollbackResult> {
  const { steps } = input;
  if (!Number.isInteger(steps) || steps < 1)
    throw new PgTunerError('BAD_INPUT', `The number of migrations to roll back must be a whole number of at least 1 (got ${steps}).`);
  const folder = await readMigrationFolder(input.directory);
  assertRunnable(folder);
  const schema = trackingSchemaOf(run.settings);
  const result = await withMigrationSession(db, schema, input, run, async (session) => {
    const tracking = await openUsableTracking(session, schema, folder);
    const applied = await tracking.read();
    if (steps > applied.length) {
      throw new PgTunerError(
        'BAD_INPUT',
        `Only ${applied.length} migration(s) are applied in ${tracking.table}; cannot roll back ${steps}. Nothing was rolled back.`,
      );
    }
    const targets = applied.slice(-steps).reverse();
    assertUnchanged(folder.migrations, targets);
    const versionNum = await readServerVersionNum(session);
    const plans: Step[] = targets.map((row) => {
      const migration = migrationFor(folder, row);
      return {
        migration,
        file: migration.downFile as string,
        plan: planFor(migration, migration.down as MigrationSection, versionNum),
        track: (ms) => tracking.forget(migration, ms),
      };
    });

    const result: RollbackResult = { directory: input.directory, trackingTable: tracking.table, rolledBack: [], notRun: [] };
    if (input.confirm && !(await input.confirm(plans.map((p) => p.migration.name)))) {
      return { ...result, notRun: plans.map((p) => p.migration.name), declined: true };
    }
    for (const row of targets.filter((t) => tracking.own && t.downChecksum === null)) {
      run.onProgress?.(
        `${row.name} was applied by an older PG Tuner that did not record its down checksum; running its down file as it is now.`,
      );
    }
    const { ran, failed, notRun } = await runSteps(session, plans, run, (step) => `Rolling back ${step.migration.name}…`);
    return { ...result, rolledBack: ran, failed, notRun };
  });
  if (run.signal?.aborted) throwIfCut('rolled back', 'is still recorded as applied', result.rolledBack, result.failed, result.notRun);
  return result;
}

/** The tracking table, refused when its tool says a migration stopped halfway (dirty). */
async function openUsableTracking(session: Session, schema: string, folder: MigrationFolder): Promise<Tracking> {
  const tracking = await openTracking(session, schema, folder);
  if (tracking.dirty) throw new PgTunerError('MIGRATION_ERROR', tracking.dirty);
  return tracking;
}

/**
 * A cancel that cut the run short ends in CANCELLED (the CLI exits 130), saying what was done
 * and what was not. Thrown after the session is released, so the message is kept as it is.
 */
function throwIfCut(
  verb: string,
  stoppedState: string,
  done: MigrationRun[],
  stopped: MigrationFailure | undefined,
  notRun: string[],
): void {
  if (!stopped && notRun.length === 0) return;
  const parts = ['Cancelled by the user.'];
  if (stopped) parts.push(`${stopped.name} did not complete and ${stoppedState}: ${stopped.message.replace(/\.?$/, '.')}`);
  parts.push(
    done.length
      ? `${verb[0].toUpperCase()}${verb.slice(1)} before the cancel: ${done.map((r) => r.name).join(', ')}.`
      : `Nothing was ${verb}.`,
  );
  if (notRun.length) parts.push(`Not run: ${notRun.join(', ')}.`);
  throw new PgTunerError('CANCELLED', parts.join(' '), { sqlState: stopped?.sqlState });
}

/**
 * Rows an older PG Tuner wrote have no down checksum: record the down file as it is now (after
 * the up checksum matched), so from now on a changed down is refused like a changed up.
 */
async function recordLegacyDownChecksums(
  session: Session,
  schema: string,
  folder: MigrationFolder,
  applied: AppliedRow[],
  onProgress: Run['onProgress'],
): Promise<void> {
  const byName = new Map(folder.migrations.map((m) => [m.name, m]));
  const legacy = applied.filter((a) => a.downChecksum === null && byName.has(a.name));
  for (const row of legacy) await recordDownChecksum(session, schema, row.name, (byName.get(row.name) as Migration).downChecksum);
  if (legacy.length) onProgress?.(`Recorded the down checksum of ${legacy.length} migration(s) applied by an older PG Tuner.`);
}

function migrationFor(folder: MigrationFolder, row: AppliedRow): Migration {
  const migration = folder.migrations.find((m) => m.name === row.name);
  if (!migration) {
    throw new PgTunerError(
      'BAD_INPUT',
      `${row.name} is applied but its file is not in ${folder.directory}; restore it to roll it back. Nothing was rolled back.`,
    );
  }
  if (!migration.down) {
    throw new PgTunerError(
      'BAD_INPUT',
      `${migration.name} has no down SQL (${migration.upFile}), so it cannot be rolled back. Nothing was rolled back.` +
        // Flyway Community has no undo: say which file Flyway Teams (and PG Tuner) would run.
        (folder.convention.layout === 'flyway' ? ` Its undo file would be U${migration.version}__<description>.sql.` : ''),
    );
  }
  return migration;
}

function planFor(migration: Migration, section: MigrationSection, versionNum: number): ExecutionPlan {
  try {
    return planExecution(section, versionNum);
  } catch (err) {
    if (err instanceof PgTunerError) throw new PgTunerError(err.code, `Nothing was run: ${migration.name}, ${err.message}`);
    throw err;
  }
}

/**
 * One session for the whole run (the migration lock is held by the session) with a
 * statement_timeout suited to migrations, restored afterwards (the session goes back to a pool).
 * A second session watches what it waits for (a concurrent index build waits for every older
 * transaction) and names the blockers through onProgress.
 */
async function withMigrationSession<T>(
  db: Database,
  schema: string,
  input: ApplyInput,
  run: Run,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  return db.withSession(async (session) => {
    const previousTimeout = (await session.query<{ value: string }>(GET_STATEMENT_TIMEOUT_SQL)).rows[0].value;
    await session.query(SET_STATEMENT_TIMEOUT_SQL, [MIGRATION_STATEMENT_TIMEOUT]);
    const stopWatching = run.onProgress ? watchBlockers(db, session.pid, run.onProgress) : () => undefined;
    try {
      const release = await acquireMigrationLock(session, schema, { ...input.lock, signal: run.signal, onWait: run.onProgress });
      try {
        return await fn(session);
      } finally {
        // On a lost connection the server has already released the lock; keep the original error.
        await release().catch(() => undefined);
      }
    } finally {
      stopWatching();
      await session.query(SET_STATEMENT_TIMEOUT_SQL, [previousTimeout]).catch(() => undefined);
    }
  }, run.signal);
}

/** One migration to run in one direction: its file, how it runs, and what records it. */
interface Step {
  migration: Migration;
  file: string;
  plan: ExecutionPlan;
  /** Writes (apply) or removes (rollback) the tracking row; inside the transaction when there is one. */
  track: (ms: number) => Promise<unknown>;
}

/** Runs the steps in order, up to the first failure or a cancel. */
async function runSteps(
  session: Session,
  steps: Step[],
  run: Run,
  announce: (step: Step) => string,
): Promise<{ ran: MigrationRun[]; failed?: MigrationFailure; notRun: string[] }> {
  const ran: MigrationRun[] = [];
  for (const [i, step] of steps.entries()) {
    if (run.signal?.aborted) return { ran, notRun: steps.slice(i).map((s) => s.migration.name) };
    run.onProgress?.(announce(step));
    const outcome = await runStep(session, step);
    if ('failure' in outcome) return { ran, failed: outcome.failure, notRun: steps.slice(i + 1).map((s) => s.migration.name) };
    ran.push(outcome.run);
  }
  return { ran, notRun: [] };
}

type StepOutcome = { run: MigrationRun } | { failure: MigrationFailure };

async function runStep(session: Session, { migration, file, plan, track }: Step): Promise<StepOutcome> {
  const started = performance.now();
  const failure = plan.transactional
    ? await runInTransaction(session, plan, track, started)
    : await runOutsideTransaction(session, plan, track, started);
  if (failure)
    return {
      failure: { name: migration.name, file, transactional: plan.transactional, statementsTotal: plan.statements.length, ...failure },
    };
  return { run: { name: migration.name, file, executionMs: Math.round(performance.now() - started), transactional: plan.transactional } };
}

type FailureDetail = Pick<MigrationFailure, 'line' | 'message' | 'sqlState' | 'statementsRun' | 'droppedInvalidIndexes'>;

async function runInTransaction(
  session: Session,
  plan: ExecutionPlan,
  track: (ms: number) => Promise<unknown>,
  started: number,
): Promise<FailureDetail | undefined> {
  let index = 0;
  try {
    await session.transaction({ commit: true }, async () => {
      for (; index < plan.statements.length; index++) await session.queryRaw(plan.statements[index].text);
      await track(performance.now() - started);
    });
    return undefined;
  } catch (err) {
    throwIfConnectionLost(err);
    const statement = plan.statements[index] as PlannedStatement | undefined;
    return { ...describeError(err, statement), statementsRun: 0, droppedInvalidIndexes: [] };
  }
}

async function runOutsideTransaction(
  session: Session,
  plan: ExecutionPlan,
  track: (ms: number) => Promise<unknown>,
  started: number,
): Promise<FailureDetail | undefined> {
  for (const [index, statement] of plan.statements.entries()) {
    const target = indexBuildTarget(statement.text);
    const before = target ? await indexesOfTable(session, target.relation) : [];
    const stale = target && skippedInvalidIndex(target, before);
    if (stale) {
      const name = qualifiedName(stale.schema, stale.name);
      return {
        line: statement.line,
        statementsRun: index,
        droppedInvalidIndexes: [],
        message:
          `The index ${name} already exists but is INVALID (left by an earlier failed build), so IF NOT EXISTS would skip it. ` +
          `Drop it (DROP INDEX CONCURRENTLY ${name};) and apply again.${ranBefore(index)}`,
      };
    }
    try {
      await session.queryRaw(statement.text);
    } catch (err) {
      // Statements outside a transaction stay applied when the connection goes: say which.
      if (connectionLossIn(err) && index > 0) throw new ConnectionLostError(`${(err as Error).message}.${ranBefore(index)}`, err);
      throwIfConnectionLost(err);
      const dropped = target ? await dropNewInvalidIndexes(session, target, before) : [];
      const cleanup = dropped.length ? ` The failed build left the INVALID index ${dropped.join(', ')}; PG Tuner dropped it.` : '';
      const detail = describeError(err, statement);
      return { ...detail, message: detail.message + cleanup + ranBefore(index), statementsRun: index, droppedInvalidIndexes: dropped };
    }
  }
  await track(performance.now() - started);
  return undefined;
}

/** A lost connection is not a failed migration: the server rolled its transaction back and the whole run stops (withSession says so). */
function throwIfConnectionLost(err: unknown): void {
  if (connectionLossIn(err)) throw err;
}

function ranBefore(index: number): string {
  return index === 0
    ? ''
    : ` The ${index} statement(s) before it ran outside a transaction and stay applied; the migration is not recorded, so make them re-runnable (IF NOT EXISTS) and apply again.`;
}

/** The server's message with its detail and the file line it points at. */
function describeError(err: unknown, statement: PlannedStatement | undefined): Pick<MigrationFailure, 'line' | 'message' | 'sqlState'> {
  if (err instanceof PgTunerError) return { line: statement?.line, message: err.message, sqlState: err.sqlState };
  const e = err as Partial<DatabaseError>;
  let line = statement?.line;
  if (statement && e.position) line = (line ?? 1) + positionAt(statement.text, Number(e.position) - 1).line - 1;
  const message = [e.message ?? String(err), e.detail, e.hint && `Hint: ${e.hint}`].filter(Boolean).join('. ');
  return { line, message, sqlState: e.code };
}
