import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Database } from '../../../../../src/core/db/database';
import { targetFromUrl } from '../../../../../src/core/db/profile';
import { runHealthChecks } from '../../../../../src/core/health/run';
import { CheckResult } from '../../../../../src/core/health/types';
import { defaultRun } from '../../../../../src/core/run';
import { Cluster, startCluster } from '../../../../support/cluster';
import { queryUrl } from '../../../../support/sql';

async function archivingCheck(url: string): Promise<CheckResult> {
  const db = new Database(targetFromUrl(url));
  try {
    return (await runHealthChecks(db, { only: ['wal-archiving'] }, defaultRun())).results[0];
  } finally {
    await db.end();
  }
}

/** Writes a little, completes the WAL segment, and waits until the archiver has tried it. */
async function switchAndWait(url: string, done: (row: { failed_count: string; archived_count: string }) => boolean): Promise<string> {
  await queryUrl(url, 'CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1)');
  const [{ wal }] = await queryUrl<{ wal: string }>(url, 'SELECT pg_walfile_name(pg_switch_wal()) AS wal');
  for (let n = 0; n < 150; n++) {
    const [row] = await queryUrl<{ failed_count: string; archived_count: string }>(
      url,
      'SELECT failed_count, archived_count FROM pg_stat_archiver',
    );
    if (done(row)) return wal;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the archiver did not try the segment in 15 s');
}

describe('health: WAL archiving (pg_stat_archiver)', function () {
  const clusters: Cluster[] = [];
  let archiveDir: string;

  before(function () {
    archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-wal-archive-'));
    // The server may run as the postgres user (tests as root): it must be able to write here.
    fs.chmodSync(archiveDir, 0o777);
  });

  after(async () => {
    for (const c of clusters) await c.stop();
  });

  it('a failing archive_command is critical and names the WAL file it could not archive', async () => {
    const cluster = await startCluster({ settings: { archive_mode: 'on', archive_command: "'false'" } });
    clusters.push(cluster);
    const url = cluster.url('postgres');
    const wal = await switchAndWait(url, (r) => Number(r.failed_count) > 0);
    const result = await archivingCheck(url);
    assert.equal(result.status, 'critical', result.figure);
    assert.match(result.figure, /archiving is failing/);
    assert.ok(result.figure.includes(wal), `${result.figure} names ${wal}`);
    assert.match(result.advice, /archive_command/);
  });

  it('a working archive_command is quiet', async () => {
    const cluster = await startCluster({
      settings: { archive_mode: 'on', archive_command: `'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f'` },
    });
    clusters.push(cluster);
    const url = cluster.url('postgres');
    const wal = await switchAndWait(url, (r) => Number(r.archived_count) > 0);
    assert.ok(fs.existsSync(path.join(archiveDir, wal)), 'the segment reached the archive');
    const result = await archivingCheck(url);
    assert.equal(result.status, 'ok', result.figure);
    assert.match(result.figure, /no failure/);
  });
});
