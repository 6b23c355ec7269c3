import assert from 'node:assert/strict';
import { BackupEntry } from '../../../../src/core/backup/listing';
import { BackupManifest } from '../../../../src/core/backup/manifest';
import { backupBaseName, lockFileName, parseDumpName, partialDumpName, scratchDatabaseName } from '../../../../src/core/backup/naming';
import { tableCounter, tableFromVerboseLine, ToolProgress } from '../../../../src/core/backup/progress';
import { planRetention } from '../../../../src/core/backup/retention';
import { parseToolVersion, serverMajor } from '../../../../src/core/backup/tools';

describe('backup naming', () => {
  const at = new Date(Date.UTC(2026, 10, 23, 17, 53, 7, 450));

  it('names dumps <db>-<UTC stamp>.dump and parses them back', () => {
    assert.equal(backupBaseName('shop', at), 'shop-20261123T175307Z');
    assert.equal(backupBaseName('a/b:c', at), 'a_b_c-20261123T175307Z');
    const parsed = parseDumpName('my-shop-20261123T175307Z.dump');
    assert.equal(parsed?.database, 'my-shop');
    assert.equal(parsed?.takenAt.toISOString(), '2026-11-23T17:53:07.000Z');
    assert.equal(partialDumpName('shop-20261123T175307Z', '42-ab'), '.shop-20261123T175307Z.dump.42-ab.partial');
    assert.equal(parseDumpName(partialDumpName('shop-20261123T175307Z', '42-ab')), undefined);
    assert.equal(parseDumpName(lockFileName('shop-20261123T175307Z')), undefined);
    assert.equal(parseDumpName('shop-20261123T175307Z.dump.sha256'), undefined);
    assert.equal(parseDumpName('notes.dump'), undefined);
  });

  it('keeps scratch database names within 63 bytes', () => {
    assert.equal(scratchDatabaseName('shop', at), 'shop_restore_test_20261123t175307z');
    const long = scratchDatabaseName('ü'.repeat(60), at);
    assert.ok(Buffer.byteLength(long) <= 63, long);
    assert.ok(long.endsWith('_restore_test_20261123t175307z'));
  });
});

describe('backup tool versions', () => {
  it('reads versions from --version output', () => {
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n'), { version: '15.18', major: 15 });
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 9.6.0'), { version: '9.6.0', major: 9 });
    assert.deepEqual(parseToolVersion('pg_restore (PostgreSQL) 17beta1'), { version: '17', major: 17 });
    assert.equal(parseToolVersion('bash: pg_dump: command not found'), undefined);
    assert.equal(serverMajor(150018), 15);
    assert.equal(serverMajor(90624), 9);
  });
});

describe('backup progress from --verbose', () => {
  it('counts tables from pg_dump and pg_restore lines, never past the total', () => {
    assert.equal(tableFromVerboseLine('pg_dump: dumping contents of table "public.orders"'), 'public.orders');
    assert.equal(tableFromVerboseLine('pg_restore: processing data for table "Sales Data.Line Items"'), 'Sales Data.Line Items');
    assert.equal(tableFromVerboseLine('pg_restore: finished item 3402 TABLE DATA orders'), 'orders');
    assert.equal(tableFromVerboseLine('pg_restore: finished item 3410 INDEX orders_pkey'), undefined);
    assert.equal(tableFromVerboseLine('pg_dump: reading schemas'), undefined);
    const seen: ToolProgress[] = [];
    const feed = tableCounter('dumping', 2, (p) => seen.push(p));
    for (const t of ['a', 'b', 'c']) feed(`pg_dump: dumping contents of table "public.${t}"`);
    feed('pg_dump: saving encoding = UTF8');
    assert.deepEqual(
      seen.map((p) => p.tablesDone),
      [1, 2, 2],
    );
  });
});

describe('backup retention', () => {
  const now = new Date(Date.UTC(2026, 10, 23));
  const day = 86_400_000;
  const entry = (daysAgo: number, verified?: boolean): BackupEntry => ({
    dumpPath: `/b/shop-${daysAgo}.dump`,
    database: 'shop',
    takenAt: new Date(now.getTime() - daysAgo * day),
    sizeBytes: 1,
    complete: true,
    manifest:
      verified === undefined ? undefined : ({ lastRestoreTest: { ok: verified, testedAt: '', message: '' } } as unknown as BackupManifest),
    trust: { authenticated: true, futureDated: false, trusted: true, problems: [] },
    group: 'g',
  });
  const names = (list: BackupEntry[]) => list.map((e) => e.dumpPath).sort();

  it('keeps the newest N', () => {
    const all = [entry(0), entry(1), entry(2), entry(3)];
    assert.deepEqual(names(planRetention(all, { keep: 2 }, now)), ['/b/shop-2.dump', '/b/shop-3.dump']);
    assert.deepEqual(planRetention(all, {}, now), []);
  });

  it('removes backups older than the maximum age', () => {
    const all = [entry(1), entry(8), entry(30)];
    assert.deepEqual(names(planRetention(all, { maxAgeDays: 7 }, now)), ['/b/shop-30.dump', '/b/shop-8.dump']);
  });

  it('never removes the newest backup that passed a restore-test', () => {
    const all = [entry(0), entry(1, false), entry(5, true), entry(9, true)];
    assert.deepEqual(names(planRetention(all, { keep: 1 }, now)), ['/b/shop-1.dump', '/b/shop-9.dump']);
    assert.deepEqual(names(planRetention(all, { keep: 1, maxAgeDays: 2 }, now)), ['/b/shop-1.dump', '/b/shop-9.dump']);
  });
});
