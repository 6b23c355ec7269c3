/** Which statements a plan helps with: queries and DML, not DDL or session commands. */
import { scanTokens } from './split';

/** The statements EXPLAIN shows a useful plan for, by their first keyword. */
const PLANNABLE = new Set(['select', 'with', 'insert', 'update', 'delete', 'merge']);

/** Whether `statement` (one statement, as splitStatements gives it) starts with SELECT, WITH, INSERT, UPDATE, DELETE or MERGE; parentheses around a query are looked through. */
export function isPlannableStatement(statement: string): boolean {
  for (const token of scanTokens(statement)) {
    if (token.kind === 'comment') continue;
    const text = statement.slice(token.start, token.end);
    if (token.kind === 'other' && text === '(') continue;
    return token.kind === 'word' && PLANNABLE.has(text.toLowerCase());
  }
  return false;
}
