/**
 * "Measure" for a workload's index set, on request and never on production: the advice's figures
 * are the planner's estimates, these are times. The set's indexes are built for real inside one
 * transaction that is rolled back (the advisor's trial-build limits: table size, build timeout,
 * lock timeout), and every statement runs with EXPLAIN ANALYZE without and then with them, each
 * run in a savepoint rolled back at once, so both sides see the same rows and nothing is left
 * behind. A statement stopped by the statement timeout, or with side effects a rollback does not
 * undo, is not measured, and the reason is given.
 */
import { probeOfSuggestion, whatIfOptions } from '../advisor/advise';
import { baselinePlan } from '../advisor/baseline';
import { fastestOf, refuseOnProduction, trialBuild } from '../advisor/measure';
import { WhatIf } from '../advisor/whatIf';
import { Database, Session } from '../db/database';
import { rolledBack, singleStatement } from '../db/safeExplain';
import { PgTunerError } from '../errors';
import { Plan } from '../plan/types';
import { Run } from '../run';
import { highestParam } from '../sql/split';
import { ChosenIndex, StatementOutcome } from './types';

export interface MeasureWorkloadInput {
  statements: Pick<StatementOutcome, 'id' | 'sql' | 'calls' | 'params'>[];
  indexes: Pick<ChosenIndex, 'name' | 'ddl' | 'table' | 'method' | 'requires'>[];
}

export interface MeasuredStatement {
  id: string;
  /** Mean execution time over its parameter sets (the faster of two runs each); null: not run. */
  msBefore: number | null;
  msAfter: number | null;
  /** Why a side was not measured. */
  note?: string;
}

export interface WorkloadMeasurement {
  statements: MeasuredStatement[];
  /** Σ calls × ms over the statements measured on both sides. */
  weightedMsBefore: number;
  weightedMsAfter: number;
  /** Wall time of building the whole set. */
  buildMs: number;
  /** Statements that ran slower with the set: the planner judged their plan cheaper, the clock did not. */
  slower: string[];
}

/** What the faces show of a measurement beside each statement's own times: the totals, and the statements not run with why. */
export interface MeasurementSummary extends Pick<WorkloadMeasurement, 'buildMs' | 'weightedMsBefore' | 'weightedMsAfter' | 'slower'> {
  notRun: { id: string; note: string }[];
}

export function summaryOf(m: WorkloadMeasurement): MeasurementSummary {
  return {
    buildMs: m.buildMs,
    weightedMsBefore: m.weightedMsBefore,
    weightedMsAfter: m.weightedMsAfter,
    slower: m.slower,
    notRun: m.statements.flatMap((t) => (t.note ? [{ id: t.id, note: t.note }] : [])),
  };
}

/** A statement ran slower with the set when it took this much longer … */
const SLOWER_SHARE = 0.2;
/** … and at least this many milliseconds more: below it, timer and cache noise. */
const SLOWER_MIN_MS = 1;

/** Ids of the statements measured on both sides that took clearly longer with the set. */
export function slowerWhenMeasured(statements: MeasuredStatement[]): string[] {
  return statements
    .filter(
      (m) =>
        m.msBefore !== null && m.msAfter !== null && m.msAfter > m.msBefore * (1 + SLOWER_SHARE) && m.msAfter - m.msBefore >= SLOWER_MIN_MS,
    )
    .map((m) => m.id);
}

/** Times every statement without and with the whole set built (one rolled-back transaction). */
export async function measureWorkload(db: Database, input: MeasureWorkloadInput, run: Run): Promise<WorkloadMeasurement> {
  refuseOnProduction(db.profile);
  if (!input.indexes.length) throw new PgTunerError('BAD_INPUT', 'There is no index to measure: the set is empty.');
  // Measuring runs the statements: one statement each, checked before anything reaches the server.
  const given = input.statements.map((s) => ({ ...s, sql: singleStatement(s.sql) }));
  const progress = run.onProgress ?? (() => undefined);
  return db.withSession(
    (session) =>
      session.transaction(rolledBack(run.settings, false), async () => {
        const builder = new WhatIf(session, given[0]?.sql ?? 'SELECT 1', whatIfOptions(run.settings, undefined, false, false));
        // Every index is checked against the limits before anything runs: a set measured without one of its members would mislead.
        const probes = [];
        for (const ix of input.indexes) {
          const probe = { ...(await probeOfSuggestion(session, ix)), needsTrialBuild: true };
          const how = builder.method(probe);
          if (how.by !== 'trial-build') throw new PgTunerError('BAD_INPUT', `${ix.name} cannot be built to measure the set: ${how.why}`);
          probes.push(probe);
        }
        const total = given.length;
        const before = [];
        for (const [i, s] of given.entries()) {
          progress(`Running ${s.id} without the set (EXPLAIN ANALYZE, rolled back)`, i / (2 * total));
          before.push(await timeOf(session, s, run));
        }
        progress(`Building the ${probes.length} indexes of the set (rolled back afterwards)`);
        const started = performance.now();
        for (const probe of probes) await trialBuild(builder, probe);
        const buildMs = performance.now() - started;
        const statements: MeasuredStatement[] = [];
        for (const [i, s] of given.entries()) {
          progress(`Running ${s.id} with the set (EXPLAIN ANALYZE, rolled back)`, (total + i) / (2 * total));
          const after = await timeOf(session, s, run);
          const note = before[i].note ?? after.note;
          statements.push({ id: s.id, msBefore: before[i].ms, msAfter: after.ms, ...(note ? { note } : {}) });
        }
        // Only the statements run on both sides count, so that the two totals compare.
        const weighted = (side: 'msBefore' | 'msAfter') =>
          statements.reduce((sum, m, i) => (m.msBefore !== null && m.msAfter !== null ? sum + given[i].calls * m[side]! : sum), 0);
        return {
          statements,
          weightedMsBefore: weighted('msBefore'),
          weightedMsAfter: weighted('msAfter'),
          buildMs,
          slower: slowerWhenMeasured(statements),
        };
      }),
    run.signal,
  );
}

/** The statement's mean time over its parameter sets, or why it was not run. */
async function timeOf(
  session: Session,
  s: MeasureWorkloadInput['statements'][number],
  run: Run,
): Promise<{ ms: number | null; note?: string }> {
  const paramSets = s.params?.length ? s.params : [undefined];
  if (highestParam(s.sql) > 0 && !s.params?.length)
    return { ms: null, note: 'It has $n parameters without values: a generic plan runs nothing (give values in a workload file).' };
  let sum = 0;
  for (const params of paramSets) {
    let plan: Plan;
    try {
      // Each run in a savepoint rolled back at once (what an UPDATE changed is undone before the next);
      // functions with side effects a rollback does not undo get a plain EXPLAIN, not analyzed.
      plan = await fastestOf(() =>
        baselinePlan(session, s.sql, {
          analyze: true,
          params,
          sideEffects: 'plain',
          production: false,
          timeoutSeconds: run.settings.statementTimeoutSeconds,
          onTimeout: 'throw',
        }),
      );
    } catch (err) {
      if (!(err instanceof PgTunerError && err.code === 'TIMEOUT')) throw err;
      return {
        ms: null,
        note: `It ran longer than the statement timeout (${run.settings.statementTimeoutSeconds} s) and was stopped: raise pgtuner.statementTimeoutSeconds (CLI: --statement-timeout) to measure it.`,
      };
    }
    if (!plan.analyzed || plan.executionMs === null) return { ms: null, note: (plan.notes ?? []).at(-1) ?? 'It was not run.' };
    sum += plan.executionMs;
  }
  return { ms: sum / paramSets.length };
}

/** The report's statements with their measured times (null: not run). */
export function withTimes<S extends { id: string }>(
  statements: S[],
  m: WorkloadMeasurement,
): (S & Pick<MeasuredStatement, 'msBefore' | 'msAfter'>)[] {
  return statements.map((s) => {
    const t = m.statements.find((x) => x.id === s.id);
    return { ...s, msBefore: t?.msBefore ?? null, msAfter: t?.msAfter ?? null };
  });
}
