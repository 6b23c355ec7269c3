/**
 * Issue 11, backups: retention and "newest" by server identity, concurrent backups, Restore
 * Database into a new database swapped in only after success, deleteBackup confined to the folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupDatabase } from '../../../../src/core/backup/backup';
import { checksumDump, formatChecksums } from '../../../../src/core/backup/checksum';
import { deleteBackup } from '../../../../src/core/backup/listing';
import { restoreBackup } from '../../../../src/core/backup/restore';
import { restoreTest } from '../../../../src/core/backup/restoreTest';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun, Run } from '../../../../src/core/run';
import { Cluster, startCluster } from '../../../support/cluster';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';
import * as keysModule from '../../../../src/core/backup/keys';

const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const dumpsIn = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.dump'))
    .sort();
/** One key for the whole file, as one user's keyring would be. */
const keys = keysModule?.memoryKeyring?.();

const SHOP_SQL = `
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), note text);
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers (email) SELECT 'c' || g || '@x.test' FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, note) SELECT 1 + g % 2000, repeat(md5(g::text), 4) FROM generate_series(1, 60000) g;`;

describe('backup safety: servers, concurrency, restore, delete', function () {
  let cluster: Cluster;
  /** The cluster's pg_dump / pg_restore; keep: retention's count (0: none). */
  let withTools: (keep?: number) => Run;

  before(async function () {
    cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    withTools = (keep = 0) => defaultRun({ settings: { 'backup.toolsDirectory': cluster.binDir, 'backup.keep': keep } });
  });

  describe('two servers with the same database name', function () {
    let other: Cluster;
    const name = 'shop_same_name';
    let here: Database;
    let there: Database;

    before(async function () {
      if (cluster?.kind !== 'system') this.skip();
      other = await startCluster();
      for (const c of [cluster, other]) {
        await c.sql('postgres', `DROP DATABASE IF EXISTS ${name}`);
        await c.createDatabase(name, { extensions: [] });
        await c.sql(name, 'CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 10)');
      }
      here = new Database(targetFromUrl(cluster.url(name)));
      there = new Database(targetFromUrl(other.url(name)));
    });

    after(async () => {
      await here?.end();
      await there?.end();
      await cluster?.sql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await other?.stop();
    });

    it("retention (--keep 1) on one server keeps the other server's verified backup", async () => {
      const dir = tempDir('pgtuner-2servers-');
      const hour = 3_600_000;
      const t0 = Date.now() - 5 * hour;
      const production = await backupDatabase(here, { directory: dir, keys, now: () => new Date(t0) }, withTools());
      assert.equal((await restoreTest(here, { dumpPath: production.dumpPath, keys }, withTools())).ok, true);
      const dev1 = await backupDatabase(there, { directory: dir, keys, now: () => new Date(t0 + hour) }, withTools());
      assert.equal((await restoreTest(there, { dumpPath: dev1.dumpPath, keys }, withTools())).ok, true);
      const dev2 = await backupDatabase(there, { directory: dir, keys, now: () => new Date(t0 + 2 * hour) }, withTools(1));
      assert.ok(fs.existsSync(production.dumpPath), `the other server's backup survived (retention removed ${dev2.deleted.join(', ')})`);
      assert.deepEqual(dev2.deleted, []);
      assert.deepEqual(dumpsIn(dir).length, 3);
      const ids = [production, dev2].map((b) => (b.manifest.server as { systemIdentifier?: string }).systemIdentifier);
      assert.ok(ids[0] && ids[1] && ids[0] !== ids[1], `server identities recorded: ${ids.join(' vs ')}`);

      const dev3 = await backupDatabase(there, { directory: dir, keys, now: () => new Date(t0 + 3 * hour) }, withTools(1));
      assert.deepEqual(dev3.deleted, [dev2.dumpPath], 'on its own server, retention still works (the verified dev1 stays)');
      assert.ok(fs.existsSync(production.dumpPath) && fs.existsSync(dev1.dumpPath));
    });
  });

  describe('one database', function () {
    let url: string;
    let db: Database;

    before(async function () {
      if (cluster?.kind !== 'system') this.skip();
      url = await freshDatabase([]);
      db = new Database(targetFromUrl(url));
      await queryUrl(url, SHOP_SQL);
    });

    after(async () => {
      await db?.end();
    });

    it('two concurrent backups never share a partial file: each gets its own dump or a clear error', async () => {
      const dir = tempDir('pgtuner-concurrent-');
      const at = new Date(Date.now() - 60_000);
      const runs = await Promise.allSettled([0, 1].map(() => backupDatabase(db, { directory: dir, keys, now: () => at }, withTools())));
      const done = runs
        .filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof backupDatabase>>> => r.status === 'fulfilled')
        .map((r) => r.value);
      const failed = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
      for (const err of failed) {
        assert.ok(err instanceof PgTunerError, `a typed error, not ${err.stack}`);
        assert.doesNotMatch(err.message, /ENOENT/);
        assert.match(err.message, /another backup|already exists|in progress/i);
      }
      assert.ok(done.length >= 1, failed.map((e) => e.message).join('; '));
      assert.equal(new Set(done.map((d) => d.dumpPath)).size, done.length, 'distinct files');
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.startsWith('.')),
        [],
        'no partial or lock file left',
      );
      for (const d of done) {
        const r = await restoreTest(db, { dumpPath: d.dumpPath, keys }, withTools());
        assert.equal(r.ok, true, r.message);
      }
    });

    it('Restore Database failing half-way leaves the existing target untouched and names the safety backup', async () => {
      const source = await backupDatabase(db, { directory: tempDir('pgtuner-src-'), keys }, withTools());
      // A damaged copy (truncated, checksum recomputed, unsigned manifest): pg_restore fails part-way.
      const damagedDir = tempDir('pgtuner-damaged-');
      const damaged = path.join(damagedDir, path.basename(source.dumpPath));
      const bytes = fs.readFileSync(source.dumpPath);
      fs.writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      fs.writeFileSync(damaged + '.sha256', formatChecksums(await checksumDump(damaged)));
      const manifest = JSON.parse(fs.readFileSync(source.manifestPath, 'utf8'));
      delete manifest.mac;
      delete manifest.checksums;
      fs.writeFileSync(damaged.replace(/\.dump$/, '.manifest.json'), JSON.stringify(manifest));

      const target = `${db.profile.database}_live`;
      await cluster.sql('postgres', `CREATE DATABASE "${target}"`);
      const targetUrl = cluster.url(target);
      await queryUrl(
        targetUrl,
        `CREATE TABLE kept (id int PRIMARY KEY, v text NOT NULL CHECK (v <> ''));
        INSERT INTO kept SELECT g, 'v' || g FROM generate_series(1, 777) g;`,
      );
      const safetyDir = tempDir('pgtuner-safety-');
      let message = '';
      try {
        await assert.rejects(
          restoreBackup(
            db,
            { dumpPath: damaged, targetDatabase: target, safetyDirectory: safetyDir, keys, trustUnsigned: true, confirmed: true },
            withTools(),
          ),
          (err: Error) => {
            message = err.message;
            return err instanceof PgTunerError;
          },
        );
        const safety = dumpsIn(safetyDir);
        assert.equal(safety.length, 1, 'a safety backup was taken');
        assert.ok(message.includes(path.join(safetyDir, safety[0])), `the message names the safety backup: ${message}`);
        assert.deepEqual(await queryUrl(targetUrl, 'SELECT count(*)::int AS n FROM kept'), [{ n: 777 }], 'the target still has its data');
        assert.deepEqual(
          (await queryUrl(targetUrl, `SELECT conname FROM pg_constraint WHERE conrelid = 'kept'::regclass ORDER BY 1`)).map(
            (r) => r.conname,
          ),
          ['kept_pkey', 'kept_v_check'],
        );
        assert.deepEqual(
          await queryUrl(targetUrl, `SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('orders', 'customers')`),
          [{ n: 0 }],
          'nothing of the dump went into the target',
        );
        assert.deepEqual(
          await queryUrl(url, `SELECT datname FROM pg_database WHERE datname LIKE '%pgtuner%'`),
          [],
          'no temporary database left',
        );
      } finally {
        await cluster.sql('postgres', `DROP DATABASE IF EXISTS "${target}" WITH (FORCE)`);
      }
    });

    it('Restore Database over an existing target swaps in the restored copy only after success', async () => {
      const source = await backupDatabase(db, { directory: tempDir('pgtuner-src-'), keys }, withTools());
      // A name that needs quoting in CREATE / ALTER / DROP DATABASE.
      const target = `${db.profile.database} Swap "q"`;
      await cluster.sql('postgres', `CREATE DATABASE "${target.replace(/"/g, '""')}"`);
      await queryUrl(cluster.url(target), 'CREATE TABLE old_stuff (id int); INSERT INTO old_stuff VALUES (1)');
      try {
        const result = await restoreBackup(
          db,
          { dumpPath: source.dumpPath, targetDatabase: target, safetyDirectory: tempDir('pgtuner-safety-'), keys, confirmed: true },
          withTools(),
        );
        assert.equal(result.created, false);
        assert.ok(result.safetyBackup);
        assert.deepEqual(await queryUrl(cluster.url(target), 'SELECT count(*)::int AS n FROM orders'), [{ n: 60000 }]);
        assert.deepEqual(await queryUrl(cluster.url(target), `SELECT to_regclass('old_stuff') AS t`), [{ t: null }]);
        assert.deepEqual(
          await queryUrl(url, `SELECT datname FROM pg_database WHERE datname LIKE '%pgtuner%'`),
          [],
          'no temporary or old database left',
        );
        assert.equal(fs.existsSync(result.safetyBackup!.dumpPath), true);
      } finally {
        await cluster.sql('postgres', `DROP DATABASE IF EXISTS "${target.replace(/"/g, '""')}" WITH (FORCE)`);
      }
    });
  });

  it('deleteBackup removes nothing outside the backup folder', async () => {
    const root = tempDir('pgtuner-delete-');
    const folder = path.join(root, 'backups');
    const victim = path.join(root, 'victim');
    fs.mkdirSync(folder);
    fs.mkdirSync(path.join(victim, 'data'), { recursive: true });
    fs.writeFileSync(path.join(victim, 'data', 'precious.txt'), 'keep me');
    const outsideDump = path.join(victim, 'shop-20260101T000000Z.dump');
    fs.writeFileSync(outsideDump, 'not yours');
    fs.symlinkSync(victim, path.join(folder, 'shop-20260102T000000Z.dump'));
    const attempts = [
      victim,
      path.join(victim, 'data'),
      outsideDump,
      path.join(folder, '..', 'victim', 'shop-20260101T000000Z.dump'),
      path.join(folder, 'shop-20260102T000000Z.dump'),
      folder,
    ];
    for (const target of attempts) {
      await (deleteBackup as (p: string, dir: string) => Promise<void>)(target, folder).then(
        () => undefined,
        () => undefined,
      );
    }
    assert.equal(fs.readFileSync(path.join(victim, 'data', 'precious.txt'), 'utf8'), 'keep me');
    assert.equal(fs.readFileSync(outsideDump, 'utf8'), 'not yours');
    assert.ok(fs.existsSync(folder), 'the folder itself stays');
  });
});
