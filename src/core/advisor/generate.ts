import { ColumnStats, TableInfo, distinctValues } from '../catalog/tables';
import { ColumnRef, OrderKey, Predicate, QueryShape, TableUsage } from '../sql/shape';
import { quoteIdent } from '../sql/ident';
import { Candidate, CandidateKey, candidateKey } from './candidate';
import { IndexKind } from './types';
import { groupBy } from '../groupBy';

export interface CandidateOptions {
  /** Tables with fewer rows are read faster without an index. */
  minTableRows: number;
  /** A constant predicate keeping at most this share of rows becomes a partial-index WHERE. */
  partialMaxFraction: number;
  /** … of a column with at most this many distinct values (a status or kind, not an id). */
  partialMaxDistinct: number;
  /** Any partial WHERE (a boolean flag too) must leave out at least this share of the rows (setting advisor.partialMinExcludedPercent). */
  partialMinExcluded: number;
  /** BRIN is considered for tables with at least this many rows … */
  brinMinRows: number;
  /** … on columns whose physical order follows their value this closely (|pg_stats.correlation|). */
  brinMinCorrelation: number;
  /** INCLUDE at most this many columns, of at most this total average width. */
  coveringMaxColumns: number;
  coveringMaxWidth: number;
  pgTrgmInstalled: boolean;
}

export const DEFAULT_CANDIDATE_OPTIONS: Omit<CandidateOptions, 'pgTrgmInstalled'> = {
  minTableRows: 1000,
  partialMaxFraction: 0.025,
  partialMaxDistinct: 50,
  partialMinExcluded: 0.5,
  brinMinRows: 500_000,
  brinMinCorrelation: 0.9,
  coveringMaxColumns: 3,
  coveringMaxWidth: 64,
};

const EQUALITY_OPS = new Set(['=', 'IN']);
const RANGE_OPS = new Set(['<', '<=', '>', '>=', 'BETWEEN', 'LIKE_PREFIX']);

export interface Generated {
  candidates: Candidate[];
  notes: string[];
}

/** All candidate indexes for the tables a statement reads, each with the reason it exists. */
export function generateCandidates(shape: QueryShape, tables: Map<TableUsage, TableInfo>, options: CandidateOptions): Generated {
  const out = new Map<string, Candidate>();
  const notes: string[] = [];
  // Views and CTEs the parser names have no statistics: only the tables behind them count.
  const singleTable = shape.tables.filter((u) => tables.has(u)).length === 1;
  for (const usage of shape.tables) {
    const info = tables.get(usage);
    if (!info) continue;
    if (info.rows < options.minTableRows) {
      notes.push(`${info.schema}.${info.name} has about ${Math.round(info.rows)} rows: too small for an index to pay off.`);
      continue;
    }
    const ctx = new TableContext(ownColumnsOnly(usage, info), info, options);
    for (const c of [...btreeCandidates(ctx, shape, singleTable), ...ginCandidates(ctx), ...brinCandidates(ctx)]) {
      out.set(candidateKey(c), c);
    }
  }
  return { candidates: [...out.values()], notes };
}

/** A table usage with its statistics, and the predicate classification every rule shares. */
class TableContext {
  readonly partial: Predicate[];
  readonly equality: Predicate[];
  readonly range: Predicate[];

  constructor(
    readonly usage: TableUsage,
    readonly info: TableInfo,
    readonly options: CandidateOptions,
  ) {
    this.partial = usage.predicates.filter((p) => this.belongsInPartialWhere(p));
    // A flag that keeps most rows is neither a WHERE nor a key worth having: the plain index serves.
    const rest = usage.predicates.filter((p) => !this.partial.includes(p) && !(this.isBoolean(p) && p.op === '='));
    this.equality = rest
      .filter((p) => EQUALITY_OPS.has(p.op) || (p.op === 'IS NULL' && !!p.target.column))
      .sort((a, b) => this.distinct(b.target) - this.distinct(a.target));
    this.range = rest.filter((p) => RANGE_OPS.has(p.op) && p.target.column).sort((a, b) => this.selectivity(a) - this.selectivity(b));
  }

  column(name: string | undefined): ColumnStats | undefined {
    return name === undefined ? undefined : this.info.columns.find((c) => c.name === name);
  }

  distinct(ref: ColumnRef): number {
    return distinctValues(this.column(ref.column), this.info.rows) ?? this.info.rows / 10;
  }

  /** Share of rows a constant predicate keeps, from pg_stats; undefined when unknown. */
  fraction(p: Predicate): number | undefined {
    const col = this.column(p.target.column);
    if (!col) return undefined;
    if (p.op === 'IS NULL') return col.nullFrac ?? 0;
    if (p.op === 'IS NOT NULL') return 1 - (col.nullFrac ?? 0);
    if (p.op !== '=' || !p.constant || p.valueSql === undefined) return undefined;
    const value = literalText(p.valueSql);
    const idx = (col.mostCommonVals ?? []).indexOf(value);
    if (idx >= 0 && col.mostCommonFreqs) return col.mostCommonFreqs[idx];
    const mcvShare = (col.mostCommonFreqs ?? []).reduce((a, b) => a + b, 0);
    const others = (distinctValues(col, this.info.rows) ?? 0) - (col.mostCommonVals?.length ?? 0);
    return others > 0 ? Math.max(0, 1 - mcvShare - (col.nullFrac ?? 0)) / others : undefined;
  }

  /** Rough selectivity of a range predicate (lower = keeps fewer rows); used only to order ranges. */
  selectivity(p: Predicate): number {
    return p.op === 'BETWEEN' || p.op === 'LIKE_PREFIX' ? 0.05 : 0.33;
  }

  /**
   * A constant predicate goes into a partial index's WHERE when it is a boolean flag (useless as
   * a leading key) or keeps a small share of the rows: the index then holds only those rows.
   */
  private belongsInPartialWhere(p: Predicate): boolean {
    if (!p.constant && p.op !== 'IS NULL' && p.op !== 'IS NOT NULL') return false;
    if (!p.target.column) return false;
    const col = this.column(p.target.column);
    const kept = this.fraction(p);
    const excludesEnough = kept !== undefined && kept <= 1 - this.options.partialMinExcluded;
    if (col?.type === 'boolean' && p.op === '=') return excludesEnough;
    if (!['=', 'IS NULL', 'IS NOT NULL'].includes(p.op)) return false;
    if (p.op === '=' && this.distinct(p.target) > this.options.partialMaxDistinct) return false;
    return excludesEnough && kept <= this.options.partialMaxFraction;
  }

  /**
   * The predicate as an index WHERE clause. Boolean tests are written the way PostgreSQL
   * canonicalises them (`NOT is_active`, not `is_active = false`): HypoPG keeps the text as given,
   * and the planner proves a partial index usable only when the forms match.
   */
  whereSql(p: Predicate): string {
    if (this.isBoolean(p) && p.op === '=' && p.valueSql && /^(true|false)$/i.test(p.valueSql.trim())) {
      const name = quoteIdent(p.target.column!);
      return /^true$/i.test(p.valueSql.trim()) ? name : `NOT ${name}`;
    }
    return p.sql;
  }

  isBoolean(p: Predicate): boolean {
    return this.column(p.target.column)?.type === 'boolean';
  }

  /** Partial predicates worth putting on a non-btree index: selective ones only (not common flags). */
  selectivePartial(): Predicate[] {
    return this.partial.filter((p) => (this.fraction(p) ?? 1) <= this.options.partialMaxFraction);
  }

  columnWidth(name: string): number {
    return this.column(name)?.avgWidth ?? 32;
  }
}

function btreeCandidates(ctx: TableContext, shape: QueryShape, singleTable: boolean): Candidate[] {
  const { usage, info } = ctx;
  const eqKeys: CandidateKey[] = ctx.equality.map((p) => refKey(p.target));
  const where = ctx.partial.map((p) => ctx.whereSql(p));
  const order = singleTable || shape.limit !== undefined ? usage.orderBy : [];
  const variants: { keys: CandidateKey[]; why: string }[] = [];
  const eqWhy = ctx.equality.length ? `equality on ${ctx.equality.map((p) => refName(p.target)).join(', ')}` : '';
  const partialWhy = ctx.partial.length ? `only rows where ${where.join(' AND ')} (${describeFraction(ctx, ctx.partial)})` : '';

  if (order.length) {
    const orderKeys = order.filter((o) => !eqKeys.some((k) => sameTarget(k, o.target))).map(orderKey);
    if (orderKeys.length) {
      variants.push({
        keys: [...eqKeys, ...orderKeys],
        why: joinWhy(
          eqWhy,
          `${eqWhy ? 'then ' : 'order by '}${order.map(describeOrder).join(', ')}, the order the statement asks for${shape.limit !== undefined ? ` (LIMIT ${shape.limit})` : ''}`,
        ),
      });
    }
  }
  // GROUP BY with no ORDER BY of its own, under a LIMIT or after equalities: in the index's order the
  // aggregate reads one group after another (no sort, no hash table) and stops at the LIMIT.
  const groupKeys = singleTable && !order.length ? usage.groupBy.filter((g) => !eqKeys.some((k) => sameTarget(k, g))) : [];
  if (groupKeys.length && (shape.limit !== undefined || eqKeys.length)) {
    variants.push({
      keys: [...eqKeys, ...groupKeys.map((g) => refKey(g))],
      why: joinWhy(
        eqWhy,
        `${eqWhy ? 'then ' : ''}group by ${groupKeys.map(refName).join(', ')}, so the aggregate reads each group in index order${shape.limit !== undefined ? ` and stops after ${shape.limit}` : ''}`,
      ),
    });
  }
  const firstRange = ctx.range[0];
  if (firstRange) {
    variants.push({
      keys: [...eqKeys, refKey(firstRange.target, firstRange.op)],
      why: joinWhy(eqWhy, `${eqWhy ? 'then ' : ''}the range on ${refName(firstRange.target)}`),
    });
  }
  if (eqKeys.length) variants.push({ keys: eqKeys, why: eqWhy });
  for (const jk of usage.joinKeys) {
    if (eqKeys.some((k) => k.column === jk.column)) continue;
    variants.push({
      keys: [...eqKeys, { column: jk.column }],
      why: joinWhy(eqWhy, `the join key ${jk.column} (= ${jk.otherTable}.${jk.otherColumn}), so a nested loop can look rows up`),
    });
  }
  if (!variants.length && ctx.partial.length) {
    const col = ctx.partial[0].target.column!;
    variants.push({ keys: [{ column: col }], why: '' });
  }

  const out: Candidate[] = [];
  for (const v of variants) {
    if (!v.keys.length) continue;
    const base: Candidate = {
      schema: info.schema,
      table: info.name,
      method: 'btree',
      keys: v.keys,
      include: [],
      where,
      kinds: btreeKinds(v.keys, where.length > 0, false),
      reason: joinWhy(v.why, partialWhy),
      requires: [],
      needsTrialBuild: false,
    };
    out.push(base);
    const include = coveringColumns(ctx, v.keys);
    if (include.length) {
      out.push({
        ...base,
        include,
        kinds: btreeKinds(v.keys, where.length > 0, true),
        reason: joinWhy(base.reason, `INCLUDE (${include.join(', ')}), the other columns it reads`),
      });
    }
  }
  return out;
}

/**
 * The usage without what names a column the table does not have. An unqualified column of a
 * correlated subquery (TPC-H Q17's `l_partkey = p_partkey` inside a subquery on lineitem) reads
 * as the subquery's table's, but it is the outer query's: no index of this table can hold it.
 * An ORDER BY with such a key is not this table's order at all.
 */
function ownColumnsOnly(usage: TableUsage, info: TableInfo): TableUsage {
  const own = (column: string) => info.columns.some((c) => c.name === column);
  const ownRef = (r: ColumnRef) => (r.column !== undefined ? own(r.column) : r.columns.every(own));
  return {
    ...usage,
    predicates: usage.predicates.filter((p) => ownRef(p.target)),
    joinKeys: usage.joinKeys.filter((j) => own(j.column)),
    orderBy: usage.orderBy.every((o) => ownRef(o.target)) ? usage.orderBy : [],
    groupBy: usage.groupBy.filter(ownRef),
    columnsRead: usage.columnsRead.filter(own),
  };
}

/** Columns the statement reads beyond the keys, when few and narrow enough to carry in the index. */
function coveringColumns(ctx: TableContext, keys: CandidateKey[]): string[] {
  const { usage, options } = ctx;
  if (usage.readsAllColumns) return [];
  if (keys.some((k) => k.expression)) return [];
  // Columns tested only by the partial WHERE need not be carried: the predicate implies them.
  const keyCols = new Set([...keys.map((k) => k.column), ...ctx.partial.map((p) => p.target.column)]);
  const extra = usage.columnsRead.filter((c) => !keyCols.has(c));
  if (!extra.length || extra.length > options.coveringMaxColumns) return [];
  const width = extra.reduce((s, c) => s + ctx.columnWidth(c), 0);
  return width <= options.coveringMaxWidth ? extra : [];
}

function ginCandidates(ctx: TableContext): Candidate[] {
  const { usage, info, options } = ctx;
  const where = ctx.selectivePartial().map((p) => ctx.whereSql(p));
  const out: Candidate[] = [];
  const add = (key: CandidateKey, kinds: IndexKind[], reason: string, requires: string[] = []) =>
    out.push({
      schema: info.schema,
      table: info.name,
      method: 'gin',
      keys: [key],
      include: [],
      where,
      kinds: where.length ? [...kinds, 'partial'] : kinds,
      reason,
      requires,
      needsTrialBuild: true,
    });
  for (const preds of groupBy(usage.predicates, (p) => refName(p.target)).values()) {
    const target = preds[0].target;
    const ops = new Set(preds.map((p) => p.op));
    const exprKinds: IndexKind[] = target.expression ? ['expression'] : [];
    if (ops.has('ARRAY_CONTAINS') || ops.has('ARRAY_OVERLAP') || ops.has('ARRAY_CONTAINED')) {
      add(
        refKey(target),
        ['gin', ...exprKinds],
        `array ${[...ops]
          .filter((o) => o.startsWith('ARRAY'))
          .map(arrayOpSymbol)
          .join('/')} on ${refName(target)}: a GIN index finds the rows holding those elements`,
      );
    }
    if (ops.has('JSONB_CONTAINS') || ops.has('JSONB_EXISTS')) {
      const onlyContains = !ops.has('JSONB_EXISTS');
      add(
        { ...refKey(target), opclass: onlyContains ? 'jsonb_path_ops' : undefined },
        ['gin', ...exprKinds],
        onlyContains
          ? `jsonb @> on ${refName(target)}: jsonb_path_ops is smaller and faster than the default opclass when only @> is used`
          : `jsonb key-existence (? ?| ?&) on ${refName(target)} needs the default jsonb_ops GIN opclass`,
      );
    }
    if (ops.has('FULLTEXT')) {
      add(
        refKey(target),
        ['gin', ...exprKinds],
        target.expression
          ? `full-text @@ on ${target.expression}: a GIN index on exactly this expression serves the search`
          : `full-text @@ on ${refName(target)}`,
      );
    }
    const infix = preds.find((p) => p.op === 'LIKE_INFIX');
    if (infix) {
      const requires = options.pgTrgmInstalled ? [] : ['CREATE EXTENSION IF NOT EXISTS pg_trgm;'];
      const missing = options.pgTrgmInstalled ? '' : ' (pg_trgm is not installed in this database: the migration creates it)';
      add(
        { ...refKey(target), opclass: 'gin_trgm_ops' },
        ['gin', 'trigram', ...exprKinds],
        `${infix.caseInsensitive ? 'ILIKE' : 'LIKE'} '%…%' on ${refName(target)} cannot use a btree; a trigram GIN index can${missing}`,
        requires,
      );
    }
  }
  return out;
}

function brinCandidates(ctx: TableContext): Candidate[] {
  const { info, options } = ctx;
  if (info.rows < options.brinMinRows) return [];
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const p of ctx.range) {
    const col = ctx.column(p.target.column);
    if (!col || seen.has(col.name) || Math.abs(col.correlation ?? 0) < options.brinMinCorrelation) continue;
    seen.add(col.name);
    out.push({
      schema: info.schema,
      table: info.name,
      method: 'brin',
      keys: [{ column: col.name }],
      include: [],
      where: [],
      kinds: ['brin'],
      reason: `range on ${col.name}, whose rows are stored in its order (correlation ${(col.correlation ?? 0).toFixed(2)}): a BRIN index skips the block ranges outside it at a tiny fraction of a btree's size`,
      requires: [],
      needsTrialBuild: false,
    });
  }
  return out;
}

function btreeKinds(keys: CandidateKey[], partial: boolean, covering: boolean): IndexKind[] {
  const kinds: IndexKind[] = [keys.length > 1 ? 'composite' : 'btree'];
  if (partial) kinds.push('partial');
  if (covering) kinds.push('covering');
  if (keys.some((k) => k.expression)) kinds.push('expression');
  return kinds;
}

function refKey(ref: ColumnRef, op?: string): CandidateKey {
  const key: CandidateKey = ref.column !== undefined ? { column: ref.column } : { expression: ref.expression };
  if (op === 'LIKE_PREFIX') key.opclass = 'text_pattern_ops';
  return key;
}

function orderKey(o: OrderKey): CandidateKey {
  const key = refKey(o.target);
  if (o.direction === 'DESC') key.desc = true;
  // Only write NULLS when it differs from the direction's default (ASC → LAST, DESC → FIRST).
  if (o.nulls && o.nulls !== (o.direction === 'DESC' ? 'FIRST' : 'LAST')) key.nulls = o.nulls;
  return key;
}

function sameTarget(k: CandidateKey, ref: ColumnRef): boolean {
  return (k.column !== undefined && k.column === ref.column) || (k.expression !== undefined && k.expression === ref.expression);
}

function refName(ref: ColumnRef): string {
  return ref.column ?? ref.expression ?? '?';
}

function describeOrder(o: OrderKey): string {
  return `${refName(o.target)}${o.direction === 'DESC' ? ' DESC' : ''}${o.nulls ? ` NULLS ${o.nulls}` : ''}`;
}

function describeFraction(ctx: TableContext, preds: Predicate[]): string {
  const fractions = preds.map((p) => ctx.fraction(p)).filter((f): f is number => f !== undefined);
  const share = fractions.length ? Math.min(...fractions) : undefined;
  return [
    share === undefined ? '' : `about ${share < 0.001 ? '<0.1' : (share * 100).toFixed(1)}% of the table`,
    preds.some((p) => ctx.isBoolean(p)) ? 'a boolean flag is a poor leading key' : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function joinWhy(...parts: string[]): string {
  return parts.filter(Boolean).join('; ');
}

function arrayOpSymbol(op: string): string {
  return op === 'ARRAY_CONTAINS' ? '@>' : op === 'ARRAY_OVERLAP' ? '&&' : '<@';
}

/** The text pg_stats prints for a literal: 'x' → x, true → t, DATE '2024-01-01' → 2024-01-01. */
export function literalText(valueSql: string): string {
  const v = valueSql.trim();
  if (/^true$/i.test(v)) return 't';
  if (/^false$/i.test(v)) return 'f';
  const quoted = /^(?:[a-z_ ]+\s)?'((?:[^']|'')*)'(?:::[\w ]+)?$/i.exec(v);
  if (quoted) return quoted[1].replace(/''/g, "'");
  return v.replace(/::[\w ]+$/, '');
}
