/**
 * Syntactic candidates, as the workload algorithms of the research generate them (Kossmann et al.,
 * VLDB 2020): btree indexes on a statement's indexable columns, alone and as pairs that lead with
 * a column compared by equality (or joined), and each alone with the table's other columns the
 * statement names as INCLUDE (index-only scans). The columns come from the statement's baseline plan,
 * not its text: each scan's Filter names its own table's columns, each join condition names
 * alias-qualified ones, and a correlated subquery's scan shows `col = $0`. That reads the comma
 * joins, unqualified columns and subqueries of analytic SQL (TPC-H) that the per-statement
 * advisor's shape rules do not. Only columns the table really has are used; what-if plans decide
 * which candidates pay.
 */
import { Candidate, CandidateKey } from '../advisor/candidate';
import { TableInfo } from '../catalog/tables';
import { walkPlan } from '../plan/parse';
import { PlanNode } from '../plan/types';

/** Tables smaller than this many rows are read whole faster than through any index. */
const MIN_ROWS = 1000;
/** At most this many columns of one table per statement are combined (pairs grow with the square). */
const MAX_COLUMNS = 6;
/** A covering candidate stores at most this many more columns: wider entries cost more than they save. */
const MAX_INCLUDE = 5;
const SCAN_CONDITIONS = new Set(['Filter', 'Index Cond', 'Recheck Cond']);
const JOIN_CONDITIONS = new Set(['Hash Cond', 'Merge Cond', 'Join Filter']);
/** A column reference, optionally alias-qualified, and what follows it. */
const REFERENCE = /(?<![\w.$'])(?:"?([A-Za-z_][\w$]*)"?\.)?"?([A-Za-z_][\w$]*)"?(?![\w$(])/g;

interface Columns {
  info: TableInfo;
  all: Set<string>;
  /** Compared by equality (= or = ANY) or joined: may lead a pair. */
  leading: Set<string>;
}

export function indexableCandidates(root: PlanNode, tables: TableInfo[], words: Set<string>): Candidate[] {
  const byName = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
  const aliases = new Map<string, TableInfo>();
  const nodes = [...walkPlan(root)];
  for (const n of nodes) {
    const info = n.relation ? byName.get(`${n.schema ?? 'public'}.${n.relation}`) : undefined;
    if (info) aliases.set(n.alias ?? n.relation!, info);
  }
  const found = new Map<TableInfo, Columns>();
  const add = (info: TableInfo, column: string, leading: boolean) => {
    if (!info.columns.some((c) => c.name === column)) return;
    const c = found.get(info) ?? { info, all: new Set(), leading: new Set() };
    found.set(info, c);
    c.all.add(column);
    if (leading) c.leading.add(column);
  };
  for (const n of nodes) {
    const own = n.relation ? aliases.get(n.alias ?? n.relation) : undefined;
    for (const cond of n.conditions) {
      const scan = SCAN_CONDITIONS.has(cond.label);
      if (!scan && !JOIN_CONDITIONS.has(cond.label)) continue;
      const text = cond.text.replace(/'(?:[^']|'')*'/g, "''").replace(/::[\w ]+(\[\])?/g, '');
      for (const m of text.matchAll(REFERENCE)) {
        const info = m[1] ? aliases.get(m[1]) : scan ? own : undefined;
        if (!info) continue;
        const equality = /=\s*$/.test(text.slice(0, m.index)) || /^\s*=/.test(text.slice(m.index + m[0].length));
        add(info, m[2], !scan || equality);
      }
    }
  }
  const out: Candidate[] = [];
  for (const { info, all, leading } of found.values()) {
    if (info.rows < MIN_ROWS) continue;
    const columns = [...leading, ...[...all].filter((c) => !leading.has(c))].slice(0, MAX_COLUMNS);
    // Every column of the table the statement names (a superset of those it reads): stored in the
    // index, a scan of a slice of it answers without the heap (what a 2-column index cannot do on TPC-H).
    const named = info.columns.map((c) => c.name).filter((c) => words.has(c.toLowerCase()));
    for (const a of columns) {
      out.push(candidate(info, [a]));
      if (leading.has(a)) for (const b of columns) if (b !== a) out.push(candidate(info, [a, b]));
      const include = named.filter((c) => c !== a);
      if (include.length && include.length <= MAX_INCLUDE) out.push(candidate(info, [a], include));
    }
  }
  return out;
}

function candidate(info: TableInfo, keys: string[], include: string[] = []): Candidate {
  return {
    schema: info.schema,
    table: info.name,
    method: 'btree',
    keys: keys.map((column): CandidateKey => ({ column })),
    include,
    where: [],
    kinds: [
      ...(['btree'] as const),
      ...(keys.length > 1 ? (['composite'] as const) : []),
      ...(include.length ? (['covering'] as const) : []),
    ],
    reason:
      `indexable column${keys.length > 1 ? 's' : ''} ${keys.join(', ')} of ${info.name}, from the plan's filters and join conditions` +
      (include.length ? `, with every other column the statement names (${include.join(', ')}) for index-only scans` : ''),
    requires: [],
    needsTrialBuild: false,
  };
}
