/**
 * Walks a pgsql-ast-parser statement and collects, per table occurrence, what an index could
 * serve: top-level ANDed predicates, join keys, ORDER BY / GROUP BY keys and the columns read.
 *
 * Column references are resolved through scopes (FROM items of each SELECT, outer scopes for
 * correlated subqueries, CTE names). An unqualified column in a multi-table scope is attributed
 * only when exactly one table in scope is known to have it (from `alias.column` references or
 * single-table scopes elsewhere in the statement, gathered by a first pass): a valid query
 * cannot then mean another table, since PostgreSQL would reject the name as ambiguous.
 */
import type {
  Expr,
  ExprBinary,
  ExprRef,
  From,
  OrderByStatement,
  QName,
  QNameAliased,
  SelectFromStatement,
  SelectedColumn,
  Statement,
} from 'pgsql-ast-parser';
import { exprSql } from './exprText';
import type { ColumnRef, OrderKey, Predicate, PredicateOp, QueryShape, StatementKind, TableUsage } from './shape';
import { emptyUsage } from './shape';

/** A FROM item: a real table (with its usage record) or a derived one (subquery, CTE, function). */
interface Occurrence {
  /** The name references use: the alias, else the table name. */
  name: string;
  usage?: TableUsage;
}

interface Scope {
  occurrences: Occurrence[];
  parent?: Scope;
  ctes: ReadonlySet<string>;
}

/** Columns each table (by `schema.table` or `table`) is known to have, from a first pass. */
export type KnownColumns = ReadonlyMap<string, ReadonlySet<string>>;

/** What a conjunct operand touches, subqueries excluded (they are opaque values). */
interface SideInfo {
  occurrences: Set<Occurrence>;
  unresolved: boolean;
  /** Set when the operand is one plain column. */
  column?: { occurrence: Occurrence; name: string };
}

const FLIPPED: Record<string, string> = {
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
  '@>': '<@',
  '<@': '@>',
  '=': '=',
  '!=': '!=',
  '&&': '&&',
  '@@': '@@',
};

function tableKey(usage: Pick<TableUsage, 'schema' | 'table'>): string {
  return usage.schema ? `${usage.schema}.${usage.table}` : usage.table;
}

/** Columns read per table key, the knowledge a second pass uses to attribute unqualified names. */
export function knownColumnsOf(shape: QueryShape): KnownColumns {
  const known = new Map<string, Set<string>>();
  for (const t of shape.tables) {
    const set = known.get(tableKey(t)) ?? new Set<string>();
    for (const c of t.columnsRead) set.add(c);
    known.set(tableKey(t), set);
  }
  return known;
}

export class ShapeBuilder {
  private readonly tables: TableUsage[] = [];
  private paramCount = 0;
  private writes = false;
  private limit: number | undefined;
  private setColumns: string[] = [];

  constructor(private readonly known: KnownColumns) {}

  build(statement: Statement): QueryShape {
    const kind = this.statement(statement, undefined, new Set(), true);
    for (const t of this.tables) t.columnsRead.sort();
    const shape: QueryShape = { kind, tables: this.tables, paramCount: this.paramCount, writes: this.writes, setColumns: this.setColumns };
    if (this.limit !== undefined) shape.limit = this.limit;
    return shape;
  }

  private statement(st: Statement, parent: Scope | undefined, ctes: ReadonlySet<string>, top: boolean): StatementKind {
    switch (st.type) {
      case 'select':
        this.select(st, parent, ctes, top);
        return 'select';
      case 'union':
      case 'union all':
        this.statement(st.left, parent, ctes, false);
        this.statement(st.right, parent, ctes, false);
        return 'select';
      case 'values': {
        const scope = this.scope(parent, ctes);
        for (const row of st.values) for (const e of row) this.walk(e, scope);
        return 'select';
      }
      case 'with': {
        const names = new Set(ctes);
        for (const b of st.bind) {
          this.statement(b.statement, parent, names, false);
          names.add(b.alias.name);
        }
        return this.statement(st.in, parent, names, top);
      }
      case 'with recursive': {
        const names = new Set([...ctes, st.alias.name]);
        this.statement(st.bind, parent, names, false);
        return this.statement(st.in, parent, names, top);
      }
      case 'insert': {
        this.writes = true;
        const scope = this.scope(parent, ctes);
        this.addTable(scope, st.into);
        this.statement(st.insert, parent, ctes, false);
        this.walkSelected(st.returning, scope);
        if (st.onConflict?.do !== 'do nothing') for (const set of st.onConflict?.do.sets ?? []) this.walk(set.value, scope);
        return 'insert';
      }
      case 'update': {
        this.writes = true;
        const scope = this.scope(parent, ctes);
        this.addTable(scope, st.table);
        const conditions = st.from ? this.fromItems([st.from], scope) : [];
        for (const set of st.sets) this.walk(set.value, scope);
        if (top) this.setColumns = st.sets.map((set) => set.column.name);
        this.filter(st.where, conditions, scope);
        this.walkSelected(st.returning, scope);
        return 'update';
      }
      case 'delete': {
        this.writes = true;
        const scope = this.scope(parent, ctes);
        this.addTable(scope, st.from);
        this.filter(st.where, [], scope);
        this.walkSelected(st.returning, scope);
        return 'delete';
      }
      case 'prepare':
        return this.statement(st.statement, parent, ctes, top);
      default:
        return 'other';
    }
  }

  private select(s: SelectFromStatement, parent: Scope | undefined, ctes: ReadonlySet<string>, top: boolean): void {
    const scope = this.scope(parent, ctes);
    const joinConditions = this.fromItems(s.from ?? [], scope);
    this.walkSelected(s.columns, scope);
    if (Array.isArray(s.distinct)) for (const e of s.distinct) this.walk(e, scope);
    this.filter(s.where, joinConditions, scope);
    if (s.having) this.walk(s.having, scope);

    const outputs = s.columns ?? [];
    const groupBy = (s.groupBy ?? []).map((e) => this.outputReference(e, outputs, scope, false));
    for (const g of groupBy) {
      if (!g.fromOutput) this.walk(g.expr, scope);
      const local = this.localTarget(g.expr, scope);
      const keys = local?.occurrence.usage?.groupBy;
      // `GROUP BY day, 1` names one key twice.
      const same = (k: ColumnRef) => k.column === local?.target.column && k.expression === local?.target.expression;
      if (keys && !keys.some(same)) keys.push(local.target);
    }
    this.orderBy(s.orderBy ?? [], outputs, scope);
    if (s.limit?.limit) this.walk(s.limit.limit, scope);
    if (s.limit?.offset) this.walk(s.limit.offset, scope);
    if (top && s.limit?.limit?.type === 'integer') this.limit = s.limit.limit.value;
  }

  /** Registers FROM items in order (joins see the items before them) and returns their ON conditions. */
  private fromItems(items: From[], scope: Scope): Expr[] {
    const conditions: Expr[] = [];
    for (const item of items) {
      const before = [...scope.occurrences];
      let occurrence: Occurrence;
      if (item.type === 'table') {
        occurrence =
          !item.name.schema && scope.ctes.has(item.name.name)
            ? this.derived(scope, item.name.alias ?? item.name.name)
            : this.addTable(scope, item.name);
      } else if (item.type === 'statement') {
        this.statement(item.statement, item.lateral ? scope : scope.parent, scope.ctes, false);
        occurrence = this.derived(scope, item.alias);
      } else {
        for (const arg of item.args) this.walk(arg, scope);
        occurrence = this.derived(scope, item.alias?.name ?? item.function.name);
      }
      if (item.join?.on) {
        this.walk(item.join.on, scope);
        conditions.push(item.join.on);
      }
      for (const { name } of item.join?.using ?? []) this.usingKey(name, occurrence, before);
    }
    return conditions;
  }

  /** `JOIN b USING (col)`: a join key with the one earlier table that has `col`. */
  private usingKey(column: string, joined: Occurrence, before: Occurrence[]): void {
    const other = before.length === 1 ? before[0] : this.onlyKnownHolder(before, column);
    this.read(joined, column);
    if (!other) return;
    this.read(other, column);
    this.joinKey({ occurrence: joined, name: column }, { occurrence: other, name: column });
  }

  private filter(where: Expr | null | undefined, joinConditions: Expr[], scope: Scope): void {
    if (where) this.walk(where, scope);
    for (const condition of where ? [...joinConditions, where] : joinConditions) {
      for (const conjunct of conjuncts(condition)) this.classify(conjunct, scope);
    }
  }

  private orderBy(keys: OrderByStatement[], outputs: SelectedColumn[], scope: Scope): void {
    const resolved: { occurrence: Occurrence; key: OrderKey }[] = [];
    for (const key of keys) {
      const { expr, fromOutput } = this.outputReference(key.by, outputs, scope, true);
      if (!fromOutput) this.walk(expr, scope);
      const local = this.localTarget(expr, scope);
      if (!local) continue;
      const orderKey: OrderKey = { target: local.target, direction: key.order ?? 'ASC' };
      if (key.nulls) orderKey.nulls = key.nulls;
      resolved.push({ occurrence: local.occurrence, key: orderKey });
    }
    const occurrence = resolved[0]?.occurrence;
    if (occurrence?.usage && resolved.length === keys.length && resolved.every((r) => r.occurrence === occurrence)) {
      occurrence.usage.orderBy = resolved.map((r) => r.key);
    }
  }

  /** ORDER BY / GROUP BY `1` or an output alias stands for that select-list expression. ORDER BY
   *  prefers output names; GROUP BY prefers input columns, so it takes the alias only when no
   *  table in scope is known to have a column of that name. */
  private outputReference(e: Expr, outputs: SelectedColumn[], scope: Scope, preferOutput: boolean): { expr: Expr; fromOutput: boolean } {
    if (e.type === 'integer' && outputs[e.value - 1]) return { expr: outputs[e.value - 1].expr, fromOutput: true };
    if (e.type === 'ref' && !e.table) {
      const output = outputs.find((o) => o.alias?.name === e.name);
      if (output && (preferOutput || !this.onlyKnownHolder(scope.occurrences, e.name))) return { expr: output.expr, fromOutput: true };
    }
    return { expr: e, fromOutput: false };
  }

  /** Turns one top-level conjunct into a predicate on one table or a join key. */
  private classify(e: Expr, scope: Scope): void {
    switch (e.type) {
      case 'binary':
        return this.classifyBinary(e, scope);
      case 'ternary': {
        const side = this.side(e.value, scope);
        if (!this.isLocal(side) || ![e.lo, e.hi].every((v) => this.isValue(v, scope))) return;
        const constant = isLiteral(e.lo) && isLiteral(e.hi);
        this.addPredicate(side, e.value, e.op === 'BETWEEN' ? 'BETWEEN' : 'OTHER', e, {
          constant,
          valueSql: constant ? `${exprSql(e.lo)} AND ${exprSql(e.hi)}` : undefined,
        });
        return;
      }
      case 'unary': {
        const side = this.side(e.operand, scope);
        if (!this.isLocal(side)) return;
        if (e.op === 'IS NULL' || e.op === 'IS NOT NULL') this.addPredicate(side, e.operand, e.op, e, { constant: true });
        else if (e.op === 'IS TRUE' || e.op === 'IS FALSE')
          this.addPredicate(side, e.operand, '=', e, { constant: true, valueSql: e.op === 'IS TRUE' ? 'true' : 'false' });
        else if (e.op === 'NOT' && side.column) this.addPredicate(side, e.operand, '=', e, { constant: true, valueSql: 'false' });
        else this.addPredicate(side, e.operand, 'OTHER', e, { constant: false });
        return;
      }
      case 'ref': {
        const side = this.side(e, scope);
        if (side.column && this.isLocal(side)) this.addPredicate(side, e, '=', e, { constant: true, valueSql: 'true' });
        return;
      }
      default:
        return;
    }
  }

  private classifyBinary(e: ExprBinary, scope: Scope): void {
    if (e.op === 'OR') return;
    const left = this.side(e.left, scope);
    const right = this.side(e.right, scope);
    if (e.op === '=' && left.column && right.column && left.column.occurrence !== right.column.occurrence) {
      this.joinKey(left.column, right.column);
      return;
    }
    if (this.isLocal(left) && this.isValue(e.right, scope)) {
      this.binaryPredicate(left, e.left, e.op, e.right, e);
    } else if (this.isLocal(right) && this.isValue(e.left, scope) && FLIPPED[e.op]) {
      this.binaryPredicate(right, e.right, FLIPPED[e.op], e.left, e);
    }
  }

  private binaryPredicate(side: SideInfo, target: Expr, op: string, value: Expr, whole: Expr): void {
    const any =
      value.type === 'call' && value.function.name === 'any' && !value.function.schema && value.args.length === 1
        ? value.args[0]
        : undefined;
    const compared = any ?? value;
    const constant = isLiteral(compared);
    const valueSql = constant
      ? (op === 'IN' || op === 'NOT IN') && value.type !== 'list'
        ? `(${exprSql(value)})`
        : exprSql(value)
      : undefined;
    const details = { constant, valueSql, param: paramNumber(compared) };
    const mapped = any ? (op === '=' ? 'IN' : 'OTHER') : mapOperator(op, value);
    const predicateOp = mapped === 'LIKE' || mapped === 'ILIKE' ? likeKind(compared, mapped === 'ILIKE') : mapped;
    const caseInsensitive = mapped === 'ILIKE' ? true : mapped === 'LIKE' ? false : undefined;
    this.addPredicate(side, target, predicateOp, whole, { ...details, caseInsensitive });
  }

  private addPredicate(
    side: SideInfo,
    target: Expr,
    op: PredicateOp,
    whole: Expr,
    details: { constant: boolean; valueSql?: string; param?: number; caseInsensitive?: boolean },
  ): void {
    const occurrence = [...side.occurrences][0];
    if (!occurrence.usage) return;
    const predicate: Predicate = { target: this.columnRef(target, side), op, constant: details.constant, sql: exprSql(whole) };
    if (details.valueSql !== undefined) predicate.valueSql = details.valueSql;
    if (details.param !== undefined) predicate.param = details.param;
    if (details.caseInsensitive !== undefined) predicate.caseInsensitive = details.caseInsensitive;
    occurrence.usage.predicates.push(predicate);
  }

  /** Records the key on each real table; the other side may be a subquery or CTE (named by its alias). */
  private joinKey(a: { occurrence: Occurrence; name: string }, b: { occurrence: Occurrence; name: string }): void {
    const tableName = (o: Occurrence) => o.usage?.table ?? o.name;
    a.occurrence.usage?.joinKeys.push({ column: a.name, otherTable: tableName(b.occurrence), otherColumn: b.name });
    b.occurrence.usage?.joinKeys.push({ column: b.name, otherTable: tableName(a.occurrence), otherColumn: a.name });
  }

  /** The table an ORDER BY / GROUP BY key or predicate operand belongs to, when exactly one. */
  private localTarget(e: Expr, scope: Scope): { occurrence: Occurrence; target: ColumnRef } | undefined {
    const side = this.side(e, scope);
    if (!this.isLocal(side)) return undefined;
    return { occurrence: [...side.occurrences][0], target: this.columnRef(e, side) };
  }

  private columnRef(e: Expr, side: SideInfo): ColumnRef {
    if (side.column) return { column: side.column.name, columns: [side.column.name] };
    return { expression: exprSql(e), columns: [...new Set(columnNames(e))].sort() };
  }

  /** An operand over exactly one real table, every reference resolved, no subquery inside. */
  private isLocal(side: SideInfo): boolean {
    return !side.unresolved && side.occurrences.size === 1 && [...side.occurrences][0].usage !== undefined;
  }

  /** An operand that reads no column of this query level: a constant, parameter, or subquery. */
  private isValue(e: Expr, scope: Scope): boolean {
    const side = this.side(e, scope);
    return !side.unresolved && side.occurrences.size === 0;
  }

  private side(e: Expr, scope: Scope): SideInfo {
    const info: SideInfo = { occurrences: new Set(), unresolved: false };
    for (const ref of refsOf(e)) {
      const occurrence = this.resolve(ref, scope);
      if (occurrence) info.occurrences.add(occurrence);
      else info.unresolved = true;
    }
    const bare = e.type === 'ref' && e.name !== '*' ? [...info.occurrences][0] : undefined;
    if (bare && !info.unresolved) info.column = { occurrence: bare, name: (e as ExprRef).name };
    return info;
  }

  /** Records column reads, parameters and subqueries anywhere in `e`. */
  private walk(e: Expr, scope: Scope): void {
    switch (e.type) {
      case 'ref': {
        if (e.name === '*') {
          const targets = e.table ? [this.resolveTable(e.table, scope)] : scope.occurrences;
          for (const o of targets) if (o?.usage) o.usage.readsAllColumns = true;
          return;
        }
        const occurrence = this.resolve(e, scope);
        if (occurrence) this.read(occurrence, e.name);
        return;
      }
      case 'parameter':
        this.paramCount = Math.max(this.paramCount, paramNumber(e) ?? 0);
        return;
      case 'select':
      case 'union':
      case 'union all':
      case 'values':
      case 'with':
      case 'with recursive':
        this.statement(e, scope, scope.ctes, false);
        return;
      case 'array select':
        this.statement(e.select, scope, scope.ctes, false);
        return;
      case 'call': {
        const countStar = e.args.length === 1 && e.args[0].type === 'ref' && e.args[0].name === '*' && !e.args[0].table;
        for (const arg of countStar ? [] : e.args) this.walk(arg, scope);
        for (const x of [
          e.filter,
          ...(e.orderBy ?? []).map((o) => o.by),
          e.withinGroup?.by,
          ...(e.over?.partitionBy ?? []),
          ...(e.over?.orderBy ?? []).map((o) => o.by),
        ])
          if (x) this.walk(x, scope);
        return;
      }
      default:
        for (const child of childExprs(e)) this.walk(child, scope);
    }
  }

  private walkSelected(columns: SelectedColumn[] | null | undefined, scope: Scope): void {
    for (const c of columns ?? []) this.walk(c.expr, scope);
  }

  private resolve(ref: ExprRef, scope: Scope): Occurrence | undefined {
    if (ref.table) return this.resolveTable(ref.table, scope);
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.occurrences.length === 0) continue;
      if (s.occurrences.length === 1) return s.occurrences[0];
      return this.onlyKnownHolder(s.occurrences, ref.name);
    }
    return undefined;
  }

  private resolveTable(table: QName, scope: Scope): Occurrence | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = s.occurrences.find((o) => o.name === table.name && (!table.schema || o.usage?.schema === table.schema));
      if (found) return found;
    }
    return undefined;
  }

  /** The one occurrence whose table is known to have `column`, if exactly one is. */
  private onlyKnownHolder(occurrences: Occurrence[], column: string): Occurrence | undefined {
    const holders = occurrences.filter((o) => o.usage && this.known.get(tableKey(o.usage))?.has(column));
    return holders.length === 1 ? holders[0] : undefined;
  }

  private read(occurrence: Occurrence, column: string): void {
    const usage = occurrence.usage;
    if (usage && !usage.columnsRead.includes(column)) usage.columnsRead.push(column);
  }

  private scope(parent: Scope | undefined, ctes: ReadonlySet<string>): Scope {
    return { occurrences: [], parent, ctes };
  }

  private addTable(scope: Scope, name: QNameAliased): Occurrence {
    const usage = emptyUsage({ table: name.name, schema: name.schema, alias: name.alias });
    this.tables.push(usage);
    const occurrence = { name: name.alias ?? name.name, usage };
    scope.occurrences.push(occurrence);
    return occurrence;
  }

  private derived(scope: Scope, name: string): Occurrence {
    const occurrence = { name };
    scope.occurrences.push(occurrence);
    return occurrence;
  }
}

function conjuncts(e: Expr): Expr[] {
  return e.type === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** Column references of `e` at this query level (subqueries are opaque values). */
function refsOf(e: Expr): ExprRef[] {
  if (e.type === 'ref') return e.name === '*' ? [] : [e];
  return childExprs(e).flatMap(refsOf);
}

function columnNames(e: Expr): string[] {
  return refsOf(e).map((r) => r.name);
}

/** Direct sub-expressions, not descending into subqueries. */
function childExprs(e: Expr): Expr[] {
  switch (e.type) {
    case 'binary':
      return [e.left, e.right];
    case 'unary':
      return [e.operand];
    case 'ternary':
      return [e.value, e.lo, e.hi];
    case 'cast':
      return [e.operand];
    case 'member':
      return [e.operand];
    case 'arrayIndex':
      return [e.array, e.index];
    case 'list':
    case 'array':
      return e.expressions;
    case 'call':
      return e.args;
    case 'extract':
      return [e.from];
    case 'case':
      return [e.value, ...e.whens.flatMap((w) => [w.when, w.value]), e.else].filter((x): x is Expr => !!x);
    case 'substring':
      return [e.value, e.from, e.for].filter((x): x is Expr => !!x);
    case 'overlay':
      return [e.value, e.placing, e.from, e.for].filter((x): x is Expr => !!x);
    default:
      return [];
  }
}

/** A literal (possibly cast, negated, or a list/array of literals): usable in a partial-index WHERE. */
function isLiteral(e: Expr): boolean {
  switch (e.type) {
    case 'string':
    case 'integer':
    case 'numeric':
    case 'boolean':
    case 'null':
    case 'constant':
      return true;
    case 'cast':
      return isLiteral(e.operand);
    case 'unary':
      return (e.op === '-' || e.op === '+') && isLiteral(e.operand);
    case 'list':
    case 'array':
      return e.expressions.every(isLiteral);
    default:
      return false;
  }
}

function paramNumber(e: Expr): number | undefined {
  if (e.type === 'cast') return paramNumber(e.operand);
  if (e.type !== 'parameter') return undefined;
  const n = Number(e.name.slice(1));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Shape operator for a binary operator; LIKE/ILIKE are refined by their pattern afterwards. */
function mapOperator(op: string, value: Expr): PredicateOp | 'LIKE' | 'ILIKE' {
  switch (op) {
    case '=':
    case 'IN':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return op;
    case '!=':
      return '<>';
    case 'LIKE':
    case 'ILIKE':
      return op;
    case '&&':
      return 'ARRAY_OVERLAP';
    case '@>': {
      const kind = containerKind(value);
      return kind === 'array' ? 'ARRAY_CONTAINS' : kind === 'jsonb' ? 'JSONB_CONTAINS' : 'OTHER';
    }
    case '<@':
      return containerKind(value) === 'array' ? 'ARRAY_CONTAINED' : 'OTHER';
    case '?':
    case '?|':
    case '?&':
      return 'JSONB_EXISTS';
    case '@@':
      return 'FULLTEXT';
    default:
      return 'OTHER';
  }
}

/** Whether the value compared with @> / <@ is an array or a jsonb document, judged from the
 *  query alone (ARRAY[...], casts, JSON-looking string literals); undefined when unknowable. */
function containerKind(e: Expr): 'array' | 'jsonb' | undefined {
  switch (e.type) {
    case 'array':
    case 'array select':
      return 'array';
    case 'cast':
      if (e.to.kind === 'array') return 'array';
      if (e.to.name === 'jsonb' || e.to.name === 'json') return 'jsonb';
      return containerKind(e.operand);
    case 'string':
      if (looksLikeJson(e.value)) return 'jsonb';
      return e.value.trim().startsWith('{') ? 'array' : undefined;
    case 'call':
      if (/^jsonb?_/.test(e.function.name)) return 'jsonb';
      if (/^(array|string_to_array)/.test(e.function.name)) return 'array';
      return undefined;
    default:
      return undefined;
  }
}

function looksLikeJson(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

/** LIKE 'abc%' can use a btree (text_pattern_ops); a leading wildcard, ILIKE or a pattern only
 *  known at run time needs a trigram index. */
function likeKind(pattern: Expr, caseInsensitive: boolean): PredicateOp {
  const text = pattern.type === 'cast' ? pattern.operand : pattern;
  if (caseInsensitive || text.type !== 'string') return 'LIKE_INFIX';
  return firstWildcard(text.value) === 0 ? 'LIKE_INFIX' : 'LIKE_PREFIX';
}

/** Index of the first unescaped `%` or `_` (backslash is LIKE's default escape); -1 if none. */
function firstWildcard(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '%' || pattern[i] === '_') return i;
  }
  return -1;
}
