import assert from 'node:assert/strict';
import { ArchiverRow, gradeArchiver, segmentsWaiting } from '../../../../../src/core/health/checks/archiving';
import { resolveHealthOptions } from '../../../../../src/core/health/options';

const SEGMENT = 16 * 1024 * 1024;
const healthy: ArchiverRow = {
  archive_mode: 'on',
  in_recovery: false,
  archived_count: 12,
  last_archived_wal: '00000001000000000000000A',
  last_archived_time: '2026-03-01 10:00:00+00',
  since_archived_seconds: 7200,
  failed_count: 0,
  last_failed_wal: null,
  last_failed_time: null,
  since_failed_seconds: null,
  stats_reset: '2026-02-01 00:00:00+00',
  current_wal: '00000001000000000000000B',
  segment_bytes: SEGMENT,
};

describe('core/health/checks/archiving', () => {
  it('counts completed segments between the last archived and the one being written, across log files', () => {
    assert.equal(segmentsWaiting('00000001000000000000000A', '00000001000000000000000B', SEGMENT), 0);
    assert.equal(segmentsWaiting('00000001000000000000000A', '00000001000000000000000E', SEGMENT), 3);
    assert.equal(segmentsWaiting('0000000100000000000000FF', '000000010000000100000001', SEGMENT), 1);
    assert.equal(segmentsWaiting('00000001000000000000000A.partial', '00000002000000000000000B', SEGMENT), null, 'another timeline');
    assert.equal(segmentsWaiting(null, '00000001000000000000000B', SEGMENT), null);
  });

  it('an idle server that archived long ago is quiet; segments waiting that long are not', () => {
    const options = resolveHealthOptions();
    assert.equal(gradeArchiver(healthy, options).status, 'ok');
    assert.equal(gradeArchiver({ ...healthy, current_wal: '00000001000000000000000D' }, options).status, 'critical');
    const recent = { ...healthy, since_archived_seconds: 45 * 60, current_wal: '00000001000000000000000D' };
    assert.equal(gradeArchiver(recent, options).status, 'warning');
  });

  it('a failure after the last success is critical and names its WAL file; an old one is a warning', () => {
    const options = resolveHealthOptions();
    const failing = {
      ...healthy,
      failed_count: 3,
      last_failed_wal: '00000001000000000000000B',
      last_failed_time: '2026-03-01 11:00:00+00',
    };
    const now = gradeArchiver(failing, options);
    assert.equal(now.status, 'critical');
    assert.match(now.figure, /00000001000000000000000B/);
    const past = gradeArchiver({ ...failing, last_failed_time: '2026-03-01 09:00:00+00' }, options);
    assert.equal(past.status, 'warning');
    assert.match(past.figure, /3 failed attempts/);
  });

  it('archive_mode off is critical only where the runbook requires archiving', () => {
    const off = { ...healthy, archive_mode: 'off' };
    assert.equal(gradeArchiver(off, resolveHealthOptions()).status, 'ok');
    assert.equal(gradeArchiver(off, resolveHealthOptions({ walArchivingRequired: 1 })).status, 'critical');
  });
});
