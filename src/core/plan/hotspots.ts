import { Hotspot, Plan, PlanNode } from './types';

/** A node is worth pointing at when it takes at least this share of the statement. */
const MIN_SHARE = 0.1;
/** Misestimates below this factor are normal planner noise. */
const MISESTIMATE_FACTOR = 10;
const MISESTIMATE_MIN_ROWS = 1000;
/** Nodes that read all their input before returning a row. */
const BLOCKING = new Set(['Sort', 'Hash', 'Aggregate', 'Materialize', 'Incremental Sort', 'WindowAgg', 'SetOp']);

/**
 * The places a developer should look first: costly sequential scans, sorts, nested loops whose
 * inner side runs many times, index-only scans that still visit the heap, and big misestimates.
 * Shares are of measured time with ANALYZE, else of the plan's total cost.
 */
export function findHotspots(plan: Plan): Hotspot[] {
  const total = plan.analyzed ? sumExclusive(plan.root) : plan.root.totalCost;
  const pct = (x: number) => `${Math.round(x * 100)}% of the ${plan.analyzed ? 'time' : 'cost'}`;
  const out: Hotspot[] = [];
  // Under a LIMIT, streaming nodes stop early: their actual row counts are not misestimates.
  const visit = (n: PlanNode, parent: PlanNode | undefined, truncated: boolean) => {
    const s = n.share ?? 0;
    const where = n.relation ? ` on ${n.schema ? n.schema + '.' : ''}${n.relation}` : '';
    if (n.nodeType === 'Seq Scan' && s >= MIN_SHARE) {
      const removed = n.rowsRemovedByFilter ? `, ${fmt(n.rowsRemovedByFilter)} rows removed by filter` : '';
      out.push({ nodeId: n.id, kind: 'seq-scan', share: s, message: `Sequential scan${where} takes ${pct(s)}${removed}.` });
    }
    if ((n.nodeType === 'Sort' || n.nodeType === 'Incremental Sort') && (s >= MIN_SHARE || /external/i.test(n.sortMethod ?? ''))) {
      out.push({
        nodeId: n.id,
        kind: 'sort',
        share: s,
        message: `Sort takes ${pct(s)}${n.sortMethod ? ` (${n.sortMethod})` : ''}; an index in the ORDER BY order avoids it.`,
      });
    }
    if (parent?.nodeType === 'Nested Loop' && parent.children[1] === n && (n.loops ?? 1) > 1) {
      const inner = inclusiveShare(n, total, plan.analyzed);
      if (inner >= MIN_SHARE) {
        out.push({
          nodeId: n.id,
          kind: 'nested-loop-inner',
          share: inner,
          message: `Inner side of a nested loop runs ${fmt(n.loops ?? 0)} times and takes ${pct(inner)}${where}.`,
        });
      }
    }
    if (
      n.nodeType === 'Index Only Scan' &&
      (n.heapFetches ?? 0) > 0 &&
      (n.heapFetches ?? 0) >= (n.actualRows ?? 0) * (n.loops ?? 1) * 0.1
    ) {
      out.push({
        nodeId: n.id,
        kind: 'heap-fetches',
        share: s,
        message: `Index-only scan${where} still fetched ${fmt(n.heapFetches ?? 0)} heap rows; VACUUM the table to update its visibility map.`,
      });
    }
    if (!truncated && (n.misestimate ?? 1) >= MISESTIMATE_FACTOR && Math.max(n.planRows, n.actualRows ?? 0) >= MISESTIMATE_MIN_ROWS) {
      out.push({
        nodeId: n.id,
        kind: 'misestimate',
        share: s,
        message: `Row estimate off by ${Math.round(n.misestimate ?? 1)}× (${fmt(n.planRows)} estimated, ${fmt(n.actualRows ?? 0)} actual)${where}; ANALYZE or extended statistics may help.`,
      });
    }
    const childTruncated = n.nodeType === 'Limit' || (truncated && !BLOCKING.has(n.nodeType));
    for (const c of n.children) visit(c, n, childTruncated);
  };
  visit(plan.root, undefined, false);
  return out.sort((a, b) => b.share - a.share);
}

function sumExclusive(n: PlanNode): number {
  return (n.exclusiveMs ?? 0) + n.children.reduce((s, c) => s + sumExclusive(c), 0);
}

function inclusiveShare(n: PlanNode, total: number, analyzed: boolean): number {
  if (total <= 0) return 0;
  return analyzed ? (n.inclusiveMs ?? 0) / total : (n.totalCost * (n.loops ?? 1)) / total;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
