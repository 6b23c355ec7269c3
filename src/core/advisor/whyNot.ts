import { walkPlan } from '../plan/parse';
import { Plan, PlanNode } from '../plan/types';

/** A scan reading fewer rows than this is cheap with or without an index. */
const FEW_ROWS = 1000;
/** A scan under this share of the plan's cost is not where the time goes. */
const SMALL_SHARE = 0.1;
/** Estimated and actual rows this far apart: the plan (and any what-if plan) cannot be trusted. */
const POOR_ESTIMATE = 10;

/**
 * When nothing is suggested: one plain sentence per table the plan scans, saying why no index is
 * offered for it, from what the baseline plan shows (read through an index already, a poor
 * estimate, no filter, few rows, a small part of the cost) or, failing those, that no candidate
 * made the planner cheaper. Tables in `explained` already have their sentence (an index left out and why).
 */
export function whyNoIndex(before: Plan, explained: ReadonlySet<string> = new Set()): string[] {
  const scans = new Map<string, PlanNode[]>();
  for (const n of walkPlan(before.root)) {
    if (!n.relation) continue;
    const name = n.schema ? `${n.schema}.${n.relation}` : n.relation;
    scans.set(name, [...(scans.get(name) ?? []), n]);
  }
  return [...scans].filter(([table]) => !explained.has(table)).map(([table, nodes]) => `${table}: ${reasonFor(nodes, before)}.`);
}

function reasonFor(nodes: PlanNode[], before: Plan): string {
  const byIndex = nodes.find((n) => n.index);
  if (byIndex) return `the plan already reads it through its index ${byIndex.index} (${byIndex.nodeType})`;
  const poor = nodes.find((n) => (n.misestimate ?? 1) >= POOR_ESTIMATE);
  if (poor) {
    return (
      `the planner's estimate of its rows is off by ${Math.round(poor.misestimate!)}× (estimated ${poor.planRows}, got ${poor.actualRows}), ` +
      'too poor to trust a what-if plan: run ANALYZE on it, or CREATE STATISTICS for correlated columns, and ask again'
    );
  }
  const filtered = nodes.filter((n) => n.conditions.some((c) => c.label === 'Filter'));
  if (!filtered.length) return 'the statement reads all of its rows (no filter an index could serve)';
  const read = before.analyzed ? Math.max(...filtered.map((n) => rowsRead(n))) : Infinity;
  if (read < FEW_ROWS) return `only about ${Math.round(read)} rows are read: an index would not pay off`;
  const cost = Math.max(...nodes.map((n) => n.totalCost));
  if (cost < before.totalCost * SMALL_SHARE) {
    return `its scan is a small part of the plan (cost ${cost.toFixed(0)} of ${before.totalCost.toFixed(0)}): an index there would not change the total much`;
  }
  return 'no candidate index made the planner choose a cheaper plan by the margin';
}

/** Rows the scan looked at (measured): those it kept plus those its filter removed, over all loops. */
function rowsRead(n: PlanNode): number {
  return (n.actualRows ?? 0) * (n.loops ?? 1) + (n.rowsRemovedByFilter ?? 0);
}
