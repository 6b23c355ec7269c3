import assert from 'node:assert/strict';
import { quoteIdent, renderExplainText } from '../../../../src/core/plan/text';

/**
 * The fields the integration test cannot compare deterministically (timings, JIT, I/O timings,
 * triggers), in PostgreSQL 15's text layout. The node lines themselves are checked against the
 * server in test/integration/core/plan/text.test.ts.
 */
describe('core/plan/text: fields with timings', () => {
  it('prints I/O timings, temp buffers, planning buffers, triggers, JIT and the summary times in explain.c order', () => {
    const json = [
      {
        Plan: {
          'Node Type': 'ModifyTable',
          Operation: 'Delete',
          'Relation Name': 'users',
          Alias: 'users',
          'Startup Cost': 0,
          'Total Cost': 10.5,
          'Plan Rows': 0,
          'Plan Width': 0,
          'Actual Startup Time': 0.25,
          'Actual Total Time': 0.3,
          'Actual Rows': 0,
          'Actual Loops': 1,
          'Shared Hit Blocks': 12,
          'Shared Read Blocks': 3,
          'Shared Dirtied Blocks': 2,
          'Shared Written Blocks': 0,
          'Local Hit Blocks': 0,
          'Local Read Blocks': 0,
          'Local Dirtied Blocks': 0,
          'Local Written Blocks': 0,
          'Temp Read Blocks': 5,
          'Temp Written Blocks': 5,
          'I/O Read Time': 0.041,
          'I/O Write Time': 0,
          'Temp I/O Read Time': 0.01,
          'Temp I/O Write Time': 0.02,
          Plans: [],
        },
        Planning: { 'Shared Hit Blocks': 7, 'Shared Read Blocks': 0 },
        'Planning Time': 0.123,
        Triggers: [
          {
            'Trigger Name': 'RI_ConstraintTrigger_a_16440',
            'Constraint Name': 'jobs_posted_by_fk',
            Relation: 'users',
            Time: 1.5,
            Calls: 1,
          },
          { 'Trigger Name': 'audit', Relation: 'users', Time: 0.25, Calls: 1 },
        ],
        JIT: {
          Functions: 4,
          Options: { Inlining: false, Optimization: false, Expressions: true, Deforming: true },
          Timing: { Generation: 0.5, Inlining: 0, Optimization: 0.25, Emission: 4.75, Total: 5.5 },
        },
        'Execution Time': 7.25,
      },
    ];
    assert.equal(
      renderExplainText(json),
      [
        'Delete on users  (cost=0.00..10.50 rows=0 width=0) (actual time=0.250..0.300 rows=0 loops=1)',
        '  Buffers: shared hit=12 read=3 dirtied=2, temp read=5 written=5',
        '  I/O Timings: shared/local read=0.041, temp read=0.010 write=0.020',
        'Planning:',
        '  Buffers: shared hit=7',
        'Planning Time: 0.123 ms',
        'Trigger for constraint jobs_posted_by_fk: time=1.500 calls=1',
        'Trigger audit: time=0.250 calls=1',
        'JIT:',
        '  Functions: 4',
        '  Options: Inlining false, Optimization false, Expressions true, Deforming true',
        '  Timing: Generation 0.500 ms, Inlining 0.000 ms, Optimization 0.250 ms, Emission 4.750 ms, Total 5.500 ms',
        'Execution Time: 7.250 ms',
        '',
      ].join('\n'),
    );
  });

  it('prints per-worker times under VERBOSE, incremental sort groups and memoize hits', () => {
    const json = {
      Plan: {
        'Node Type': 'Incremental Sort',
        'Startup Cost': 1,
        'Total Cost': 2,
        'Plan Rows': 10,
        'Plan Width': 8,
        'Actual Startup Time': 0.1,
        'Actual Total Time': 0.2,
        'Actual Rows': 10,
        'Actual Loops': 1,
        Output: ['a', 'b'],
        'Sort Key': ['a', 'b'],
        'Presorted Key': ['a'],
        'Full-sort Groups': {
          'Group Count': 1,
          'Sort Methods Used': ['quicksort'],
          'Sort Space Memory': { 'Average Sort Space Used': 25, 'Peak Sort Space Used': 25 },
        },
        Workers: [{ 'Worker Number': 0, 'Actual Startup Time': 0.05, 'Actual Total Time': 0.15, 'Actual Rows': 4, 'Actual Loops': 1 }],
        Plans: [
          {
            'Node Type': 'Memoize',
            'Parent Relationship': 'Outer',
            'Startup Cost': 0,
            'Total Cost': 1,
            'Plan Rows': 1,
            'Plan Width': 8,
            'Actual Startup Time': 0,
            'Actual Total Time': 0,
            'Actual Rows': 1,
            'Actual Loops': 10,
            Output: ['a'],
            'Cache Key': 'x.a',
            'Cache Mode': 'logical',
            'Cache Hits': 9,
            'Cache Misses': 1,
            'Cache Evictions': 0,
            'Cache Overflows': 0,
            'Peak Memory Usage': 1,
          },
        ],
      },
    };
    assert.equal(
      renderExplainText(json),
      [
        'Incremental Sort  (cost=1.00..2.00 rows=10 width=8) (actual time=0.100..0.200 rows=10 loops=1)',
        '  Output: a, b',
        '  Sort Key: a, b',
        '  Presorted Key: a',
        '  Full-sort Groups: 1  Sort Method: quicksort  Average Memory: 25kB  Peak Memory: 25kB',
        '  Worker 0:  actual time=0.050..0.150 rows=4 loops=1',
        '  ->  Memoize  (cost=0.00..1.00 rows=1 width=8) (actual time=0.000..0.000 rows=1 loops=10)',
        '        Output: a',
        '        Cache Key: x.a',
        '        Cache Mode: logical',
        '        Hits: 9  Misses: 1  Evictions: 0  Overflows: 0  Memory Usage: 1kB',
        '',
      ].join('\n'),
    );
  });

  it('quotes identifiers as quote_identifier does', () => {
    assert.equal(quoteIdent('users'), 'users');
    assert.equal(quoteIdent('*VALUES*'), '"*VALUES*"');
    assert.equal(quoteIdent('Orders'), '"Orders"');
    assert.equal(quoteIdent('user'), '"user"');
    assert.equal(quoteIdent('a"b'), '"a""b"');
  });
});
