/**
 * SQL the user selected inside JavaScript/TypeScript source: a string or template literal
 * (quotes included or not, tagged like sql`…` or not), or a `+` concatenation of such pieces.
 * Interpolations `${expr}` and concatenated non-literal operands become `$1..$n` so the statement
 * can be explained with parameters; `params` lists their expression texts in order.
 */

export interface EmbeddedSql {
  sql: string;
  /** Source text of the expression behind each `$n`, `params[n - 1]`; empty for a `$n` the
   *  literal itself already contained. */
  params: string[];
}

type Piece = { text: string } | { expr: string };

const TAGGED_TEMPLATE = /^[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*\s*`/;

export function sqlFromJsString(selected: string): EmbeddedSql {
  const source = selected.trim();
  const pieces = startsWithLiteral(source) ? readConcatenation(source) : readTemplateBody(source, 0, source.length).pieces;
  return assemble(pieces);
}

/** A literal, possibly after comments such as the `/* sql *\/` marker. */
function startsWithLiteral(source: string): boolean {
  const rest = source.slice(skipSpaceAndComments(source, 0));
  return /^['"`]/.test(rest) || TAGGED_TEMPLATE.test(rest);
}

/** Joins pieces into SQL; each distinct expression text gets the next `$n` after any `$n` already written. */
function assemble(pieces: Piece[]): EmbeddedSql {
  const literal = pieces.map((p) => ('text' in p ? p.text : '')).join('');
  let next = Math.max(0, ...[...literal.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const numbers = new Map<string, number>();
  const params: string[] = [];
  let sql = '';
  for (const piece of pieces) {
    if ('text' in piece) {
      sql += piece.text;
      continue;
    }
    let n = numbers.get(piece.expr);
    if (n === undefined) {
      n = ++next;
      numbers.set(piece.expr, n);
      params[n - 1] = piece.expr;
    }
    sql += `$${n}`;
  }
  return { sql: sql.trim(), params: Array.from(params, (p) => p ?? '') };
}

/** `'a' + "b" + \`c${x}\` + y`: literals give text, other operands give expressions. */
function readConcatenation(source: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < source.length) {
    i = skipSpaceAndComments(source, i);
    if (i >= source.length) break;
    const c = source[i];
    if (c === '+') {
      i++;
    } else if (c === ';' || c === ',' || c === ')') {
      break; // the selection ran past the literal into the surrounding call
    } else if (c === "'" || c === '"') {
      const end = stringEnd(source, i);
      pieces.push({ text: unescape(source.slice(i + 1, end - 1)) });
      i = end;
    } else if (c === '`' || TAGGED_TEMPLATE.test(source.slice(i))) {
      const open = source.indexOf('`', i);
      const body = readTemplateBody(source, open + 1, source.length, true);
      pieces.push(...body.pieces);
      i = body.end + 1;
    } else {
      const end = operandEnd(source, i);
      pieces.push({ expr: source.slice(i, end).trim() });
      i = end;
    }
  }
  return pieces;
}

/** Reads template text from `start`; with `closed`, stops at the closing backtick (returned as `end`). */
function readTemplateBody(source: string, start: number, limit: number, closed = false): { pieces: Piece[]; end: number } {
  const pieces: Piece[] = [];
  let raw = '';
  let i = start;
  while (i < limit) {
    const c = source[i];
    if (c === '\\') {
      raw += source.slice(i, i + 2);
      i += 2;
    } else if (closed && c === '`') {
      break;
    } else if (c === '$' && source[i + 1] === '{') {
      pieces.push({ text: unescape(raw) });
      raw = '';
      const close = matchingBrace(source, i + 1);
      pieces.push({ expr: source.slice(i + 2, close).trim() });
      i = close + 1;
    } else {
      raw += c;
      i++;
    }
  }
  pieces.push({ text: unescape(raw) });
  return { pieces, end: i };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };

/** JavaScript escape sequences to the characters they stand for. */
function unescape(raw: string): string {
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.length > 1 && (e[0] === 'u' || e[0] === 'x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e === '\n' || e === '\r\n' || e === '\r') return ''; // line continuation
    return SIMPLE_ESCAPES[e] ?? e;
  });
}

/** Index just past the quoted string starting at `i` (or the end of the text if unterminated). */
function stringEnd(source: string, i: number): number {
  const quote = source[i];
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === '\\') j++;
    else if (source[j] === quote) return j + 1;
  }
  return source.length;
}

/** Index of the `}` closing the `{` at `open`, skipping nested braces, strings and templates. */
function matchingBrace(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"') {
      i = stringEnd(source, i) - 1;
    } else if (c === '`') {
      i = readTemplateBody(source, i + 1, source.length, true).end;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i;
    }
  }
  return source.length;
}

/** End of a non-literal operand: the next top-level `+`, `,`, `;` or unmatched `)`. */
function operandEnd(source: string, i: number): number {
  let depth = 0;
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"') i = stringEnd(source, i) - 1;
    else if (c === '`') i = readTemplateBody(source, i + 1, source.length, true).end;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && (c === '+' || c === ',' || c === ';')) return i;
  }
  return i;
}

/**
 * The string or template literal of a JS/TS source that contains `offset` (the cursor), as
 * [start, end) including its quotes; undefined when the cursor is in code or a comment. A
 * template is found whole, even with the cursor inside one of its `${…}` expressions: the SQL is
 * the template. Regular expression literals are skipped so their quotes are not taken for
 * strings; where JS grammar is ambiguous the scan errs toward not finding a literal.
 */
export function literalAt(source: string, offset: number): { start: number; end: number } | undefined {
  for (const literal of literalsOf(source, offset)) if (offset >= literal.start && offset < literal.end) return literal;
  return undefined;
}

/**
 * Every string and template literal of a JS/TS source in order, as [start, end) including quotes
 * (the scan `literalAt` makes); `until` stops it at the literal that reaches that offset.
 */
export function* literalsOf(source: string, until = Infinity): Generator<{ start: number; end: number }> {
  let i = 0;
  let regexAllowed = true;
  while (i < source.length && i <= until) {
    const c = source[i];
    let end: number | undefined;
    if (source.startsWith('//', i) || source.startsWith('/*', i)) {
      i = skipSpaceAndComments(source, i);
      continue;
    }
    if (c === "'" || c === '"') end = stringEnd(source, i);
    else if (c === '`') end = Math.min(source.length, readTemplateBody(source, i + 1, source.length, true).end + 1);
    if (end !== undefined) {
      yield { start: i, end };
      i = end;
      regexAllowed = false;
    } else if (c === '/' && regexAllowed) {
      i = regexEnd(source, i);
      regexAllowed = false;
    } else if (/[\w$]/.test(c)) {
      const word = /^[\w$]+/.exec(source.slice(i, i + 64))![0];
      regexAllowed = KEYWORDS_BEFORE_EXPRESSION.has(word);
      i += word.length;
    } else {
      // After an operator or opening bracket a `/` starts a regex; after `)` or `]` it divides.
      if (!/\s/.test(c)) regexAllowed = !/[)\]}]/.test(c);
      i++;
    }
  }
}

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/** Index just past the regex literal starting at `i` (its flags included); a `/` inside [...] does not end it. */
function regexEnd(source: string, i: number): number {
  let inClass = false;
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j];
    if (c === '\\') j++;
    else if (c === '\n') return j;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      j++;
      while (j < source.length && /[a-z]/i.test(source[j])) j++;
      return j;
    }
  }
  return source.length;
}

function skipSpaceAndComments(source: string, i: number): number {
  for (;;) {
    while (i < source.length && /\s/.test(source[i])) i++;
    if (source.startsWith('//', i)) {
      const newline = source.indexOf('\n', i);
      i = newline < 0 ? source.length : newline;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      i = close < 0 ? source.length : close + 2;
    } else {
      return i;
    }
  }
}
