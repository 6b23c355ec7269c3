/**
 * Prints pgsql-ast-parser expressions back as PostgreSQL text with column qualifiers dropped, so
 * the text can go into CREATE INDEX (expression columns, partial-index WHERE) on the one table
 * the expression reads. Parentheses follow PostgreSQL's operator precedence, so the output is as
 * short as the input: `to_tsvector('english', title || ' ' || description)`.
 */
import { toSql, type DataTypeDef, type Expr } from 'pgsql-ast-parser';
import { quoteIdent } from './ident';

/** Binding strength per PostgreSQL's precedence table (higher binds tighter). */
const enum Prec {
  Or = 1,
  And,
  Not,
  Is,
  Comparison,
  Like,
  OtherOp,
  Additive,
  Multiplicative,
  Power,
  AtTimeZone,
  UnaryMinus,
  Cast,
  Atom,
}

/** Levels where `a op b op c` is not accepted without parentheses. */
const NON_ASSOCIATIVE = new Set([Prec.Is, Prec.Comparison, Prec.Like]);

function binaryPrec(op: string): Prec {
  switch (op) {
    case 'OR':
      return Prec.Or;
    case 'AND':
      return Prec.And;
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return Prec.Comparison;
    case 'IN':
    case 'NOT IN':
    case 'LIKE':
    case 'NOT LIKE':
    case 'ILIKE':
    case 'NOT ILIKE':
      return Prec.Like;
    case '+':
    case '-':
      return Prec.Additive;
    case '*':
    case '/':
    case '%':
      return Prec.Multiplicative;
    case '^':
      return Prec.Power;
    case 'AT TIME ZONE':
      return Prec.AtTimeZone;
    default:
      return Prec.OtherOp;
  }
}

function precOf(e: Expr): Prec {
  switch (e.type) {
    case 'binary':
      return binaryPrec(e.op);
    case 'unary':
      if (e.op === 'NOT') return Prec.Not;
      if (e.op === '-' || e.op === '+') return Prec.UnaryMinus;
      return Prec.Is;
    case 'ternary':
      return Prec.Like;
    case 'member':
      return Prec.OtherOp;
    case 'cast':
      return Prec.Cast;
    case 'integer':
    case 'numeric':
      return e.value < 0 ? Prec.UnaryMinus : Prec.Atom;
    default:
      return Prec.Atom;
  }
}

/** `e` as SQL text, columns unqualified. */
export function exprSql(e: Expr): string {
  switch (e.type) {
    case 'ref':
      return e.name === '*' ? '*' : quoteIdent(e.name);
    case 'parameter':
      return e.name;
    case 'string':
      return stringLiteral(e.value);
    case 'integer':
    case 'numeric':
      return String(e.value);
    case 'boolean':
      return e.value ? 'true' : 'false';
    case 'null':
      return 'NULL';
    case 'keyword':
      return e.keyword;
    case 'cast':
      return `${operand(e.operand, Prec.Cast, false)}::${typeSql(e.to)}`;
    case 'binary': {
      const prec = binaryPrec(e.op);
      // The parser turns `x IN (1)` into a bare right operand; the parentheses are required.
      const inList = (e.op === 'IN' || e.op === 'NOT IN') && e.right.type !== 'list' && !isSubquery(e.right);
      const right = inList ? `(${exprSql(e.right)})` : operand(e.right, prec, true);
      return `${operand(e.left, prec, false)} ${e.op === '!=' ? '<>' : e.op} ${right}`;
    }
    case 'unary':
      if (e.op === 'NOT') return `NOT ${operand(e.operand, Prec.Not, true)}`;
      if (e.op === '-' || e.op === '+') return `${e.op}${operand(e.operand, Prec.UnaryMinus, true)}`;
      return `${operand(e.operand, Prec.Is, false)} ${e.op}`;
    case 'ternary':
      return `${operand(e.value, Prec.Like, false)} ${e.op} ${operand(e.lo, Prec.Like, true)} AND ${operand(e.hi, Prec.Like, true)}`;
    case 'member':
      return `${operand(e.operand, Prec.OtherOp, false)} ${e.op} ${typeof e.member === 'number' ? e.member : stringLiteral(e.member)}`;
    case 'list':
      return `(${e.expressions.map(exprSql).join(', ')})`;
    case 'array':
      return `ARRAY[${e.expressions.map(exprSql).join(', ')}]`;
    case 'arrayIndex':
      return `${operand(e.array, Prec.Atom, false)}[${exprSql(e.index)}]`;
    case 'extract':
      return `EXTRACT(${e.field.name} FROM ${exprSql(e.from)})`;
    case 'call':
      return callSql(e);
    case 'case': {
      const value = e.value ? ` ${exprSql(e.value)}` : '';
      const whens = e.whens.map((w) => ` WHEN ${exprSql(w.when)} THEN ${exprSql(w.value)}`).join('');
      return `CASE${value}${whens}${e.else ? ` ELSE ${exprSql(e.else)}` : ''} END`;
    }
    case 'substring':
      return `substring(${exprSql(e.value)}${e.from ? ` FROM ${exprSql(e.from)}` : ''}${e.for ? ` FOR ${exprSql(e.for)}` : ''})`;
    // A subquery keeps its qualifiers: it may read several tables.
    case 'select':
    case 'union':
    case 'union all':
    case 'values':
    case 'with':
    case 'with recursive':
      return `(${toSql.statement(e)})`;
    default:
      // Rare in index keys and predicates (OVERLAY, DEFAULT, window calls): the library's own
      // printer is verbose but valid.
      return toSql.expr(e);
  }
}

function isSubquery(e: Expr): boolean {
  return ['select', 'union', 'union all', 'values', 'with', 'with recursive'].includes(e.type);
}

function callSql(e: Extract<Expr, { type: 'call' }>): string {
  if (e.over || e.filter || e.withinGroup || e.orderBy) return toSql.expr(e);
  const name = /^[a-z_][a-z0-9_$]*$/.test(e.function.name) ? e.function.name : quoteIdent(e.function.name);
  const qualified = e.function.schema ? `${quoteIdent(e.function.schema)}.${name}` : name;
  if (name === 'exists' || name === 'any' || name === 'all' || name === 'some') {
    const args = e.args.length === 1 && isSubquery(e.args[0]) ? exprSql(e.args[0]) : `(${e.args.map(exprSql).join(', ')})`;
    return `${name.toUpperCase()} ${args}`;
  }
  const distinct = e.distinct === 'distinct' ? 'DISTINCT ' : '';
  return `${qualified}(${distinct}${e.args.map(exprSql).join(', ')})`;
}

/** A child operand, parenthesised when it binds less tightly than its parent requires. */
function operand(e: Expr, parent: Prec, rightSide: boolean): string {
  const text = exprSql(e);
  const child = precOf(e);
  const needsParens = child < parent || (child === parent && (rightSide || NON_ASSOCIATIVE.has(parent)) && child !== Prec.Atom);
  return needsParens ? `(${text})` : text;
}

function typeSql(t: DataTypeDef): string {
  if (t.kind === 'array') return `${typeSql(t.arrayOf)}[]`;
  const name = t.doubleQuoted ? quoteIdent(t.name) : t.name;
  const config = t.config?.length ? `(${t.config.join(', ')})` : '';
  return `${t.schema ? `${quoteIdent(t.schema)}.` : ''}${name}${config}`;
}

function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
