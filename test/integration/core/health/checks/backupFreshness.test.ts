import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupDatabase } from '../../../../../src/core/backup/backup';
import { memoryKeyring } from '../../../../../src/core/backup/keys';
import { restoreTestRemote } from '../../../../../src/core/backup/remote';
import { restoreTest } from '../../../../../src/core/backup/restoreTest';
import { Database } from '../../../../../src/core/db/database';
import { targetFromUrl } from '../../../../../src/core/db/profile';
import { runHealthChecks } from '../../../../../src/core/health/run';
import { defaultRun } from '../../../../../src/core/run';
import { freshDatabase, getCluster } from '../../../../support/integrationHooks';
import { startLocalS3 } from '../../../../support/s3';
import { queryUrl } from '../../../../support/sql';

describe('health: backup recovery point (newest restore-tested backup)', function () {
  let db: Database;
  let binDir: string;
  const keys = memoryKeyring();

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    const url = await freshDatabase([]);
    await queryUrl(url, 'CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)');
    db = new Database(targetFromUrl(url));
  });

  after(async () => {
    await db?.end();
  });

  const check = async (directory?: string) =>
    (await runHealthChecks(db, { only: ['backup-freshness'], backups: directory ? { directory, keys } : undefined }, defaultRun()))
      .results[0];

  it('is skipped without a backup folder, critical until a backup of this database passed a restore-test, then ok', async () => {
    assert.equal((await check()).status, 'skipped');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-rpo-'));
    assert.equal((await check(dir)).status, 'critical');
    const run = defaultRun({ settings: { 'backup.toolsDirectory': binDir } });
    const backup = await backupDatabase(db, { directory: dir, keys }, run);
    const untested = await check(dir);
    assert.equal(untested.status, 'critical', 'a backup nobody restored does not count');
    assert.match(untested.figure, /1 backups found/);
    assert.ok((await restoreTest(db, { dumpPath: backup.dumpPath, keys }, run)).ok);
    const proven = await check(dir);
    assert.equal(proven.status, 'ok', proven.figure);
    assert.ok(proven.figure.includes(backup.dumpPath));
    // Over the objective: a threshold below the backup's age.
    const strict = await runHealthChecks(
      db,
      { only: ['backup-freshness'], backups: { directory: dir, keys } },
      defaultRun({ settings: { 'health.backupRpoWarningHours': 0, 'health.backupRpoCriticalHours': 1 } }),
    );
    assert.equal(strict.results[0].status, 'warning');
  });

  it('with remote: true also counts the off-site copies: a backup restore-tested only from the bucket is the recovery point', async () => {
    const s3 = await startLocalS3();
    try {
      const settings = {
        'backup.toolsDirectory': binDir,
        'backup.s3.bucket': s3.bucket,
        'backup.s3.prefix': 'rpo/',
        'backup.s3.endpoint': s3.endpoint,
        'backup.s3.forcePathStyle': true,
      };
      const run = defaultRun({ settings });
      const made = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-rpo-'));
      const backup = await backupDatabase(
        db,
        { directory: made, keys },
        defaultRun({ settings: { ...settings, 'backup.s3.uploadAfterBackup': true } }),
      );
      assert.ok((await restoreTestRemote(db, { url: backup.uploaded!.url, keys }, run)).ok);
      // The local folder holds nothing: only the bucket has the proven backup.
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-rpo-'));
      const graded = async (remote: boolean) =>
        (await runHealthChecks(db, { only: ['backup-freshness'], backups: { directory: empty, keys, remote } }, run)).results[0];
      assert.equal((await graded(false)).status, 'critical');
      const withRemote = await graded(true);
      assert.equal(withRemote.status, 'ok', withRemote.figure);
      assert.ok(withRemote.figure.includes(backup.uploaded!.url), withRemote.figure);
    } finally {
      await s3.stop();
    }
  });
});
