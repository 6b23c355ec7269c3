import { ConnectionLostError } from '../db/connectionErrors';
import { Database } from '../db/database';
import { ConnectionProfile } from '../db/profile';
import { isProduction, rolledBack, singleStatement, StatementInput } from '../db/safeExplain';
import { PgTunerError } from '../errors';
import { walkPlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { Run } from '../run';
import { highestParam } from '../sql/split';
import { probeOfSuggestion, whatIfOptions } from './advise';
import { baselinePlan } from './baseline';
import { Measured, Suggestion } from './types';
import { IndexProbe, WhatIf } from './whatIf';

/** The statement of an advice and one of its suggestions to measure for real. */
export interface MeasureInput extends StatementInput {
  suggestion: Suggestion;
  /** The name of one of the suggestion's alternatives to measure instead (the index the user picked on the card). */
  alternative?: string;
}

export type MeasureResult = Measured & { before: Plan; after: Plan | null };

/** Each side runs this many times and the faster run counts: the first run pays for a cold cache. */
const RUNS = 2;

/**
 * "Measure" on request: a HypoPG-verified suggestion only has estimated costs. This builds the
 * index for real inside a transaction that is rolled back (the advisor's trial-build limits: size,
 * build timeout, lock timeout, memory), runs the statement with EXPLAIN ANALYZE without and then
 * with it (each run in a savepoint rolled back at once, so both see the same rows; side effects
 * and the statement timeout are handled as the advisor's baseline handles them), and returns both
 * times. Nothing is left behind. Refused on production profiles: the build holds a SHARE lock.
 */
export async function measureSuggestion(db: Database, input: MeasureInput, run: Run): Promise<MeasureResult> {
  refuseOnProduction(db.profile);
  const statement = singleStatement(input.sql);
  const index = indexToMeasure(input.suggestion, input.alternative);
  if (highestParam(statement) > 0 && !input.params?.length)
    throw new PgTunerError(
      'BAD_INPUT',
      `Measuring runs the statement, and it has $n parameters without values (a generic plan runs nothing): explain it with values, then measure ${index.name}.`,
    );
  const progress = run.onProgress ?? (() => undefined);
  const timeoutSeconds = run.settings.statementTimeoutSeconds;
  const runStatement = (session: Parameters<typeof baselinePlan>[0]) =>
    fastestOf(() =>
      baselinePlan(session, statement, {
        analyze: true,
        params: input.params,
        sideEffects: input.sideEffects,
        production: false,
        timeoutSeconds,
      }),
    );
  return db.withSession(
    (session) =>
      session.transaction(rolledBack(run.settings, false), async () => {
        // Forced to a real build: measuring is what HypoPG cannot do.
        const probe = { ...(await probeOfSuggestion(session, index)), needsTrialBuild: true };
        const whatIf = new WhatIf(session, statement, whatIfOptions(run.settings, input.params, false, false));
        const how = whatIf.method(probe);
        if (how.by !== 'trial-build') throw new PgTunerError('BAD_INPUT', `${index.name} cannot be measured here: ${how.why}`);

        progress(`Running the statement without ${index.name} (EXPLAIN ANALYZE, rolled back)`);
        const before = await runStatement(session);
        const result: MeasureResult = {
          name: index.name,
          msBefore: timeOf(before),
          msAfter: null,
          buildMs: null,
          runs: RUNS,
          notes: [],
          before,
          after: null,
        };
        // Not run (past the timeout, side effects): the after-time may still fit in the timeout with the index.
        if (!before.analyzed) result.notes.push(`Without ${index.name}: ${lastNote(before)}`);

        progress(`Building ${index.name} (trial build, rolled back afterwards)`);
        const started = performance.now();
        await trialBuild(whatIf, probe);
        result.buildMs = performance.now() - started;

        progress(`Running the statement with ${index.name} (EXPLAIN ANALYZE, rolled back)`);
        const after = await runStatement(session);
        result.after = after;
        result.msAfter = timeOf(after);
        if (!after.analyzed) result.notes.push(`With ${index.name}: ${lastNote(after)}`);
        else if (!index.ddl.includes(' ON ONLY ') && !usesIndex(after, index.name))
          result.notes.push(`The planner did not use ${index.name} when the statement ran: the time after is without it.`);
        return result;
      }),
    run.signal,
  );
}

/**
 * `advise --measure`: measures every HypoPG-verified suggestion and alternative of an advice (one
 * rolled-back transaction each) and fills in their `measured`. One that cannot be measured (above
 * the trial-build limit, the build failed) gets the reason in its notes; a cancel stops them all.
 */
export async function measureAdvice(db: Database, input: StatementInput & { suggestions: Suggestion[] }, run: Run): Promise<void> {
  refuseOnProduction(db.profile);
  for (const suggestion of input.suggestions) {
    if (suggestion.evidence.verifiedBy !== 'hypopg') continue;
    const one = async (alternative?: string): Promise<Measured> => {
      try {
        const { before: _before, after: _after, ...measured } = await measureSuggestion(db, { ...input, suggestion, alternative }, run);
        return measured;
      } catch (err) {
        if (!(err instanceof PgTunerError) || !['BAD_INPUT', 'QUERY_FAILED', 'TIMEOUT'].includes(err.code)) throw err;
        return { name: alternative ?? suggestion.name, msBefore: null, msAfter: null, buildMs: null, runs: 0, notes: [err.message] };
      }
    };
    suggestion.evidence.measured = await one();
    for (const alt of suggestion.alternatives ?? []) if (alt.verifiedBy === 'hypopg') alt.measured = await one(alt.name);
  }
}

/** Measuring builds an index (a SHARE lock on its table while it builds): never on production. */
export function refuseOnProduction(profile: ConnectionProfile): void {
  if (isProduction(profile))
    throw new PgTunerError(
      'BAD_INPUT',
      `"${profile.name}" is a production connection: measuring builds the index for real (writes to the table wait while it builds), so it is not done there. ` +
        'Measure on a staging copy, or go by the verified estimate.',
    );
}

/** The suggestion's index, or the alternative the user picked (same table; an alternative needs no extension). */
function indexToMeasure(
  s: Suggestion,
  alternative: string | undefined,
): Pick<Suggestion, 'name' | 'ddl' | 'table' | 'method' | 'requires'> {
  if (alternative === undefined || alternative === s.name) return s;
  const alt = s.alternatives?.find((a) => a.name === alternative);
  if (!alt) throw new PgTunerError('BAD_INPUT', `${s.name} has no alternative named ${JSON.stringify(alternative)}.`);
  return { name: alt.name, ddl: alt.ddl, table: s.table, method: alt.method, requires: [] };
}

/** Builds the probe for real (in the transaction's savepoint); a failed build says which index failed. */
export async function trialBuild(whatIf: WhatIf, probe: IndexProbe): Promise<void> {
  try {
    await whatIf.apply(probe);
  } catch (err) {
    if ((err instanceof PgTunerError && err.code === 'CANCELLED') || err instanceof ConnectionLostError) throw err;
    throw new PgTunerError('QUERY_FAILED', `The trial build of ${probe.name} failed: ${(err as Error).message}`, { cause: err });
  }
}

export async function fastestOf(runOnce: () => Promise<Plan>): Promise<Plan> {
  let best = await runOnce();
  // A run that was not measured (timeout, side effects) is not repeated: it would only cost the same again.
  for (let i = 1; i < RUNS && best.analyzed; i++) {
    const next = await runOnce();
    if ((next.executionMs ?? Infinity) < (best.executionMs ?? Infinity)) best = next;
  }
  return best;
}

const timeOf = (plan: Plan) => (plan.analyzed ? plan.executionMs : null);
const lastNote = (plan: Plan) => (plan.notes ?? []).at(-1) ?? 'the statement was not run.';

function usesIndex(plan: Plan, name: string): boolean {
  for (const n of walkPlan(plan.root)) if (n.index === name) return true;
  return false;
}
