import assert from 'node:assert/strict';
import { reportTo, ToolProgress } from '../../../../src/core/backup/progress';

describe('core/backup/progress: reportTo', () => {
  it('reports tables done as a line for people and the share done for a progress bar', () => {
    const seen: [string, number | undefined][] = [];
    const report = reportTo((message, fraction) => seen.push([message, fraction]))!;
    const steps: ToolProgress[] = [
      { phase: 'dumping', tablesDone: 0, tablesTotal: 4 },
      { phase: 'dumping', tablesDone: 1, tablesTotal: 4, table: 'public.orders' },
      { phase: 'checksum', tablesDone: 0, tablesTotal: 0 },
    ];
    steps.forEach(report);
    assert.deepEqual(seen, [
      ['dumping 0/4 tables', 0],
      ['dumping 1/4 tables (public.orders)', 0.25],
      ['checksum 0/0 tables', undefined],
    ]);
    assert.equal(reportTo(undefined), undefined, 'nothing to call without a listener');
  });
});
