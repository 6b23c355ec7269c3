import { PgTunerError } from '../errors';
import { parsePlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { Run } from '../run';
import { secondsToMs, Settings } from '../settings/schema';
import { positionAt } from '../sql/parse';
import { highestParam, splitStatements } from '../sql/split';
import { Database, Session, TransactionMode } from './database';
import { ConnectionProfile } from './profile';
import { readServerVersionNum } from './serverInfo';
import { PLAIN_INSTEAD_NOTE, SideEffectPolicy, sideEffectsError, sideEffectsOf, verbosePlanJson } from './sideEffects';

/** One statement to plan, and how. */
export interface StatementInput {
  sql: string;
  /** Values for $1..$n; without them a statement with parameters gets a generic plan. */
  params?: unknown[];
  /**
   * ANALYZE of a statement that calls functions whose effects a rollback does not undo: 'refuse'
   * (default) throws SIDE_EFFECTS, 'plain' falls back to plain EXPLAIN with a note, 'allow' runs
   * it. Production profiles never run them: 'allow' is 'plain' there.
   */
  sideEffects?: SideEffectPolicy;
}

export interface ExplainInput extends StatementInput {
  /** EXPLAIN ANALYZE: runs the statement (inside a transaction that is always rolled back). */
  analyze: boolean;
  /**
   * Production profiles plan in a READ ONLY transaction, where a write fails instead of running;
   * the editor sets this once the user has confirmed that the statement writes (it is still
   * rolled back).
   */
  confirmedWrite?: boolean;
}

const EXPLAINABLE = /^\s*(\(\s*)*(select|with|values|table|insert|update|delete|merge)\b/i;
const PREPARED_NAME = 'pgtuner_generic_plan';

const FORCE_GENERIC_PLAN_SQL = 'SET LOCAL plan_cache_mode = force_generic_plan';
/** The prepared statement run with NULL for every parameter: only its generic plan is wanted. */
const explainPreparedSql = (paramCount: number) =>
  `EXPLAIN (FORMAT JSON) EXECUTE ${PREPARED_NAME}(${Array.from({ length: paramCount }, () => 'NULL').join(', ')})`;
const DEALLOCATE_SQL = `DEALLOCATE ${PREPARED_NAME}`;

/**
 * EXPLAIN the safe way: a session of its own, BEGIN (READ ONLY on production), a local
 * statement_timeout (setting statementTimeoutSeconds), the statement alone in one
 * extended-protocol message, always ROLLBACK, and the session reset (DISCARD ALL) before it
 * returns to the pool.
 */
export async function explainStatement(db: Database, input: ExplainInput, run: Run): Promise<Plan> {
  const statement = singleStatement(input.sql);
  const production = isProduction(db.profile);
  const mode = rolledBack(run.settings, production && !input.confirmedWrite);
  run.onProgress?.(input.analyze ? 'Running EXPLAIN ANALYZE (rolled back afterwards)' : 'Running EXPLAIN');
  return db.withSession(
    (session) => session.transaction(mode, () => explainInSession(session, statement, { ...input, production })),
    run.signal,
  );
}

/** Production profiles: read-only transactions, no trial builds, no side effects under ANALYZE. */
export const isProduction = (profile: ConnectionProfile) => profile.environment === 'production';

/** The transaction every run of user SQL gets: always rolled back, with the run's statement timeout. */
export function rolledBack(settings: Settings, readOnly: boolean): TransactionMode {
  return { readOnly, statementTimeoutMs: secondsToMs(settings.statementTimeoutSeconds) };
}

/**
 * EXPLAIN inside an already open, rolled-back transaction (the advisor reuses one session for the
 * baseline, the what-if plans and trial builds). Parameters: bound values when given, else a
 * generic plan. With ANALYZE, side effects are looked for first and handled by the policy.
 */
export async function explainInSession(
  session: Session,
  statement: string,
  options: Omit<StatementInput, 'sql'> & { analyze: boolean; production?: boolean },
): Promise<Plan> {
  const paramCount = highestParam(statement);
  if (paramCount > 0 && !options.params?.length) return genericPlan(session, statement, paramCount);
  if (options.params && options.params.length < paramCount) {
    throw new PgTunerError('BAD_INPUT', `The statement uses $${paramCount} but only ${options.params.length} value(s) were given.`);
  }
  const params = paramCount ? options.params!.slice(0, paramCount) : undefined;
  let analyze = options.analyze;
  let note: string | undefined;
  let verbose: unknown;
  if (analyze) {
    verbose = await withPosition(statement, 'EXPLAIN (VERBOSE, FORMAT JSON) '.length, session, () =>
      verbosePlanJson(session, statement, params),
    );
    const effects = await sideEffectsOf(session, statement, verbose);
    const policy = options.production && options.sideEffects === 'allow' ? 'plain' : (options.sideEffects ?? 'refuse');
    if (effects.length && policy === 'refuse') throw sideEffectsError(effects);
    if (effects.length && policy === 'plain') {
      analyze = false;
      note = PLAIN_INSTEAD_NOTE(effects);
    }
  }
  const prefix = `EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) `;
  const r = await withPosition(statement, prefix.length, session, () => session.userQuery(prefix + statement, params));
  const plan: Plan = parsePlan(r.rows[0]['QUERY PLAN']);
  if (verbose !== undefined) plan.verbose = parsePlan(verbose).root;
  return note ? { ...plan, notes: [...(plan.notes ?? []), note] } : plan;
}

/** PostgreSQL 16+: EXPLAIN (GENERIC_PLAN). Older: PREPARE + plan_cache_mode = force_generic_plan. */
async function genericPlan(session: Session, statement: string, paramCount: number): Promise<Plan> {
  const version = await readServerVersionNum(session);
  if (version >= 160000) {
    const prefix = 'EXPLAIN (GENERIC_PLAN, FORMAT JSON) ';
    return parsePlan(
      (await withPosition(statement, prefix.length, session, () => session.userQuery(prefix + statement))).rows[0]['QUERY PLAN'],
    );
  }
  const prefix = `PREPARE ${PREPARED_NAME} AS `;
  await withPosition(statement, prefix.length, session, () => session.userQuery(prefix + statement));
  try {
    await session.query(FORCE_GENERIC_PLAN_SQL);
    return parsePlan((await session.query(explainPreparedSql(paramCount))).rows[0]['QUERY PLAN']);
  } finally {
    // The advisor plans again on this session. After an error the transaction is aborted and this
    // fails, which is harmless: the session's DISCARD ALL on release deallocates it anyway.
    await session.query(DEALLOCATE_SQL).catch(() => undefined);
  }
}

/** Exactly one explainable statement, or a clear error. */
export function singleStatement(sql: string): string {
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new PgTunerError('BAD_INPUT', 'There is no SQL statement to explain.');
  if (statements.length > 1) {
    throw new PgTunerError(
      'MULTIPLE_STATEMENTS',
      `Found ${statements.length} statements; select the one to explain (or put the cursor inside it).`,
    );
  }
  // splitStatements gives the text from its first token to its last: no leading comments, no `;`.
  const { text } = statements[0];
  if (!EXPLAINABLE.test(text)) {
    const word = text.split(/\s+/)[0] ?? '';
    throw new PgTunerError(
      'BAD_INPUT',
      `${word.toUpperCase()} cannot be explained: only SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE and MERGE statements have plans.`,
    );
  }
  return text;
}

/** Runs a statement built as prefix + user text; a server error's position becomes line/column of the user's SQL. */
async function withPosition<T>(statement: string, prefixLength: number, session: Session, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw explainError(err, statement, prefixLength, session);
  }
}

function explainError(err: unknown, statement: string, prefixLength: number, session: Session): Error {
  const e = err as { position?: string; message?: string; code?: string };
  if (/cannot insert multiple commands/.test(e.message ?? '')) {
    return new PgTunerError(
      'MULTIPLE_STATEMENTS',
      'The server read more than one statement in this text; select only the statement to explain.',
      { sqlState: e.code, cause: err },
    );
  }
  const wrapped = session.wrapError(err);
  if (e.position && e.code && /^42/.test(e.code)) {
    const offset = Number(e.position) - 1 - prefixLength;
    if (offset >= 0 && offset <= statement.length) {
      const { line, column } = positionAt(statement, offset);
      const code = e.code === '42601' ? 'PARSE_ERROR' : 'QUERY_FAILED';
      return new PgTunerError(code, `${e.message} (line ${line}, column ${column})`, { sqlState: e.code, cause: err });
    }
  }
  return wrapped;
}
