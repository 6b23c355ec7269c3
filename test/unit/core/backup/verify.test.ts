import assert from 'node:assert/strict';
import { verificationQueriesOf } from '../../../../src/core/backup/verify';
import { defaultRun } from '../../../../src/core/run';

describe('core/backup/verify: verificationQueriesOf', () => {
  it('keeps only {"sql": text, "expected": …} entries of pgtuner.backup.verificationQueries', () => {
    const good = { sql: 'SELECT 1', expected: 1 };
    const queries = [good, null, 'SELECT 2', { sql: 'SELECT 3' }, { sql: 4, expected: 4 }];
    assert.deepEqual(verificationQueriesOf(defaultRun({ settings: { 'backup.verificationQueries': queries } }).settings), [good]);
  });
});
