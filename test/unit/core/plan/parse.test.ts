import assert from 'node:assert/strict';
import { parsePlan } from '../../../../src/core/plan/parse';
import { nameHypotheticalIndex } from '../../../../src/core/plan/hypothetical';
import { formatPlanText } from '../../../../src/core/plan/text';

/** EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) output of a LIMIT over a sort over a seq scan, as PostgreSQL 15 prints it. */
const ANALYZED = [
  {
    Plan: {
      'Node Type': 'Limit',
      'Startup Cost': 100,
      'Total Cost': 120,
      'Plan Rows': 20,
      'Plan Width': 40,
      'Actual Startup Time': 80,
      'Actual Total Time': 81,
      'Actual Rows': 20,
      'Actual Loops': 1,
      Plans: [
        {
          'Node Type': 'Sort',
          'Startup Cost': 100,
          'Total Cost': 110,
          'Plan Rows': 5000,
          'Plan Width': 40,
          'Actual Startup Time': 79,
          'Actual Total Time': 80,
          'Actual Rows': 20,
          'Actual Loops': 1,
          'Sort Key': ['created_at DESC'],
          'Sort Method': 'top-N heapsort',
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': 'users',
              Schema: 'public',
              Alias: 'users',
              'Startup Cost': 0,
              'Total Cost': 90,
              'Plan Rows': 5000,
              'Plan Width': 40,
              'Actual Startup Time': 0.01,
              'Actual Total Time': 60,
              'Actual Rows': 100000,
              'Actual Loops': 1,
              Filter: "(role = 'director'::text)",
              'Rows Removed by Filter': 900000,
              'Shared Hit Blocks': 10,
              'Shared Read Blocks': 5000,
              'Shared Dirtied Blocks': 0,
              'Shared Written Blocks': 0,
              'Temp Read Blocks': 0,
              'Temp Written Blocks': 0,
            },
          ],
        },
      ],
    },
    'Planning Time': 0.2,
    'Execution Time': 81.5,
  },
];

describe('plan model', () => {
  it('computes exclusive time, misestimates and filtered rows', () => {
    const plan = parsePlan(ANALYZED);
    assert.equal(plan.analyzed, true);
    assert.equal(plan.executionMs, 81.5);
    const [limit, sort, scan] = [plan.root, plan.root.children[0], plan.root.children[0].children[0]];
    assert.deepEqual([limit.id, sort.id, scan.id], [0, 1, 2]);
    assert.equal(scan.exclusiveMs, 60);
    assert.equal(sort.exclusiveMs, 20);
    assert.equal(limit.exclusiveMs, 1);
    assert.equal(scan.misestimate, 20, '5000 estimated vs 100000 actual');
    assert.equal(scan.rowsRemovedByFilter, 900000);
    assert.equal(scan.buffers?.sharedRead, 5000);
    assert.deepEqual(sort.conditions, [{ label: 'Sort Key', text: 'created_at DESC' }]);
  });

  it('gives each node its own share of the time and marks the path to the slowest one', () => {
    const plan = parsePlan(ANALYZED);
    const [limit, sort, scan] = [plan.root, plan.root.children[0], plan.root.children[0].children[0]];
    assert.deepEqual(
      [limit, sort, scan].map((n) => Math.round((n.share ?? 0) * 1000) / 1000),
      [Math.round((1 / 81) * 1000) / 1000, Math.round((20 / 81) * 1000) / 1000, Math.round((60 / 81) * 1000) / 1000],
    );
    assert.deepEqual(
      [limit, sort, scan].map((n) => n.onSlowestPath),
      [true, true, true],
    );
    const plain = parsePlan(JSON.parse(JSON.stringify(ANALYZED), (k, v) => (/^Actual|Execution Time/.test(k) ? undefined : v)));
    assert.equal(Math.round((plain.root.children[0].children[0].share ?? 0) * 100), 75, 'cost 90 of 120 without ANALYZE');
  });

  it('names the hotspots, biggest share first', () => {
    const kinds = parsePlan(ANALYZED).hotspots.map((h) => h.kind);
    assert.equal(kinds[0], 'seq-scan');
    assert.deepEqual([...kinds].sort(), ['misestimate', 'seq-scan', 'sort']);
    assert.match(
      parsePlan(ANALYZED).hotspots[0].message,
      /Sequential scan on public\.users takes 74% of the time, 900,000 rows removed by filter/,
    );
  });

  it('uses cost shares when the plan was not analysed', () => {
    const plain = JSON.parse(JSON.stringify(ANALYZED), (k, v) => (/^Actual|Execution Time/.test(k) ? undefined : v));
    const plan = parsePlan(plain);
    assert.equal(plan.analyzed, false);
    assert.equal(plan.executionMs, null);
    assert.match(plan.hotspots[0].message, /of the cost/);
  });

  it('renders the EXPLAIN text layout the pgplan grammar reads', () => {
    const text = formatPlanText(parsePlan(ANALYZED));
    assert.match(text, /^Limit {2}\(cost=100\.00\.\.120\.00 rows=20 width=40\) \(actual time=80\.000\.\.81\.000 rows=20 loops=1\)\n/);
    assert.match(text, /\n {8}-> {2}Seq Scan on public\.users {2}\(cost=0\.00\.\.90\.00/);
    assert.match(text, /Rows Removed by Filter: 900000/);
    assert.match(text, /Execution Time: 81\.500 ms\n$/);
  });

  it("replaces HypoPG's internal index name with the suggested one, in the tree and in the text", () => {
    const hypothetical = JSON.parse(
      JSON.stringify(ANALYZED).replace('"Node Type":"Seq Scan"', '"Node Type":"Index Scan","Index Name":"<13558>btree_users_role"'),
    );
    const plan = nameHypotheticalIndex(parsePlan(hypothetical), 'users_role_idx');
    assert.equal(plan.root.children[0].children[0].index, 'users_role_idx');
    assert.match(formatPlanText(plan), /Index Scan using users_role_idx on public\.users/);
    assert.doesNotMatch(formatPlanText(plan), /13558/);
  });

  it('rejects output that is not an EXPLAIN JSON plan', () => {
    assert.throws(() => parsePlan([{ nothing: true }]), /no plan/);
  });
});
