import assert from 'node:assert/strict';
import { slowerWhenMeasured } from '../../../../src/core/workload/measure';

describe('core/workload/measure: statements slower with the set', () => {
  const m = (id: string, msBefore: number | null, msAfter: number | null) => ({ id, msBefore, msAfter });

  it('names a statement that took clearly longer with the set (TPC-H Q7: 488 → 1,488 ms)', () => {
    assert.deepEqual(slowerWhenMeasured([m('q07', 488, 1488), m('q17', 60_000, 42)]), ['q07']);
  });

  it('leaves out timer noise: a small share, or a fraction of a millisecond on a fast statement', () => {
    assert.deepEqual(slowerWhenMeasured([m('share', 100, 110), m('tiny', 0.05, 0.4)]), []);
  });

  it('leaves out statements not run on one side', () => {
    assert.deepEqual(slowerWhenMeasured([m('generic', null, null), m('timeout', null, 5)]), []);
  });
});
