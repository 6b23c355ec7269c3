import assert from 'node:assert/strict';
import { parsePlan, walkPlan } from '../../../../src/core/plan/parse';

/** The views name nodes as EXPLAIN's text does, not by the JSON's bare Node Type. */
describe('plan node operation names', () => {
  const plan = parsePlan([
    {
      Plan: {
        'Node Type': 'Aggregate',
        Strategy: 'Sorted',
        'Partial Mode': 'Finalize',
        'Total Cost': 10,
        Plans: [
          {
            'Node Type': 'Aggregate',
            Strategy: 'Hashed',
            'Partial Mode': 'Partial',
            'Total Cost': 9,
            Plans: [
              {
                'Node Type': 'Hash Join',
                'Join Type': 'Left',
                'Total Cost': 8,
                Plans: [
                  { 'Node Type': 'Seq Scan', 'Parallel Aware': true, 'Relation Name': 'a', Alias: 'a', 'Total Cost': 4 },
                  { 'Node Type': 'ModifyTable', Operation: 'Insert', 'Relation Name': 'b', Alias: 'b', 'Total Cost': 3 },
                ],
              },
            ],
          },
        ],
      },
    },
  ]);

  it('names partial and finalize aggregates, join types, parallel scans and DML as the text format does', () => {
    assert.deepEqual(
      [...walkPlan(plan.root)].map((n) => n.operation),
      ['Finalize GroupAggregate', 'Partial HashAggregate', 'Hash Left Join', 'Parallel Seq Scan', 'Insert'],
    );
    assert.equal(plan.root.nodeType, 'Aggregate', 'the JSON Node Type stays as it was');
  });
});
