/**
 * The query shape: what the advisor needs to know about a statement, per table, independent of
 * the parser that produced it. Built from pgsql-ast-parser by `extractShape` (see shapeBuilder.ts).
 */

/** A column or an expression over one table's columns, as the index would name it. */
export interface ColumnRef {
  /** Plain column name (unquoted, as in the catalog) when the operand is a bare column. */
  column?: string;
  /** SQL text of an expression operand, columns unqualified, e.g. `lower(email)` or
   *  `to_tsvector('english', title || ' ' || description)`. Set when `column` is not. */
  expression?: string;
  /** Columns the expression reads (for expression operands). */
  columns: string[];
}

export type PredicateOp =
  | '='
  | 'IN'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'BETWEEN'
  | 'IS NULL'
  | 'IS NOT NULL'
  | 'LIKE_PREFIX' // LIKE 'abc%' (btree with text_pattern_ops or C collation)
  | 'LIKE_INFIX' // LIKE / ILIKE '%x%' (trigram)
  | 'ARRAY_OVERLAP' // &&
  | 'ARRAY_CONTAINS' // @> on arrays
  | 'ARRAY_CONTAINED' // <@ on arrays
  | 'JSONB_CONTAINS' // @> on jsonb
  | 'JSONB_EXISTS' // ? ?| ?&
  | 'FULLTEXT' // @@
  | '<>' // not indexable by btree, recorded for partial-index reasoning
  | 'OTHER';

export interface Predicate {
  target: ColumnRef;
  op: PredicateOp;
  /** True when the compared value is a literal constant (partial index candidates need this). */
  constant: boolean;
  /** The value(s) as SQL text when constant, e.g. `'critical'`, `false`, `DATE '2024-01-01'`. */
  valueSql?: string;
  /** Bound parameter number when the value is `$n`. */
  param?: number;
  /** `ILIKE` rather than `LIKE` (for LIKE_* ops). */
  caseInsensitive?: boolean;
  /** SQL text of the whole predicate with the column unqualified, usable in an index WHERE clause. */
  sql: string;
}

export interface JoinKey {
  /** Column on this table that is compared to another table's column. */
  column: string;
  otherTable: string;
  otherColumn: string;
}

export interface OrderKey {
  target: ColumnRef;
  direction: 'ASC' | 'DESC';
  nulls?: 'FIRST' | 'LAST';
}

/** Everything the statement does with one table (one entry per table occurrence/alias). */
export interface TableUsage {
  /** Schema-qualified when the query qualifies it; otherwise the bare name. */
  schema?: string;
  table: string;
  alias?: string;
  /** Predicates ANDed at the top level of WHERE / JOIN ON that touch only this table. */
  predicates: Predicate[];
  joinKeys: JoinKey[];
  /** ORDER BY keys, only when every key belongs to this table. */
  orderBy: OrderKey[];
  groupBy: ColumnRef[];
  /** Every column of this table the statement reads (select list, predicates, order, group, join). */
  columnsRead: string[];
  /** The whole table is read by `*` or `t.*`. */
  readsAllColumns: boolean;
}

/** A table the statement reads, with nothing known yet about how (the shape builders fill it in). */
export function emptyUsage(name: { table: string; schema?: string; alias?: string }): TableUsage {
  const usage: TableUsage = {
    table: name.table,
    predicates: [],
    joinKeys: [],
    orderBy: [],
    groupBy: [],
    columnsRead: [],
    readsAllColumns: false,
  };
  if (name.schema) usage.schema = name.schema;
  if (name.alias) usage.alias = name.alias;
  return usage;
}

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'other';

export interface QueryShape {
  kind: StatementKind;
  tables: TableUsage[];
  limit?: number;
  /** Highest `$n` used (0 when none). */
  paramCount: number;
  /** True when a CTE or the statement itself writes (INSERT/UPDATE/DELETE/MERGE). */
  writes: boolean;
  /** The columns the statement's UPDATE sets ([] for other statements); undefined when unknown (a shape from the plan alone). */
  setColumns?: string[];
}

/** Where a parse error happened; 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}
