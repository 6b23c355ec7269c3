import { PgTunerError } from '../errors';
import { findHotspots } from './hotspots';
import { operationName } from './operation';
import { Buffers, Plan, PlanNode } from './types';

type Json = Record<string, unknown>;

const CONDITION_KEYS = ['Index Cond', 'Recheck Cond', 'Filter', 'Join Filter', 'Hash Cond', 'Merge Cond', 'One-Time Filter'] as const;
const LIST_KEYS = ['Sort Key', 'Group Key', 'Presorted Key'] as const;

/** Builds the typed plan from the output of EXPLAIN (FORMAT JSON [, ANALYZE, BUFFERS]). */
export function parsePlan(raw: unknown): Plan {
  const top = (Array.isArray(raw) ? raw[0] : raw) as Json | undefined;
  if (!top || typeof top !== 'object' || !top['Plan']) {
    throw new PgTunerError('INTERNAL', 'EXPLAIN returned no plan (expected FORMAT JSON output).');
  }
  let nextId = 0;
  const build = (n: Json): PlanNode => {
    const id = nextId++;
    const loops = num(n['Actual Loops']);
    const actualTotal = num(n['Actual Total Time']);
    const children = ((n['Plans'] as Json[] | undefined) ?? []).map(build);
    const inclusiveMs = actualTotal !== undefined && loops !== undefined ? actualTotal * loops : undefined;
    const childMs = children.reduce((sum, c) => sum + (c.inclusiveMs ?? 0), 0);
    const planRows = num(n['Plan Rows']) ?? 0;
    const actualRows = num(n['Actual Rows']);
    const node: PlanNode = {
      id,
      nodeType: String(n['Node Type']),
      operation: operationName(n),
      relation: str(n['Relation Name']),
      schema: str(n['Schema']),
      alias: str(n['Alias']),
      index: str(n['Index Name']),
      joinType: str(n['Join Type']),
      conditions: [
        ...CONDITION_KEYS.filter((k) => typeof n[k] === 'string').map((k) => ({ label: k, text: String(n[k]) })),
        ...LIST_KEYS.filter((k) => Array.isArray(n[k])).map((k) => ({ label: k, text: (n[k] as string[]).join(', ') })),
      ],
      startupCost: num(n['Startup Cost']) ?? 0,
      totalCost: num(n['Total Cost']) ?? 0,
      planRows,
      planWidth: num(n['Plan Width']) ?? 0,
      actualRows,
      loops,
      actualStartupMs: num(n['Actual Startup Time']),
      inclusiveMs,
      exclusiveMs: inclusiveMs === undefined ? undefined : Math.max(0, inclusiveMs - childMs),
      misestimate: actualRows === undefined || n['Actual Loops'] === 0 ? undefined : misestimate(planRows, actualRows),
      rowsRemovedByFilter: sumOf(n, ['Rows Removed by Filter', 'Rows Removed by Index Recheck', 'Rows Removed by Join Filter'], loops),
      heapFetches: num(n['Heap Fetches']),
      sortMethod: str(n['Sort Method']),
      buffers: buffers(n),
      share: 0,
      onSlowestPath: false,
      children,
    };
    return node;
  };
  const root = build(top['Plan'] as Json);
  const plan: Plan = {
    root,
    totalCost: root.totalCost,
    planningMs: num(top['Planning Time']) ?? null,
    executionMs: num(top['Execution Time']) ?? null,
    analyzed: root.loops !== undefined,
    hotspots: [],
    raw,
  };
  markShares(plan);
  plan.hotspots = findHotspots(plan);
  return plan;
}

/** Each node's own share of the statement, and the path from the root to the node with the largest one. */
function markShares(plan: Plan): void {
  const own = (n: PlanNode) => (plan.analyzed ? (n.exclusiveMs ?? 0) : exclusiveCost(n));
  let total = 0;
  for (const n of walkPlan(plan.root)) total += own(n);
  let slowest = plan.root;
  const parents = new Map<PlanNode, PlanNode>();
  for (const n of walkPlan(plan.root)) {
    n.share = total > 0 ? own(n) / total : 0;
    if (n.share > (slowest.share ?? 0)) slowest = n;
    for (const c of n.children) parents.set(c, n);
  }
  for (let n: PlanNode | undefined = slowest; n; n = parents.get(n)) n.onSlowestPath = true;
}

/** A node's own cost: its total cost less its children's (the planner's cost is inclusive). */
export function exclusiveCost(n: PlanNode): number {
  return Math.max(0, n.totalCost - n.children.reduce((s, c) => s + c.totalCost, 0));
}

/** Every node, depth first. */
export function* walkPlan(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const c of node.children) yield* walkPlan(c);
}

/** Estimated vs actual rows as a factor ≥ 1 (EXPLAIN's estimate is per loop, like actual rows). */
function misestimate(planRows: number, actualRows: number): number {
  const est = Math.max(planRows, 1);
  const act = Math.max(actualRows, 1);
  return Math.max(est / act, act / est);
}

/** EXPLAIN reports "Rows Removed by …" per loop; multiply back to a total. */
function sumOf(n: Json, keys: string[], loops: number | undefined): number | undefined {
  const present = keys.map((k) => num(n[k])).filter((v): v is number => v !== undefined);
  if (!present.length) return undefined;
  return present.reduce((a, b) => a + b, 0) * (loops ?? 1);
}

function buffers(n: Json): Buffers | undefined {
  if (n['Shared Hit Blocks'] === undefined) return undefined;
  return {
    sharedHit: num(n['Shared Hit Blocks']) ?? 0,
    sharedRead: num(n['Shared Read Blocks']) ?? 0,
    sharedDirtied: num(n['Shared Dirtied Blocks']) ?? 0,
    sharedWritten: num(n['Shared Written Blocks']) ?? 0,
    tempRead: num(n['Temp Read Blocks']) ?? 0,
    tempWritten: num(n['Temp Written Blocks']) ?? 0,
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
