import assert from 'node:assert/strict';
import { Candidate, createIndexDdl } from '../../../../src/core/advisor/candidate';
import { mergedCandidates } from '../../../../src/core/workload/merge';

const btree = (keys: string[], include: string[] = [], where: string[] = [], table = 'orders'): Candidate => ({
  schema: 'public',
  table,
  method: 'btree',
  keys: keys.map((column) => ({ column })),
  include,
  where,
  kinds: [keys.length > 1 ? 'composite' : 'btree', ...(include.length ? (['covering'] as const) : [])],
  reason: `keys ${keys.join(', ')}`,
  requires: [],
  needsTrialBuild: false,
});

describe('core/workload/merge', () => {
  it('merges two covering indexes with the same leading key into one INCLUDE list', () => {
    const merged = mergedCandidates([btree(['customer_id'], ['total']), btree(['customer_id'], ['placed_on'])]);
    assert.deepEqual(
      merged.map((c) => createIndexDdl(c, 'x')),
      ['CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON public.orders (customer_id) INCLUDE (placed_on, total);'],
    );
    assert.ok(merged[0].kinds.includes('covering'));
  });

  it("keeps the longer key list and carries the other statement's key columns as INCLUDE", () => {
    const merged = mergedCandidates([btree(['customer_id', 'placed_on']), btree(['customer_id', 'region'])]);
    assert.deepEqual(merged.map((c) => createIndexDdl(c, 'x')).sort(), [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON public.orders (customer_id, placed_on) INCLUDE (region);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON public.orders (customer_id, region) INCLUDE (placed_on);',
    ]);
  });

  it('never merges across tables, partial predicates or leading keys', () => {
    assert.deepEqual(mergedCandidates([btree(['a'], ['x']), btree(['a'], ['y'], [], 'other')]), []);
    assert.deepEqual(mergedCandidates([btree(['a'], ['x']), btree(['a'], ['y'], ["status = 'open'"])]), []);
    assert.deepEqual(mergedCandidates([btree(['a'], ['x']), btree(['b'], ['y'])]), []);
  });

  it('does not propose what a statement already has as a candidate', () => {
    assert.deepEqual(
      mergedCandidates([btree(['a', 'b']), btree(['a'])]).map((c) => createIndexDdl(c, 'x')),
      [],
    );
  });
});
