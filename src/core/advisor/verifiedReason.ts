import { walkPlan } from '../plan/parse';
import { Plan, PlanNode } from '../plan/types';

const ACCESS: Record<string, string> = {
  'Index Only Scan': 'an index-only scan (the table is not visited)',
  'Index Scan': 'an index scan',
  'Bitmap Index Scan': 'a bitmap scan',
};

/**
 * What the verified (what-if or trial-build) plan shows about an index, never what the candidate
 * meant to do: how the planner reads through it (index-only, index or bitmap scan) and about how
 * many rows, and whether the sort the baseline had is gone or still there. Empty when the plan
 * does not show the index (unverified suggestions).
 */
export function verifiedReason(before: Plan, after: Plan, planName: string | undefined, table: string): string {
  if (!planName) return '';
  const uses = [...walkPlan(after.root)].filter((n) => n.index === planName);
  if (!uses.length) return '';
  const node = uses[0];
  const access = ACCESS[node.nodeType] ?? `a ${node.nodeType}`;
  // Under a LIMIT the scan stops early: its row estimate is not what it reads.
  const limited = [...walkPlan(after.root)].some((n) => n.nodeType === 'Limit');
  const parts = [`In the verified plan the planner reads ${table} through it with ${access}${limited ? '' : `, about ${rows(node)} rows`}`];
  const sortsBefore = hasSort(before);
  const sortsAfter = hasSort(after);
  if (sortsBefore && !sortsAfter) parts.push('the sort is gone');
  else if (sortsAfter) parts.push('the plan still sorts');
  return parts.join(', and ') + '.';
}

function hasSort(plan: Plan): boolean {
  return [...walkPlan(plan.root)].some((n) => n.nodeType === 'Sort' || n.nodeType === 'Incremental Sort');
}

function rows(n: PlanNode): string {
  const r = n.planRows * (n.loops ?? 1);
  return r >= 1000 ? `${Math.round(r / 100) / 10}k` : String(Math.round(r));
}
