/**
 * Entry point from SQL text to the query shape. Exactly one statement is accepted: the advisor
 * explains one statement at a time, and the user must say which. pgsql-ast-parser does not know
 * every PostgreSQL construct (MERGE, NATURAL JOIN, DELETE ... USING, COLLATE ...), so callers
 * that can work from the plan alone use `tryExtractShape` and treat its error as "no shape".
 */
import { parse, type Statement } from 'pgsql-ast-parser';
import { PgTunerError } from '../errors';
import type { QueryShape, SourcePosition } from './shape';
import { knownColumnsOf, ShapeBuilder } from './shapeBuilder';
import { splitStatements } from './split';

export function extractShape(sql: string): QueryShape {
  const statement = parseOne(sql);
  // First pass learns which columns each table has from qualified and single-table references;
  // the second uses that to attribute unqualified columns in joins.
  const firstPass = new ShapeBuilder(new Map()).build(statement);
  return new ShapeBuilder(knownColumnsOf(firstPass)).build(statement);
}

/** Like extractShape, but hands back the error instead of throwing it. */
export function tryExtractShape(sql: string): { shape: QueryShape } | { error: PgTunerError } {
  try {
    return { shape: extractShape(sql) };
  } catch (err) {
    if (err instanceof PgTunerError) return { error: err };
    return {
      error: new PgTunerError('INTERNAL', `Could not analyse the statement: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      }),
    };
  }
}

function parseOne(sql: string): Statement {
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new PgTunerError('BAD_INPUT', 'No SQL statement found: the text is empty or only comments.');
  if (statements.length > 1) {
    throw new PgTunerError(
      'MULTIPLE_STATEMENTS',
      `Found ${statements.length} statements; select one statement (or put the cursor in it) and run again.`,
    );
  }
  let parsed: Statement[];
  try {
    parsed = parse(sql);
  } catch (err) {
    throw syntaxError(sql, err);
  }
  if (parsed.length !== 1) {
    throw new PgTunerError(
      'MULTIPLE_STATEMENTS',
      `Found ${parsed.length} statements; select one statement (or put the cursor in it) and run again.`,
    );
  }
  return parsed[0];
}

/** The parser's error as `Syntax error at line L, column C near "token"`, 1-based. */
function syntaxError(sql: string, err: unknown): PgTunerError {
  const offset = errorOffset(sql, err);
  if (offset === undefined) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new PgTunerError('PARSE_ERROR', `Syntax error: ${detail}`, { cause: err });
  }
  const { line, column } = positionAt(sql, offset);
  const near = sql.slice(offset).match(/^\s*("[^"]*"?|'[^']*'?|[\w$]+|\S)/)?.[1];
  const where = near ? ` near "${near.length > 30 ? `${near.slice(0, 30)}…` : near}"` : ': the statement ends too early';
  return new PgTunerError('PARSE_ERROR', `Syntax error at line ${line}, column ${column}${where}`, { cause: err });
}

/** Where the parser stopped: the offending token, else the line/column its lexer reports, else
 *  the end of the text when the statement is incomplete. */
function errorOffset(sql: string, err: unknown): number | undefined {
  const tokenOffset = (err as { token?: { offset?: unknown } } | null)?.token?.offset;
  if (typeof tokenOffset === 'number') return tokenOffset;
  const message = err instanceof Error ? err.message : '';
  const reported = /at line (\d+) col (\d+)/.exec(message);
  if (reported) {
    const lines = sql.split('\n').slice(0, Number(reported[1]) - 1);
    return lines.reduce((sum, l) => sum + l.length + 1, 0) + Number(reported[2]) - 1;
  }
  return /end of input/i.test(message) ? sql.trimEnd().length : undefined;
}

/** 1-based line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, offset };
}
