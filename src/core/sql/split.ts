/**
 * Splits a SQL script into statements without parsing it, so files with syntax our parser does
 * not know (or with errors) still get one CodeLens per statement and a statement under the cursor.
 * The lexer follows PostgreSQL's own (scan.l): a `--` comment ends at `\n` or `\r`; block comments
 * nest; `E''` strings (and every string when standard_conforming_strings is off) take backslash
 * escapes; dollar quotes carry tags; a `;` inside a SQL-standard function body (`BEGIN ATOMIC …
 * END`) does not end the CREATE FUNCTION / PROCEDURE. Safety never rests on this split: user SQL
 * is sent one statement per extended-protocol message, which the server refuses otherwise.
 */

export interface SqlStatement {
  /** The statement from its first to its last token: no surrounding whitespace or leading comments, no `;`. */
  text: string;
  /** Offset of the first token in the original text. */
  start: number;
  /** Offset just past the last token (exclusive). */
  end: number;
}

export interface LexOptions {
  /** The server's standard_conforming_strings (default on, as since PostgreSQL 9.1). */
  standardConformingStrings?: boolean;
}

export type TokenKind = 'comment' | 'semicolon' | 'string' | 'quoted-ident' | 'word' | 'param' | 'other';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

/** Statements in source order; statements holding only whitespace and comments are dropped. */
export function splitStatements(text: string, options: LexOptions = {}): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = -1;
  let end = -1;
  let body = new AtomicBodyTracker();
  for (const token of scanTokens(text, options)) {
    if (token.kind === 'comment') continue;
    if (token.kind === 'semicolon' && !body.inside) {
      if (start >= 0) statements.push({ text: text.slice(start, end), start, end });
      start = -1;
      body = new AtomicBodyTracker();
      continue;
    }
    if (start < 0) start = token.start;
    end = token.end;
    if (token.kind === 'word') body.word(text.slice(token.start, token.end).toLowerCase());
  }
  if (start >= 0) statements.push({ text: text.slice(start, end), start, end });
  return statements;
}

/**
 * The statement the cursor at `offset` means: the one containing it; between statements, the
 * preceding one while the cursor is still on the line where that one ended (right after its `;`,
 * trailing whitespace), else the next one; the last one at the end of the text.
 */
export function statementAt(text: string, offset: number): SqlStatement | undefined {
  const statements = splitStatements(text);
  for (let i = 0; i < statements.length; i++) {
    const current = statements[i];
    if (offset <= current.end) {
      if (offset >= current.start || i === 0) return current;
      const previous = statements[i - 1];
      return /[\n\r]/.test(text.slice(previous.end, offset)) ? current : previous;
    }
  }
  return statements[statements.length - 1];
}

/** Highest $n parameter in the statement, ignoring strings, quoted identifiers and comments. */
export function highestParam(sql: string): number {
  let max = 0;
  for (const t of scanTokens(sql)) if (t.kind === 'param') max = Math.max(max, Number(sql.slice(t.start + 1, t.end)));
  return max;
}

/**
 * Psql's rule for SQL-standard bodies: in a CREATE [OR REPLACE] FUNCTION / PROCEDURE, BEGIN and
 * CASE open a block that END closes; a `;` inside one belongs to the body.
 */
class AtomicBodyTracker {
  private words: string[] = [];
  private depth = 0;

  get inside(): boolean {
    return this.depth > 0;
  }

  word(w: string): void {
    if (this.words.length < 4) this.words.push(w);
    if (!this.createsRoutine()) return;
    if (w === 'begin' || w === 'case') this.depth++;
    else if (w === 'end' && this.depth > 0) this.depth--;
  }

  private createsRoutine(): boolean {
    const [a, b, c, d] = this.words;
    if (a !== 'create') return false;
    const kind = b === 'or' && c === 'replace' ? d : b;
    return kind === 'function' || kind === 'procedure';
  }
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const PARAM = /\$\d+/y;
/** PostgreSQL's whitespace: space, tab, newline, carriage return, form feed, vertical tab. */
const SPACE = /[ \t\n\r\f\v]/;

/** Tokens, coarse: comments, `;`, literals, words and `$n` are told apart; the rest is 'other'.
 *  An unterminated string or comment runs to the end of the text, as PostgreSQL would read it. */
export function* scanTokens(text: string, options: LexOptions = {}): Generator<Token> {
  const backslashesInPlainStrings = options.standardConformingStrings === false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const start = i;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      yield { kind: 'comment', start, end: i };
    } else if (c === '/' && text[i + 1] === '*') {
      i = skipBlockComment(text, i);
      yield { kind: 'comment', start, end: i };
    } else if (c === ';') {
      i++;
      yield { kind: 'semicolon', start, end: i };
    } else if (c === "'") {
      i = skipQuoted(text, i, "'", backslashesInPlainStrings);
      yield { kind: 'string', start, end: i };
    } else if (c === '"') {
      i = skipQuoted(text, i, '"', false);
      yield { kind: 'quoted-ident', start, end: i };
    } else if ((c === 'e' || c === 'E') && text[i + 1] === "'") {
      i = skipQuoted(text, i + 1, "'", true);
      yield { kind: 'string', start, end: i };
    } else if (c === '$' && dollarTagAt(text, i)) {
      const tag = dollarTagAt(text, i) as string;
      const close = text.indexOf(tag, i + tag.length);
      i = close < 0 ? text.length : close + tag.length;
      yield { kind: 'string', start, end: i };
    } else if (c === '$' && paramAt(text, i)) {
      i += (paramAt(text, i) as string).length;
      yield { kind: 'param', start, end: i };
    } else if (IDENT_START.test(c)) {
      // A word: keywords and identifiers, and the prefixes of B'', X'', N'' and U&'' literals.
      while (i < text.length && IDENT_CHAR.test(text[i])) i++;
      yield { kind: 'word', start, end: i };
    } else {
      i++;
      yield { kind: 'other', start, end: i };
    }
  }
}

function dollarTagAt(text: string, i: number): string | undefined {
  DOLLAR_TAG.lastIndex = i;
  return DOLLAR_TAG.exec(text)?.[0];
}

function paramAt(text: string, i: number): string | undefined {
  PARAM.lastIndex = i;
  return PARAM.exec(text)?.[0];
}

/** Past the closing `*\/` of the comment opening at `i`; PostgreSQL block comments nest. */
function skipBlockComment(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

/** Past the closing quote of the literal opening at `i`; a doubled quote is part of it, and with
 *  backslash escapes (E'' strings, or standard_conforming_strings off) so is `\'`. */
function skipQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  i++;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return i;
}
