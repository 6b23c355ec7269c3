import { exclusiveCost, walkPlan } from './parse';
import { Plan, PlanNode } from './types';

/** One node of either plan as the comparison shows it. */
export interface ComparedNode {
  nodeId: number;
  /** "Index Scan using alerts_open_idx", "Seq Scan". */
  label: string;
  /** Own time in ms when both plans were analysed, else own cost in planner units. */
  own: number;
  rows: number;
}

export interface NodeDifference {
  /** What the two nodes share: the relation they read ("public.alerts a"), else the node type and its rank ("Sort 1"). */
  key: string;
  before?: ComparedNode;
  after?: ComparedNode;
  /** The node type or index differs, or the node is only in one plan. */
  changed: boolean;
}

export interface PlanComparison {
  /** Measured time when both plans ran (ANALYZE), else the planner's cost. */
  measure: 'time' | 'cost';
  totalBefore: number;
  totalAfter: number;
  nodes: NodeDifference[];
}

/**
 * Two plans of one statement node by node: scans are matched by the relation they read, other
 * nodes by type and order, so a Seq Scan that became an Index Scan shows as one changed row.
 */
export function comparePlans(before: Plan, after: Plan): PlanComparison {
  const measure = before.analyzed && after.analyzed ? 'time' : 'cost';
  const total = (p: Plan) => (measure === 'time' ? (p.executionMs ?? p.root.inclusiveMs ?? 0) : p.totalCost);
  const a = keyed(before, measure);
  const b = keyed(after, measure);
  const nodes: NodeDifference[] = [];
  for (const [key, node] of a) {
    const other = b.get(key);
    nodes.push({ key, before: node, after: other, changed: !other || other.label !== node.label });
  }
  for (const [key, node] of b) if (!a.has(key)) nodes.push({ key, after: node, changed: true });
  return { measure, totalBefore: total(before), totalAfter: total(after), nodes };
}

function keyed(plan: Plan, measure: 'time' | 'cost'): Map<string, ComparedNode> {
  const out = new Map<string, ComparedNode>();
  const ranks = new Map<string, number>();
  for (const n of walkPlan(plan.root)) {
    let key: string;
    if (n.relation) key = `${n.schema ? `${n.schema}.` : ''}${n.relation}${n.alias && n.alias !== n.relation ? ` ${n.alias}` : ''}`;
    else {
      const type = n.nodeType;
      const rank = (ranks.get(type) ?? 0) + 1;
      ranks.set(type, rank);
      key = `${type} ${rank}`;
    }
    while (out.has(key)) key += "'";
    out.set(key, {
      nodeId: n.id,
      label: label(n),
      own: measure === 'time' ? (n.exclusiveMs ?? 0) : exclusiveCost(n),
      rows: measure === 'time' ? (n.actualRows ?? 0) * (n.loops ?? 1) : n.planRows,
    });
  }
  return out;
}

const label = (n: PlanNode) => `${n.operation ?? n.nodeType}${n.index ? ` using ${n.index}` : ''}`;
