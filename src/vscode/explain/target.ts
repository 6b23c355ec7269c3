/**
 * Which SQL a command runs on: an explicit `sql` argument, else the selection, else the statement
 * under the cursor. In JS/TS the selection (or the literal under the cursor) is a string or
 * template literal, turned into SQL with `${…}` interpolations as $n parameters.
 */
import * as vscode from 'vscode';
import { PgTunerError } from '../../core/errors';
import { literalAt, sqlFromJsString } from '../../core/sql/embedded';
import { splitStatements, statementAt } from '../../core/sql/split';

type PositionLike = { line: number; character: number };

/** The optional argument of pgtuner.explain / pgtuner.explainAndSuggest (tests, CodeLens). */
export interface ExplainArgs {
  sql?: string;
  /** Values for $1..$n (skips the prompt). */
  params?: unknown[];
  /** Plan the statement with its parameters unbound (skips the prompt). */
  generic?: boolean;
  /** EXPLAIN ANALYZE or plain EXPLAIN (skips the safety prompts). */
  analyze?: boolean;
  /** When ANALYZE would run functions a rollback does not undo: plain EXPLAIN, or run them (never on production). Skips that prompt. */
  sideEffects?: 'plain' | 'allow';
  /** Explain & Suggest from the estimated plan (plain EXPLAIN), without running the statement (skips the prompts). */
  withoutRunning?: boolean;
  uri?: string | vscode.Uri;
  range?: { start: PositionLike; end: PositionLike };
}

export interface StatementTarget {
  sql: string;
  document?: vscode.TextDocument;
  /** Where `sql` sits in the document, character for character (SQL files only). */
  range?: vscode.Range;
  /** JS/TS: the `${…}` expressions that became $1..$n, to name them when asking for values. */
  expressions: string[];
}

const JS_LANGUAGES = new Set(['javascript', 'typescript', 'javascriptreact', 'typescriptreact']);

export function isJsLanguage(languageId: string): boolean {
  return JS_LANGUAGES.has(languageId);
}

export async function resolveStatement(args: ExplainArgs): Promise<StatementTarget> {
  if (args.sql !== undefined) return { sql: args.sql, expressions: [] };
  const editor = vscode.window.activeTextEditor;
  const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
  const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
  if (!document) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Open a SQL file (or select SQL in a JS/TS file) to explain a query.'));
  const range = args.range
    ? new vscode.Range(args.range.start.line, args.range.start.character, args.range.end.line, args.range.end.character)
    : editor && editor.document === document
      ? editor.selection
      : undefined;

  if (isJsLanguage(document.languageId)) {
    const { sql, params } = sqlFromJsString(jsSqlText(document, range));
    return { sql, document, expressions: params };
  }

  const text = document.getText();
  if (range && !range.isEmpty) {
    const base = document.offsetAt(range.start);
    const statements = splitStatements(document.getText(range));
    // One statement: narrow to its exact text so error positions map back onto the file.
    if (statements.length === 1) return fromOffsets(document, base + statements[0].start, base + statements[0].end);
    return { sql: document.getText(range), document, expressions: [] };
  }
  const cursor = range ? document.offsetAt(range.start) : 0;
  const statement = statementAt(text, cursor);
  if (!statement)
    throw new PgTunerError(
      'BAD_INPUT',
      vscode.l10n.t('{0} has no SQL statement to explain.', vscode.workspace.asRelativePath(document.uri)),
    );
  return fromOffsets(document, statement.start, statement.end);
}

/** JS/TS: the selected text, else the string or template literal under the cursor. */
function jsSqlText(document: vscode.TextDocument, range: vscode.Range | undefined): string {
  if (range && !range.isEmpty) return document.getText(range);
  const text = document.getText();
  const literal = range && literalAt(text, document.offsetAt(range.start));
  if (!literal)
    throw new PgTunerError(
      'BAD_INPUT',
      vscode.l10n.t(
        'Put the cursor in the SQL string or template literal, or select the SQL (a concatenation of several literals needs a selection).',
      ),
    );
  return text.slice(literal.start, literal.end);
}

function fromOffsets(document: vscode.TextDocument, start: number, end: number): StatementTarget {
  const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
  return { sql: document.getText(range), document, range, expressions: [] };
}

/**
 * Rewrites "line L, column C" of an error about `target.sql` (the parser's and the server's
 * errors both say it) into the file's own line and column, and returns that position so the
 * editor can jump there.
 */
export function errorPosition(message: string, target: StatementTarget): { message: string; position?: vscode.Position } {
  const m = /\bline (\d+), column (\d+)/.exec(message);
  if (!m || !target.document || !target.range) return { message };
  const line = Number(m[1]) - 1;
  const column = Number(m[2]) - 1;
  const start = target.range.start;
  const position = new vscode.Position(start.line + line, line === 0 ? start.character + column : column);
  const file = vscode.workspace.asRelativePath(target.document.uri);
  return {
    message: message.replace(m[0], `line ${position.line + 1}, column ${position.character + 1} of ${file}`),
    position,
  };
}
