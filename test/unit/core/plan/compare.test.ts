import assert from 'node:assert/strict';
import { comparePlans } from '../../../../src/core/plan/compare';
import { parsePlan } from '../../../../src/core/plan/parse';

const node = (type: string, cost: number, rows: number, extra: Record<string, unknown> = {}, plans: unknown[] = []) => ({
  'Node Type': type,
  'Startup Cost': 0,
  'Total Cost': cost,
  'Plan Rows': rows,
  'Plan Width': 8,
  ...extra,
  ...(plans.length ? { Plans: plans } : {}),
});

const BEFORE = [
  {
    Plan: node('Limit', 1340, 50, {}, [
      node('Sort', 1340, 47, {}, [node('Seq Scan', 1339, 47, { 'Relation Name': 'alerts', Alias: 'alerts' })]),
    ]),
  },
];
const AFTER = [
  {
    Plan: node('Limit', 152, 50, {}, [
      node('Index Scan', 150, 47, { 'Relation Name': 'alerts', Alias: 'alerts', 'Index Name': 'alerts_open_idx' }),
    ]),
  },
];

describe('core/plan/compare: two plans node by node', () => {
  it('matches scans by relation, marks the changed node type, the node that went away and the totals', () => {
    const diff = comparePlans(parsePlan(BEFORE), parsePlan(AFTER));
    assert.equal(diff.measure, 'cost', 'a hypothetical plan is not analysed: costs are compared');
    assert.deepEqual([diff.totalBefore, diff.totalAfter], [1340, 152]);
    const byKey = new Map(diff.nodes.map((n) => [n.key, n]));
    const scan = byKey.get('alerts')!;
    assert.deepEqual([scan.before?.label, scan.after?.label, scan.changed], ['Seq Scan', 'Index Scan using alerts_open_idx', true]);
    assert.equal(scan.before?.own, 1339);
    assert.equal(byKey.get('Limit 1')?.changed, false);
    const sort = byKey.get('Sort 1')!;
    assert.deepEqual([sort.before?.label, sort.after, sort.changed], ['Sort', undefined, true]);
  });
});
