import { Session } from '../db/database';
import { explainInSession, StatementInput } from '../db/safeExplain';
import { PgTunerError } from '../errors';
import { Plan } from '../plan/types';

/** Savepoint names are fixed here, never taken from input. */
const SAVEPOINT_SQL = 'SAVEPOINT pgtuner_baseline';
const ROLLBACK_TO_SAVEPOINT_SQL = 'ROLLBACK TO SAVEPOINT pgtuner_baseline';
const RELEASE_SAVEPOINT_SQL = 'RELEASE SAVEPOINT pgtuner_baseline';

export type BaselineOptions = Omit<StatementInput, 'sql'> & {
  analyze: boolean;
  production: boolean;
  timeoutSeconds: number;
  /** Past the statement timeout under ANALYZE: the estimated plan (advice), or the TIMEOUT error (measuring). */
  onTimeout?: 'estimate' | 'throw';
};

/**
 * The advisor's baseline plan, inside a savepoint rolled back at once. What an UPDATE or DELETE
 * changed under ANALYZE is undone before the what-if plans and measurements look at the table (the
 * rows it matched are still there for them). And a statement that outlives the statement timeout
 * under ANALYZE leaves the transaction usable: it is planned with plain EXPLAIN instead, so the
 * slowest statement, the one a user brings, still gets advice from the estimated plan (or, when
 * measuring, the TIMEOUT error: an estimate is not a time).
 */
export async function baselinePlan(session: Session, statement: string, options: BaselineOptions): Promise<Plan> {
  await session.query(SAVEPOINT_SQL);
  let plan: Plan;
  try {
    plan = await explainInSession(session, statement, options);
  } catch (err) {
    // A user's cancel is CANCELLED; only the statement timeout falls back.
    if (!options.analyze || !(err instanceof PgTunerError && err.code === 'TIMEOUT')) throw err;
    await session.query(ROLLBACK_TO_SAVEPOINT_SQL);
    if (options.onTimeout === 'throw') {
      await session.query(RELEASE_SAVEPOINT_SQL);
      throw err;
    }
    const estimated = await explainInSession(session, statement, { ...options, analyze: false });
    const note =
      `EXPLAIN ANALYZE ran longer than the statement timeout (${options.timeoutSeconds} s) and was stopped: ` +
      'the advice comes from the estimated plan (plain EXPLAIN, nothing measured).';
    plan = { ...estimated, notes: [...(estimated.notes ?? []), note] };
  }
  await session.query(ROLLBACK_TO_SAVEPOINT_SQL);
  await session.query(RELEASE_SAVEPOINT_SQL);
  return plan;
}
