import { PgTunerError } from '../errors';
import { parsePlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { positionAt } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { Database, Session } from './database';
import { readServerVersionNum } from './serverInfo';

export interface ExplainOptions {
  /** EXPLAIN ANALYZE: runs the statement (inside a transaction that is always rolled back). */
  analyze: boolean;
  /** Values for $1..$n; without them a statement with parameters gets a generic plan. */
  params?: unknown[];
  statementTimeoutMs?: number;
  /** READ ONLY transaction (production profiles): a write fails instead of running. */
  readOnly?: boolean;
  signal?: AbortSignal;
}

const EXPLAINABLE = /^\s*(\(\s*)*(select|with|values|table|insert|update|delete|merge)\b/i;
const PREPARED_NAME = 'pgtuner_generic_plan';

/** BEGIN and the timeout travel together in one simple-protocol round trip. */
const beginSql = (readOnly: boolean | undefined, timeoutMs: number) =>
  `${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; SET LOCAL statement_timeout = ${timeoutMs}`;
const ROLLBACK_SQL = 'ROLLBACK';
const FORCE_GENERIC_PLAN_SQL = 'SET LOCAL plan_cache_mode = force_generic_plan';
/** The prepared statement run with NULL for every parameter: only its generic plan is wanted. */
const explainPreparedSql = (paramCount: number) =>
  `EXPLAIN (FORMAT JSON) EXECUTE ${PREPARED_NAME}(${Array.from({ length: paramCount }, () => 'NULL').join(', ')})`;
const DEALLOCATE_SQL = `DEALLOCATE ${PREPARED_NAME}`;

/**
 * EXPLAIN the safe way: a session of its own, BEGIN (READ ONLY on production), SET LOCAL
 * statement_timeout, and always ROLLBACK, so DML and writable CTEs never change data.
 */
export async function explainStatement(db: Database, sql: string, options: ExplainOptions): Promise<Plan> {
  const statement = singleStatement(sql);
  return db.withSession((session) => inRolledBackTransaction(session, options, () => explainInSession(session, statement, options)), options.signal);
}

/** Runs `fn` inside BEGIN … ROLLBACK with the options' timeout and read-only mode. */
export async function inRolledBackTransaction<T>(session: Session, options: Pick<ExplainOptions, 'statementTimeoutMs' | 'readOnly'>, fn: () => Promise<T>): Promise<T> {
  await session.query(beginSql(options.readOnly, Math.max(1, Math.round(options.statementTimeoutMs ?? 30_000))));
  try {
    return await fn();
  } finally {
    await session.query(ROLLBACK_SQL).catch(() => undefined);
  }
}

/**
 * EXPLAIN inside an already open transaction (the advisor reuses one session for the baseline,
 * the what-if plans and trial builds). Parameters: bound values when given, else a generic plan.
 */
export async function explainInSession(session: Session, statement: string, options: Pick<ExplainOptions, 'analyze' | 'params'>): Promise<Plan> {
  const paramCount = highestParam(statement);
  const analyze = options.analyze ? 'ANALYZE, BUFFERS, ' : '';
  if (paramCount > 0 && !options.params?.length) return genericPlan(session, statement, paramCount);
  if (options.params && options.params.length < paramCount) {
    throw new PgTunerError('BAD_INPUT', `The statement uses $${paramCount} but only ${options.params.length} value(s) were given.`);
  }
  const prefix = `EXPLAIN (${analyze}FORMAT JSON) `;
  try {
    const r = await session.queryRaw(prefix + statement, paramCount ? options.params!.slice(0, paramCount) : undefined);
    return parsePlan(r.rows[0]['QUERY PLAN']);
  } catch (err) {
    throw explainError(err, statement, prefix.length, session);
  }
}

/** PostgreSQL 16+: EXPLAIN (GENERIC_PLAN). Older: PREPARE + plan_cache_mode = force_generic_plan. */
async function genericPlan(session: Session, statement: string, paramCount: number): Promise<Plan> {
  const version = await readServerVersionNum(session);
  if (version >= 160000) {
    const prefix = 'EXPLAIN (GENERIC_PLAN, FORMAT JSON) ';
    try {
      return parsePlan((await session.queryRaw(prefix + statement)).rows[0]['QUERY PLAN']);
    } catch (err) {
      throw explainError(err, statement, prefix.length, session);
    }
  }
  const prefix = `PREPARE ${PREPARED_NAME} AS `;
  try {
    await session.queryRaw(prefix + statement);
  } catch (err) {
    throw explainError(err, statement, prefix.length, session);
  }
  try {
    await session.query(FORCE_GENERIC_PLAN_SQL);
    return parsePlan((await session.query(explainPreparedSql(paramCount))).rows[0]['QUERY PLAN']);
  } finally {
    // Prepared statements outlive ROLLBACK; drop it so the pooled session stays clean.
    await session.query(DEALLOCATE_SQL).catch(() => undefined);
  }
}

/** Exactly one explainable statement, or a clear error. */
export function singleStatement(sql: string): string {
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new PgTunerError('BAD_INPUT', 'There is no SQL statement to explain.');
  if (statements.length > 1) {
    throw new PgTunerError('MULTIPLE_STATEMENTS', `Found ${statements.length} statements; select the one to explain (or put the cursor inside it).`);
  }
  // splitStatements gives the text from its first token to its last: no leading comments, no `;`.
  const { text } = statements[0];
  if (!EXPLAINABLE.test(text)) {
    const word = text.split(/\s+/)[0] ?? '';
    throw new PgTunerError('BAD_INPUT', `${word.toUpperCase()} cannot be explained: only SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE and MERGE statements have plans.`);
  }
  return text;
}

/** Highest $n in the statement, ignoring strings, quoted identifiers and comments. */
export function highestParam(sql: string): number {
  const code = sql
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/"(?:[^"]|"")*"/g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
  let max = 0;
  for (const m of code.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** Wraps a server error; a syntax error position is translated to line/column of the user's SQL. */
function explainError(err: unknown, statement: string, prefixLength: number, session: Session): Error {
  const e = err as { position?: string; message?: string; code?: string };
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
