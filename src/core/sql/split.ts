/**
 * Splits a SQL script into statements without parsing it, so files with syntax our parser does
 * not know (or with errors) still get one CodeLens per statement and a statement under the cursor.
 * A `;` splits only outside strings, quoted identifiers, comments and dollar-quoted bodies.
 */

export interface SqlStatement {
  /** The statement from its first to its last token: no surrounding whitespace or leading comments, no `;`. */
  text: string;
  /** Offset of the first token in the original text. */
  start: number;
  /** Offset just past the last token (exclusive). */
  end: number;
}

/** Statements in source order; statements holding only whitespace and comments are dropped. */
export function splitStatements(text: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = -1;
  let end = -1;
  for (const token of scanTokens(text)) {
    if (token.kind === 'comment') continue;
    if (token.kind === 'semicolon') {
      if (start >= 0) statements.push({ text: text.slice(start, end), start, end });
      start = -1;
      continue;
    }
    if (start < 0) start = token.start;
    end = token.end;
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
      return text.slice(previous.end, offset).includes('\n') ? current : previous;
    }
  }
  return statements[statements.length - 1];
}

type TokenKind = 'comment' | 'semicolon' | 'other';

interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** Whitespace-free tokens, coarse: only comments and `;` matter to the callers. An unterminated
 *  string or comment runs to the end of the text, as PostgreSQL would read it. */
function* scanTokens(text: string): Generator<Token> {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const start = i;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline;
      yield { kind: 'comment', start, end: i };
    } else if (c === '/' && text[i + 1] === '*') {
      i = skipBlockComment(text, i);
      yield { kind: 'comment', start, end: i };
    } else if (c === ';') {
      i++;
      yield { kind: 'semicolon', start, end: i };
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]) && (i < 2 || !IDENT_CHAR.test(text[i - 2]));
      i = skipQuoted(text, i, "'", escapes);
      yield { kind: 'other', start, end: i };
    } else if (c === '"') {
      i = skipQuoted(text, i, '"', false);
      yield { kind: 'other', start, end: i };
    } else if (c === '$' && (i === 0 || !IDENT_CHAR.test(text[i - 1])) && dollarTagAt(text, i)) {
      const tag = dollarTagAt(text, i) as string;
      const close = text.indexOf(tag, i + tag.length);
      i = close < 0 ? text.length : close + tag.length;
      yield { kind: 'other', start, end: i };
    } else if (IDENT_CHAR.test(c)) {
      while (i < text.length && IDENT_CHAR.test(text[i])) i++;
      yield { kind: 'other', start, end: i };
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

/** Past the closing quote of the literal opening at `i`; a doubled quote is part of it, and in
 *  E'' strings so is a backslash-escaped one. */
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
