/**
 * The plan as a second source of query shape. What the planner scans is in the plan even when the
 * statement's text does not reach the base table: views (nested, with renamed columns) are
 * expanded, inlined CTEs have their outer filters pushed down into the scan, and statements the
 * parser cannot read (MERGE, NATURAL JOIN) are planned all the same. Each scan node's `Filter`,
 * `Index Cond` and `Recheck Cond` speak in the base table's own column names; join conditions and
 * sort keys qualify columns by the scan's alias. A MATERIALIZED CTE keeps its filters on the
 * `CTE Scan` above the fence, which names no relation: nothing is found through it, rightly.
 */
import { walkPlan } from '../plan/parse';
import { Plan, PlanNode } from '../plan/types';
import { tryExtractShape } from '../sql/parse';
import { highestParam } from '../sql/split';
import { ColumnRef, emptyUsage, JoinKey, OrderKey, Predicate, PredicateOp, QueryShape, StatementKind, TableUsage } from '../sql/shape';
import { closingParen, splitTopLevel, topLevelToken } from '../plan/topLevel';

const WRITE_KINDS = new Set(['insert', 'update', 'delete', 'merge']);
const SCAN_CONDITIONS = new Set(['Filter', 'Index Cond', 'Recheck Cond']);
const JOIN_CONDITIONS = new Set(['Hash Cond', 'Merge Cond', 'Join Filter']);

/** Operators EXPLAIN prints (`~~` is LIKE, `~~*` ILIKE) → the shape's predicate kinds. */
const OPERATORS: Record<string, PredicateOp> = {
  '=': '=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '<>': '<>',
  '~~': 'LIKE_INFIX',
  '~~*': 'LIKE_INFIX',
  '&&': 'ARRAY_OVERLAP',
  '@@': 'FULLTEXT',
  '?': 'JSONB_EXISTS',
  '?|': 'JSONB_EXISTS',
  '?&': 'JSONB_EXISTS',
};
/** Longest first, so `<=` is not read as `<`. */
const OPERATOR_TOKENS = ['~~*', '!~~', '<=', '>=', '<>', '~~', '&&', '@@', '@>', '<@', '?|', '?&', '=', '<', '>', '?'];
/** Nodes that pass their input's order through to the result. */
const RESULT_ORDER_KEEPERS = new Set(['Limit', 'Result', 'Gather Merge', 'Unique', 'LockRows', 'Subquery Scan']);
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '@>': '<@', '<@': '@>' };

const IDENT = String.raw`(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")`;
const COLUMN_RE = new RegExp(`^(?:(${IDENT})\\.)?(${IDENT})$`, 'i');
const LITERAL_RE = /^(?:'(?:[^']|'')*'(?:::[\w ."[\]]+(?:\([\d,]+\))?(?:\[\])?)?|-?\d+(?:\.\d+)?|true|false|NULL|\$\d+)$/i;
/** A function of one column, as EXPLAIN prints it: `lower((email)::text)`, `date(created_at)`. */
const CALL_RE = new RegExp(`^(${IDENT})\\((.*)\\)$`, 'i');

/** A column a condition names, with the scan alias that qualifies it (none when unqualified). */
interface Named {
  alias?: string;
  column: string;
}

/** One base-table scan of the plan and what the conditions around it ask of it. */
interface ScanEntry {
  usage: TableUsage;
}

/**
 * The shape the advisor works from: the parser's and the plan's merged; the plan's alone (with a
 * note saying so) when the parser cannot read the statement. The verbose plan the side-effect
 * check made is preferred: it names each relation's schema.
 */
export function statementShape(statement: string, plan: Plan): { shape: QueryShape; note?: string } {
  const parsed = tryExtractShape(statement);
  const base = 'error' in parsed ? planOnlyBase(statement, plan) : parsed.shape;
  const shape = mergePlanShape(base, planUsages(plan.verbose ?? plan.root));
  if (!('error' in parsed)) return { shape };
  return { shape, note: `The statement's text could not be analysed (${parsed.error.message}); candidates come from the plan alone.` };
}

/** Without the parser, what the statement does is the plan's ModifyTable operation (a SELECT has none). */
function planOnlyBase(statement: string, plan: Plan): QueryShape {
  const operation = modifyOperation(plan.raw)?.toLowerCase();
  const kind: StatementKind = operation === undefined ? 'select' : WRITE_KINDS.has(operation) ? (operation as StatementKind) : 'other';
  return { kind, tables: [], paramCount: highestParam(statement), writes: operation !== undefined };
}

/** The `Operation` (Insert, Update, Delete, Merge) of the ModifyTable node in the server's plan JSON. */
function modifyOperation(raw: unknown): string | undefined {
  const top = (Array.isArray(raw) ? raw[0] : raw) as { Plan?: unknown } | undefined;
  const pending: unknown[] = [top?.Plan];
  while (pending.length) {
    const node = pending.pop() as Record<string, unknown> | undefined;
    if (!node) continue;
    if (node['Node Type'] === 'ModifyTable') return String(node['Operation']);
    pending.push(...((node['Plans'] as unknown[] | undefined) ?? []));
  }
  return undefined;
}

/**
 * Table usages read from the plan: one per scan of a base table (a partition is its own table),
 * with the predicates its scan conditions test, the join keys that reach it and the sort keys
 * that are all its own.
 */
export function planUsages(root: PlanNode): TableUsage[] {
  const scans = new Map<string, ScanEntry>();
  for (const node of walkPlan(root)) {
    if (!node.relation || !/Scan$/.test(node.nodeType)) continue;
    const alias = node.alias ?? node.relation;
    if (scans.has(alias)) continue;
    // EXPLAIN without VERBOSE does not list the columns a scan outputs: never claim a covering index.
    const usage: TableUsage = { ...emptyUsage({ table: node.relation, schema: node.schema, alias }), readsAllColumns: true };
    scans.set(alias, { usage });
  }
  const top = outputSort(root);
  for (const node of walkPlan(root)) {
    const own = node.relation ? scans.get(node.alias ?? node.relation) : undefined;
    const below = scansUnder(node, scans);
    for (const { label, text } of node.conditions) {
      if (SCAN_CONDITIONS.has(label) || JOIN_CONDITIONS.has(label)) {
        for (const conjunct of conjuncts(text)) readCondition(conjunct, own, below, scans);
      } else if (label === 'Sort Key' && node === top) {
        readSortKeys(text, below, scans);
      } else if (label === 'Group Key') {
        for (const key of splitTopLevel(text, ',')) {
          const named = columnOf(key);
          const entry = named && owner(named, undefined, below, scans);
          // A parallel aggregate prints its Group Key twice (Partial and Finalize).
          if (entry && !entry.usage.groupBy.some((g) => g.column === named.column)) {
            entry.usage.groupBy.push(ref(named.column));
            read(entry, named.column);
          }
        }
      }
    }
  }
  return [...scans.values()].map((s) => s.usage);
}

/**
 * The statement's own shape completed by the plan's: a table the parser reached gets the
 * predicates, join keys and order the plan adds (the planner's view of a CTE or an implied
 * equality); a table only the plan names (behind a view, in a MERGE) is added as it stands.
 */
export function mergePlanShape(shape: QueryShape, planned: TableUsage[]): QueryShape {
  const merged: QueryShape = { ...shape, tables: [...shape.tables] };
  for (const p of planned) {
    const same = merged.tables.filter((t) => t.table === p.table && (!t.schema || !p.schema || t.schema === p.schema));
    const target = same.length === 1 ? same[0] : same.find((t) => (t.alias ?? t.table) === p.alias);
    if (!target) {
      merged.tables.push(p);
      continue;
    }
    const copy: TableUsage = { ...target, predicates: [...target.predicates], joinKeys: [...target.joinKeys] };
    for (const pred of p.predicates) {
      if (!copy.predicates.some((q) => sameRef(q.target, pred.target) && q.op === pred.op)) copy.predicates.push(pred);
    }
    for (const key of p.joinKeys) {
      if (!copy.joinKeys.some((k) => k.column === key.column)) copy.joinKeys.push(key);
    }
    if (!copy.orderBy.length) copy.orderBy = p.orderBy;
    // `GROUP BY 2` over `*`, or a group key behind a view: the plan's Group Key names the column.
    if (!copy.groupBy.length) copy.groupBy = p.groupBy;
    copy.columnsRead = [...new Set([...copy.columnsRead, ...p.columnsRead])].sort();
    merged.tables[merged.tables.indexOf(target)] = copy;
  }
  return merged;
}

function readCondition(conjunct: string, own: ScanEntry | undefined, below: ScanEntry[], scans: Map<string, ScanEntry>): void {
  const negated = /^NOT\s+(.+)$/i.exec(conjunct);
  const bare = columnOf(negated ? negated[1] : conjunct);
  if (bare) {
    // A boolean column tested on its own: `is_active`, `NOT is_active`.
    const entry = owner(bare, own, below, scans);
    if (entry) addPredicate(entry, ref(bare.column), '=', true, conjunct, negated ? 'false' : 'true');
    return;
  }
  const nullTest = /^(.+?)\s+(IS NOT NULL|IS NULL)$/i.exec(conjunct);
  if (nullTest) {
    const side = targetOf(nullTest[1], own, below, scans);
    if (side) addPredicate(side.entry, side.target, nullTest[2].toUpperCase() as PredicateOp, true, conjunct);
    return;
  }
  const split = splitOperator(conjunct);
  if (!split) return;
  const { left, op, right } = split;
  const l = columnOf(left);
  const r = columnOf(right);
  if (op === '=' && l && r) {
    const a = owner(l, own, below, scans);
    const b = owner(r, own, below, scans);
    if (a && b && a !== b) {
      joinKey(a, l.column, b, r.column);
      joinKey(b, r.column, a, l.column);
    }
    return;
  }
  if (isValue(right)) predicate(left, op, right, conjunct, own, below, scans);
  else if (isValue(left) && (FLIPPED[op] || OPERATORS[op])) predicate(right, FLIPPED[op] ?? op, left, conjunct, own, below, scans);
}

function predicate(
  operand: string,
  op: string,
  value: string,
  whole: string,
  own: ScanEntry | undefined,
  below: ScanEntry[],
  scans: Map<string, ScanEntry>,
): void {
  const side = targetOf(operand, own, below, scans);
  if (!side) return;
  const any = /^ANY\s*\((.*)\)$/is.exec(value);
  const compared = any ? any[1].trim() : value;
  let shapeOp: PredicateOp | undefined = any ? (op === '=' ? 'IN' : undefined) : OPERATORS[op];
  if (op === '@>' || op === '<@')
    shapeOp = /::jsonb$/.test(compared) ? 'JSONB_CONTAINS' : op === '@>' ? 'ARRAY_CONTAINS' : 'ARRAY_CONTAINED';
  if (op === '~~' && /^'[^%_]/.test(compared)) shapeOp = 'LIKE_PREFIX';
  if (!shapeOp) return;
  const constant = !/^\$\d+$/.test(compared) && LITERAL_RE.test(compared);
  const valueSql = constant ? (any ? `(${compared})` : compared) : undefined;
  addPredicate(side.entry, side.target, shapeOp, constant, whole, valueSql, op === '~~*');
}

/** The column or one-column expression an operand tests, and the scan it belongs to. */
function targetOf(
  operand: string,
  own: ScanEntry | undefined,
  below: ScanEntry[],
  scans: Map<string, ScanEntry>,
): { entry: ScanEntry; target: ColumnRef } | undefined {
  const named = columnOf(operand);
  if (named) {
    const entry = owner(named, own, below, scans);
    return entry && { entry, target: ref(named.column) };
  }
  // Expressions only on the scan itself, where every column is the scan's own.
  if (!own) return undefined;
  const expression = unqualified(stripParens(operand), own.usage.alias!);
  const call = CALL_RE.exec(expression);
  const columns = call ? identifiersIn(call[2]) : [];
  if (columns.length !== 1) return undefined;
  return { entry: own, target: { expression, columns } };
}

/** The sort that orders the statement's result (a sort feeding a merge join or a window orders only its input). */
function outputSort(root: PlanNode): PlanNode | undefined {
  for (let node: PlanNode | undefined = root; node; node = node.children[0]) {
    if (node.nodeType === 'Sort' || node.nodeType === 'Incremental Sort') return node;
    if (!RESULT_ORDER_KEEPERS.has(node.nodeType)) return undefined;
  }
  return undefined;
}

/** Sort keys become the order of the one scan they all belong to. */
function readSortKeys(text: string, below: ScanEntry[], scans: Map<string, ScanEntry>): void {
  const keys: { entry: ScanEntry; key: OrderKey }[] = [];
  for (const part of splitTopLevel(text, ',')) {
    const m = /^(.+?)(?:\s+(DESC|ASC))?(?:\s+NULLS\s+(FIRST|LAST))?$/i.exec(part.trim());
    const named = m && columnOf(m[1]);
    const entry = named && owner(named, undefined, below, scans);
    if (!m || !named || !entry) return;
    const key: OrderKey = { target: ref(named.column), direction: m[2]?.toUpperCase() === 'DESC' ? 'DESC' : 'ASC' };
    if (m[3]) key.nulls = m[3].toUpperCase() as 'FIRST' | 'LAST';
    keys.push({ entry, key });
  }
  const entry = keys[0]?.entry;
  if (!entry || !keys.every((k) => k.entry === entry) || entry.usage.orderBy.length) return;
  entry.usage.orderBy = keys.map((k) => k.key);
  for (const k of keys) read(entry, k.key.target.column!);
}

/** The scan a column belongs to: its alias when qualified, else the node's own scan, else the only scan below. */
function owner(named: Named, own: ScanEntry | undefined, below: ScanEntry[], scans: Map<string, ScanEntry>): ScanEntry | undefined {
  if (named.alias !== undefined) return scans.get(named.alias);
  return own ?? (below.length === 1 ? below[0] : undefined);
}

function scansUnder(node: PlanNode, scans: Map<string, ScanEntry>): ScanEntry[] {
  const found = new Set<ScanEntry>();
  for (const n of walkPlan(node)) {
    const entry = n.relation ? scans.get(n.alias ?? n.relation) : undefined;
    if (entry) found.add(entry);
  }
  return [...found];
}

function addPredicate(
  entry: ScanEntry,
  target: ColumnRef,
  op: PredicateOp,
  constant: boolean,
  sql: string,
  valueSql?: string,
  caseInsensitive?: boolean,
): void {
  const usage = entry.usage;
  for (const c of target.columns) read(entry, c);
  if (usage.predicates.some((p) => sameRef(p.target, target) && p.op === op && p.sql === sql)) return;
  const p: Predicate = { target, op, constant, sql: unqualified(sql, usage.alias!) };
  if (valueSql !== undefined) p.valueSql = valueSql;
  if (op === 'LIKE_INFIX' || op === 'LIKE_PREFIX') p.caseInsensitive = !!caseInsensitive;
  usage.predicates.push(p);
}

function joinKey(entry: ScanEntry, column: string, other: ScanEntry, otherColumn: string): void {
  read(entry, column);
  const key: JoinKey = { column, otherTable: other.usage.table, otherColumn };
  if (!entry.usage.joinKeys.some((k) => k.column === column && k.otherTable === key.otherTable)) entry.usage.joinKeys.push(key);
}

function read(entry: ScanEntry, column: string): void {
  if (!entry.usage.columnsRead.includes(column)) entry.usage.columnsRead.push(column);
}

/** `alias.col`, `col`, `(col)::text` or `"Col"` → the column; anything else → undefined. */
function columnOf(text: string): Named | undefined {
  const m = COLUMN_RE.exec(stripCasts(stripParens(text)));
  if (!m || /^(true|false|null|any)$/i.test(m[2])) return undefined;
  return { alias: m[1] === undefined ? undefined : unquote(m[1]), column: unquote(m[2]) };
}

function isValue(text: string): boolean {
  const t = stripParens(text);
  return LITERAL_RE.test(t) || /^ANY\s*\(/i.test(t) || /^\(?SubPlan \d+\)?$/.test(t) || /^\$\d+$/.test(t);
}

/** Column names an expression reads: identifiers not followed by `(`, outside strings and casts. */
function identifiersIn(expression: string): string[] {
  const text = expression.replace(/'(?:[^']|'')*'/g, "''").replace(/::[\w ."[\]]+/g, '');
  const names = [...text.matchAll(new RegExp(`(${IDENT})(\\s*\\()?`, 'gi'))].filter((m) => !m[2]).map((m) => unquote(m[1]));
  return [...new Set(names)];
}

/** `(a) AND (b)` at the top level → [a, b]; OR stays whole (no single index serves it). */
export function conjuncts(text: string): string[] {
  const inner = stripParens(text);
  const parts = splitTopLevel(inner, ' AND ');
  return parts.length > 1 ? parts.flatMap(conjuncts) : [inner];
}

/** The top-level operator of a comparison: `a.x = b.y` → a.x, =, b.y. */
function splitOperator(text: string): { left: string; op: string; right: string } | undefined {
  const found = topLevelToken(text, OPERATOR_TOKENS);
  return found && { left: text.slice(0, found.index).trim(), op: found.token, right: text.slice(found.index + found.token.length).trim() };
}

/** Removes parentheses that wrap the whole text: `((a = 1))` → `a = 1`. */
function stripParens(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && closingParen(t) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

/** `(col)::text` → `col`: EXPLAIN casts a varchar column to compare it with text. */
function stripCasts(text: string): string {
  let t = text;
  for (let m = /^\((.+)\)::[\w ."[\]]+$/.exec(t); m && closingParen(t) === m[1].length + 1; m = /^\((.+)\)::[\w ."[\]]+$/.exec(t)) {
    t = stripParens(m[1]);
  }
  return t;
}

/** Drops `alias.` qualifiers of this scan, so the text can serve as a partial index's WHERE. */
function unqualified(sql: string, alias: string): string {
  const quoted = /^[a-z_][a-z0-9_$]*$/.test(alias) ? alias : `"${alias.replace(/"/g, '""')}"`;
  const escaped = quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return sql.replace(new RegExp(`(?<![\\w$"])${escaped}\\.`, 'g'), '');
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

const ref = (column: string): ColumnRef => ({ column, columns: [column] });
const sameRef = (a: ColumnRef, b: ColumnRef) =>
  (a.column !== undefined && a.column === b.column) || (a.expression !== undefined && a.expression === b.expression);
