import { Plan, PlanNode } from './types';

/**
 * Renders the plan in the layout of EXPLAIN's text format (what psql users read every day), so
 * it can be saved as a .plan file and highlighted by the pgplan grammar.
 */
export function formatPlanText(plan: Plan): string {
  const lines: string[] = [];
  const visit = (n: PlanNode, depth: number) => {
    const indent = depth === 0 ? '' : ' '.repeat(depth * 6 - 4) + '->  ';
    const detailIndent = ' '.repeat(depth === 0 ? 2 : depth * 6 + 2);
    lines.push(
      `${indent}${title(n)}  (cost=${n.startupCost.toFixed(2)}..${n.totalCost.toFixed(2)} rows=${n.planRows} width=${n.planWidth})${actual(n)}`,
    );
    for (const c of n.conditions) lines.push(`${detailIndent}${c.label}: ${c.text}`);
    if (n.rowsRemovedByFilter !== undefined)
      lines.push(`${detailIndent}Rows Removed by Filter: ${Math.round(n.rowsRemovedByFilter / (n.loops || 1))}`);
    if (n.heapFetches !== undefined) lines.push(`${detailIndent}Heap Fetches: ${n.heapFetches}`);
    if (n.sortMethod) lines.push(`${detailIndent}Sort Method: ${n.sortMethod}`);
    if (n.buffers) {
      const b = n.buffers;
      const parts = [
        b.sharedHit && `hit=${b.sharedHit}`,
        b.sharedRead && `read=${b.sharedRead}`,
        b.sharedDirtied && `dirtied=${b.sharedDirtied}`,
        b.sharedWritten && `written=${b.sharedWritten}`,
      ].filter(Boolean);
      if (parts.length) lines.push(`${detailIndent}Buffers: shared ${parts.join(' ')}`);
    }
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(plan.root, 0);
  if (plan.planningMs !== null) lines.push(`Planning Time: ${plan.planningMs.toFixed(3)} ms`);
  if (plan.executionMs !== null) lines.push(`Execution Time: ${plan.executionMs.toFixed(3)} ms`);
  return lines.join('\n') + '\n';
}

function title(n: PlanNode): string {
  let t =
    n.joinType && /Join|Nested Loop/.test(n.nodeType) && n.joinType !== 'Inner'
      ? `${n.nodeType.replace(' Join', '')} ${n.joinType} Join`
      : n.nodeType;
  if (n.index) t += ` using ${n.index}`;
  if (n.relation) t += ` on ${n.schema ? `${n.schema}.` : ''}${n.relation}${n.alias && n.alias !== n.relation ? ` ${n.alias}` : ''}`;
  return t;
}

function actual(n: PlanNode): string {
  if (n.loops === undefined) return '';
  if (n.loops === 0) return ' (never executed)';
  const perLoop = (n.inclusiveMs ?? 0) / n.loops;
  return ` (actual time=${(n.actualStartupMs ?? 0).toFixed(3)}..${perLoop.toFixed(3)} rows=${n.actualRows ?? 0} loops=${n.loops})`;
}
