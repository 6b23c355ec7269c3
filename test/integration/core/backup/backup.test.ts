import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { backupDatabase, BackupResult } from '../../../../src/core/backup/backup';
import { parseChecksums, checksumDump, formatChecksums } from '../../../../src/core/backup/checksum';
import { memoryKeyring } from '../../../../src/core/backup/keys';
import { readManifest } from '../../../../src/core/backup/manifest';
import { restoreBackup } from '../../../../src/core/backup/restore';
import { restoreTest } from '../../../../src/core/backup/restoreTest';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun, Run } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

const SHOP_SQL = `
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     total numeric(10,2) CHECK (total >= 0), note text);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Line Items" (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "orderId" bigint REFERENCES orders(id), qty int);
CREATE TABLE empty_table (x int);
INSERT INTO customers (email) SELECT 'c' || g || '@x.test' FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 2000, g % 500, repeat('n', g % 50) FROM generate_series(1, 20000) g;
INSERT INTO "Sales Data"."Line Items" ("orderId", qty) SELECT 1 + g % 20000, g % 7 FROM generate_series(1, 5000) g;`;

/** Big enough that pg_dump runs for a second or two: time to insert, abort or kill it midway. */
const EVENTS_SQL = `
CREATE TABLE events (id bigserial PRIMARY KEY, kind int NOT NULL, payload text NOT NULL);
CREATE TABLE z_tail (id int);
INSERT INTO events (kind, payload) SELECT g % 10, md5(g::text) || repeat(md5((g * 7)::text), 8) FROM generate_series(1, 400000) g;
INSERT INTO z_tail SELECT generate_series(1, 10);`;

/** The user's key, as the editor (secret storage) or the CLI (key file) would hold it. */
const keys = memoryKeyring();

/** A run with the cluster's pg_dump / pg_restore and the given settings. */
let binDir: string;
const withTools = (settings: Partial<Settings> = {}, run: Partial<Omit<Run, 'settings'>> = {}): Run =>
  defaultRun({ ...run, settings: { 'backup.toolsDirectory': binDir, ...settings } });

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function dumpsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.dump'));
}

async function scratchDatabases(url: string): Promise<string[]> {
  return (await queryUrl<{ datname: string }>(url, `SELECT datname FROM pg_database WHERE datname LIKE '%\\_restore\\_test\\_%'`)).map(
    (r) => r.datname,
  );
}

describe('backup and restore-test', function () {
  let shopUrl: string;
  let shop: Database;
  let dir: string;
  let first: BackupResult;

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    shopUrl = await freshDatabase([]);
    shop = new Database(targetFromUrl(shopUrl));
    await queryUrl(shopUrl, SHOP_SQL);
    dir = tempDir('pgtuner-backups-');
    first = await backupDatabase(shop, { keys, directory: dir }, withTools());
  });

  after(async () => {
    await shop?.end();
  });

  it('writes <db>-<UTC stamp>.dump with a sha256sum line and a manifest of exact counts', async () => {
    const name = path.basename(first.dumpPath);
    assert.match(name, new RegExp(`^${shop.profile.database}-\\d{8}T\\d{6}Z\\.dump$`));
    assert.deepEqual(dumpsIn(dir), [name]);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no temporary file left behind',
    );
    const lines = parseChecksums(fs.readFileSync(first.checksumPath, 'utf8'));
    assert.deepEqual(lines, await checksumDump(first.dumpPath));
    const m = await readManifest(first.dumpPath);
    assert.equal(m.database, shop.profile.database);
    assert.equal(m.server.versionNum, (await getCluster()).serverVersionNum);
    assert.match(m.pgDumpVersion, /^\d+\.\d+/);
    assert.equal(m.sizeBytes, fs.statSync(first.dumpPath).size);
    assert.ok(m.durationMs > 0);
    assert.deepEqual(
      m.tables.map((t) => [t.schema, t.name, t.rows]),
      [
        ['Sales Data', 'Line Items', 5000],
        ['public', 'customers', 2000],
        ['public', 'empty_table', 0],
        ['public', 'orders', 20000],
      ],
    );
    assert.ok(m.indexes.some((i) => i.name === 'orders_customer_idx'));
    assert.ok(m.constraints.some((c) => c.type === 'f' && c.table === 'Line Items'));
    assert.ok(m.constraints.some((c) => c.type === 'c' && c.table === 'orders'));
    assert.deepEqual(m.sequences.find((s) => s.name === 'orders_id_seq')?.lastValue, '20000');
  });

  it("gives a second backup within the same second the next second's name instead of refusing", async () => {
    const d = tempDir('pgtuner-b-');
    const second = new Date('2026-03-01T10:00:00.400Z');
    const earlier = await backupDatabase(shop, { keys, directory: d, now: () => second }, withTools());
    assert.match(path.basename(earlier.dumpPath), /-20260301T100000Z\.dump$/);
    const clock = [second, new Date('2026-03-01T10:00:01.000Z')];
    const again = await backupDatabase(shop, { keys, directory: d, now: () => clock.shift()! }, withTools());
    assert.match(path.basename(again.dumpPath), /-20260301T100001Z\.dump$/);
    assert.equal(fs.readdirSync(d).filter((f) => f.endsWith('.dump')).length, 2);
  });

  it('restore-test passes with exact counts, checks, an RTO, and drops the scratch database', async () => {
    const progress: string[] = [];
    const result = await restoreTest(
      shop,
      { dumpPath: first.dumpPath, keys },
      withTools(
        {
          'backup.jobs': 2,
          'backup.verificationQueries': [
            { sql: 'SELECT count(DISTINCT customer_id) FROM orders', expected: 2000 },
            { sql: 'SELECT email FROM customers ORDER BY id LIMIT 2', expected: [['c1@x.test'], ['c2@x.test']] },
          ],
        },
        { onProgress: (message, fraction) => progress.push(`${message} ${fraction}`) },
      ),
    );
    assert.equal(result.ok, true, result.message);
    assert.equal(result.failedAt, undefined);
    assert.deepEqual(
      result.tables.map((t) => [t.name, t.expected, t.actual]),
      [
        ['Line Items', 5000, 5000],
        ['customers', 2000, 2000],
        ['empty_table', 0, 0],
        ['orders', 20000, 20000],
      ],
    );
    assert.deepEqual(
      result.checks.map((c) => [c.name.split(':')[0], c.ok]),
      [
        ['row counts', true],
        ['indexes', true],
        ['constraints', true],
        ['sequences', true],
        ['query', true],
        ['query', true],
      ],
    );
    assert.ok(result.restoreMs! > 0 && result.restoreMs! <= result.totalMs);
    assert.match(result.scratchDatabase!, new RegExp(`^${shop.profile.database}_restore_test_\\d{8}t\\d{6}z$`));
    assert.ok(
      progress.some((p) => /^restoring 4\/4 tables \(.*\) 1$/.test(p)),
      progress.join(' | '),
    );
    assert.deepEqual(await scratchDatabases(shopUrl), []);
    const m = await readManifest(first.dumpPath);
    assert.equal(m.lastRestoreTest?.ok, true);
  });

  it('fails a wrong user verification query and a count that does not match', async () => {
    const copy = path.join(tempDir('pgtuner-edit-'), path.basename(first.dumpPath));
    fs.copyFileSync(first.dumpPath, copy);
    fs.copyFileSync(first.checksumPath, copy + '.sha256');
    const m = await readManifest(first.dumpPath);
    m.tables.find((t) => t.name === 'orders')!.rows = 19999;
    fs.writeFileSync(copy.replace(/\.dump$/, '.manifest.json'), JSON.stringify(m));
    // The edited manifest is no longer authenticated: the test confirms using it anyway.
    const result = await restoreTest(
      shop,
      { dumpPath: copy, keys, trustUnsigned: true },
      withTools({ 'backup.verificationQueries': [{ sql: 'SELECT count(*) FROM customers', expected: 1 }] }),
    );
    assert.equal(result.ok, false);
    assert.equal(result.failedAt, 'verify');
    assert.match(result.message, /public\.orders has 20000 rows, expected 19999/);
    assert.match(result.message, /returned "2000", expected "1"/);
    assert.deepEqual(await scratchDatabases(shopUrl), []);
  });

  it('keeps the scratch database when asked', async () => {
    const result = await restoreTest(shop, { dumpPath: first.dumpPath, keys }, withTools({ 'backup.keepScratchDatabase': true }));
    assert.equal(result.ok, true, result.message);
    assert.equal(result.scratchKept, true);
    assert.deepEqual(await scratchDatabases(shopUrl), [result.scratchDatabase]);
    await shop.query(`DROP DATABASE "${result.scratchDatabase}"`);
  });

  it('fails at the checksum when one byte of the dump is flipped', async () => {
    const copyDir = tempDir('pgtuner-corrupt-');
    const copy = path.join(copyDir, path.basename(first.dumpPath));
    for (const f of [first.dumpPath, first.checksumPath, first.manifestPath]) fs.copyFileSync(f, path.join(copyDir, path.basename(f)));
    const bytes = fs.readFileSync(copy);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(copy, bytes);
    const result = await restoreTest(shop, { dumpPath: copy, keys }, withTools());
    assert.equal(result.ok, false);
    assert.equal(result.failedAt, 'checksum');
    assert.match(result.message, /Checksum verification failed: .*expected [0-9a-f]{64}/);
    assert.equal(result.restoreMs, undefined, 'nothing was restored');
  });

  it('fails clearly at pg_restore when the dump is truncated (checksum recomputed)', async () => {
    const copyDir = tempDir('pgtuner-truncated-');
    const copy = path.join(copyDir, path.basename(first.dumpPath));
    // A manifest as older versions wrote it (no checksums, no MAC): the .sha256 file is the reference.
    const { mac: _mac, checksums: _sums, ...old } = await readManifest(first.dumpPath);
    fs.writeFileSync(path.join(copyDir, path.basename(first.manifestPath)), JSON.stringify(old));
    const bytes = fs.readFileSync(first.dumpPath);
    fs.writeFileSync(copy, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    fs.writeFileSync(copy + '.sha256', formatChecksums(await checksumDump(copy)));
    const result = await restoreTest(shop, { dumpPath: copy, keys, trustUnsigned: true }, withTools());
    assert.equal(result.ok, false);
    assert.ok(result.failedAt === 'restore' || result.failedAt === 'list', result.message);
    assert.match(result.message, /pg_restore.*(exited with code 1|could not read)/s);
    assert.match(result.message, /error:/);
    assert.deepEqual(await scratchDatabases(shopUrl), [], 'scratch database dropped after the failure');
  });

  it('backs up in directory format with parallel jobs and restore-tests it', async () => {
    const d = tempDir('pgtuner-dirformat-');
    const b = await backupDatabase(shop, { keys, directory: d }, withTools({ 'backup.format': 'directory', 'backup.jobs': 2 }));
    assert.ok(fs.statSync(b.dumpPath).isDirectory());
    const lines = parseChecksums(fs.readFileSync(b.checksumPath, 'utf8'));
    assert.ok(lines.some((l) => l.file === `${path.basename(b.dumpPath)}/toc.dat`));
    const result = await restoreTest(shop, { dumpPath: b.dumpPath, keys }, withTools({ 'backup.jobs': 2 }));
    assert.equal(result.ok, true, result.message);
  });

  it('restores into a new target, and into an existing one only after a safety backup', async () => {
    const target = `${shop.profile.database}_copy`;
    const safety = tempDir('pgtuner-safety-');
    const created = await restoreBackup(
      shop,
      { dumpPath: first.dumpPath, keys, targetDatabase: target, safetyDirectory: safety },
      withTools(),
    );
    assert.equal(created.created, true);
    assert.equal(created.safetyBackup, undefined);
    const cluster = await getCluster();
    const copyUrl = cluster.url(target);
    const copy = new Database(targetFromUrl(copyUrl));
    try {
      assert.equal((await copy.query('SELECT count(*)::int AS n FROM orders')).rows[0].n, 20000);
      await copy.query('DELETE FROM "Sales Data"."Line Items" WHERE id > 10');
      await assert.rejects(
        restoreBackup(shop, { dumpPath: first.dumpPath, keys, targetDatabase: target, safetyDirectory: safety }, withTools()),
        /exists: restoring replaces its contents.*Confirm/s,
      );
      // `copy` has a session open on the target: the swap needs it gone, and says so unless told to disconnect it.
      await assert.rejects(
        restoreBackup(
          shop,
          { dumpPath: first.dumpPath, keys, targetDatabase: target, safetyDirectory: safety, confirmed: true },
          withTools(),
        ),
        /1 other session\(s\) are connected/,
      );
      const again = await restoreBackup(
        shop,
        { dumpPath: first.dumpPath, keys, targetDatabase: target, safetyDirectory: safety, confirmed: true, terminateSessions: true },
        withTools(),
      );
      assert.equal(again.created, false);
      assert.equal(again.terminatedSessions, 1);
      assert.ok(again.safetyBackup);
      assert.equal(
        again.safetyBackup!.manifest.tables.find((t) => t.name === 'Line Items')!.rows,
        10,
        'the safety backup holds the target as it was',
      );
      assert.equal((await copy.query('SELECT count(*)::int AS n FROM "Sales Data"."Line Items"')).rows[0].n, 5000);
    } finally {
      await copy.end();
      await shop.query(`DROP DATABASE "${target}" WITH (FORCE)`);
    }
  });

  it('refuses to restore over the source database unless its name is typed', async () => {
    const source = shop.profile.database!;
    await assert.rejects(
      restoreBackup(
        shop,
        { dumpPath: first.dumpPath, keys, targetDatabase: source, safetyDirectory: tempDir('pgtuner-safety-') },
        withTools(),
      ),
      (err: PgTunerError) => err.code === 'BAD_INPUT' && /is the database this backup was taken from/.test(err.message),
    );
    await assert.rejects(
      restoreBackup(
        shop,
        {
          dumpPath: first.dumpPath,
          keys,
          targetDatabase: source,
          confirmSourceName: 'something else',
          safetyDirectory: tempDir('pgtuner-safety-'),
        },
        withTools(),
      ),
      (err: PgTunerError) => err.code === 'BAD_INPUT',
    );
  });

  it('says clearly when pg_dump is missing or too old', async () => {
    const empty = tempDir('pgtuner-notools-');
    await assert.rejects(
      backupDatabase(shop, { keys, directory: tempDir('pgtuner-b-') }, withTools({ 'backup.toolsDirectory': empty })),
      (err: PgTunerError) =>
        err.code === 'TOOL_MISSING' &&
        err.message.includes(empty) &&
        /pg_dump/.test(err.message) &&
        /version 15 or newer/.test(err.message),
    );

    const old = tempDir('pgtuner-oldtools-');
    for (const tool of ['pg_dump', 'pg_restore']) {
      fs.writeFileSync(path.join(old, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 9.6.0"\n`, { mode: 0o755 });
    }
    const out = tempDir('pgtuner-b-');
    await assert.rejects(
      backupDatabase(shop, { keys, directory: out }, withTools({ 'backup.toolsDirectory': old })),
      (err: PgTunerError) =>
        err.code === 'TOOL_VERSION' && /9\.6\.0/.test(err.message) && /PostgreSQL 15/.test(err.message) && /too old/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(out), []);
    await assert.rejects(
      restoreTest(shop, { dumpPath: first.dumpPath, keys }, withTools({ 'backup.toolsDirectory': old })),
      (err: PgTunerError) => err.code === 'TOOL_VERSION',
    );
  });
});

describe('backup under load, cancellation and secrets', function () {
  let url: string;
  let db: Database;
  let password: string;

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    password = cluster.password;
    url = await freshDatabase([]);
    db = new Database(targetFromUrl(url));
    await queryUrl(url, EVENTS_SQL);
  });

  after(async () => {
    await db?.end();
  });

  it('counts in the same snapshot as pg_dump while another client keeps inserting', async () => {
    const writer = new Client({ connectionString: url });
    await writer.connect();
    let inserted = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        await writer.query(`INSERT INTO events (kind, payload) VALUES (1, 'during backup'); INSERT INTO z_tail VALUES (0)`);
        inserted++;
      }
    })();
    let insertedWhileDumping = 0;
    const dir = tempDir('pgtuner-load-');
    try {
      const backup = await backupDatabase(
        db,
        { directory: dir, keys },
        withTools(
          {},
          {
            onProgress: (message) => {
              if (message.startsWith('dumping 0/')) insertedWhileDumping = -inserted;
            },
          },
        ),
      );
      insertedWhileDumping += inserted;
      running = false;
      await loop;
      assert.ok(insertedWhileDumping > 0, 'rows were inserted while pg_dump ran');
      const now = Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
      const counted = backup.manifest.tables.find((t) => t.name === 'events')!.rows;
      assert.ok(counted >= 400000 && counted < now, `manifest ${counted}, now ${now}`);
      const result = await restoreTest(db, { dumpPath: backup.dumpPath, keys }, withTools());
      assert.equal(result.ok, true, result.message);
      assert.equal(result.tables.find((t) => t.name === 'events')!.actual, counted);
    } finally {
      running = false;
      await loop.catch(() => undefined);
      await writer.end();
    }
  });

  it('an abort midway kills pg_dump and leaves no .dump and no partial file', async () => {
    const dir = tempDir('pgtuner-abort-');
    const abort = new AbortController();
    let pid: number | undefined;
    await assert.rejects(
      backupDatabase(
        db,
        { directory: dir, onToolSpawn: (p) => (pid = p) },
        withTools(
          {},
          {
            signal: abort.signal,
            onProgress: (message) => {
              if (message.startsWith('dumping 1/')) abort.abort();
            },
          },
        ),
      ),
      (err: PgTunerError) => err.code === 'CANCELLED',
    );
    assert.ok(pid);
    assert.equal(fs.existsSync(`/proc/${pid}`), false, 'pg_dump is gone');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('an abort during restore-test stops pg_restore and drops the scratch database', async () => {
    const backup = await backupDatabase(db, { keys, directory: tempDir('pgtuner-rt-abort-') }, withTools());
    const abort = new AbortController();
    await assert.rejects(
      restoreTest(
        db,
        { dumpPath: backup.dumpPath, keys },
        withTools(
          {},
          {
            signal: abort.signal,
            onProgress: (message) => {
              if (message.startsWith('restoring')) abort.abort();
            },
          },
        ),
      ),
      (err: PgTunerError) => err.code === 'CANCELLED' && /Restore-test cancelled/.test(err.message),
    );
    assert.deepEqual(await scratchDatabases(url), []);
  });

  it('a pg_dump killed from outside fails the backup and leaves no .dump', async () => {
    const dir = tempDir('pgtuner-kill-');
    let pid: number | undefined;
    await assert.rejects(
      backupDatabase(
        db,
        { directory: dir, onToolSpawn: (p) => (pid = p) },
        withTools(
          {},
          {
            onProgress: (message) => {
              if (message.startsWith('dumping 1/')) process.kill(pid!, 'SIGKILL');
            },
          },
        ),
      ),
      (err: PgTunerError) => err.code === 'BACKUP_ERROR' && /pg_dump was killed by SIGKILL/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('gives pg_dump the password through its environment, never its argv', async () => {
    const dir = tempDir('pgtuner-argv-');
    let pid: number | undefined;
    let cmdline = '';
    let environ = '';
    const backup = await backupDatabase(
      db,
      { directory: dir, onToolSpawn: (p) => (pid = p) },
      withTools(
        {},
        {
          onProgress: (message) => {
            if (message.startsWith('dumping 1/')) {
              cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
              environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
            }
          },
        },
      ),
    );
    assert.match(cmdline, /pg_dump .*--snapshot=/, 'read while the real pg_dump ran');
    assert.ok(!cmdline.includes(password), 'password not in argv');
    assert.ok(environ.split('\0').includes(`PGPASSWORD=${password}`), 'password in the environment');
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.dump')) assert.ok(!fs.readFileSync(path.join(dir, f), 'utf8').includes(password), `${f} holds no password`);
    }
    assert.ok(!JSON.stringify(backup).includes(password));
  });

  it('keeps the password out of error messages even when the tool prints it', async () => {
    const fake = tempDir('pgtuner-leaky-');
    const version = (await getCluster()).serverVersionNum;
    const major = Math.floor(version / 10000);
    for (const tool of ['pg_dump', 'pg_restore']) {
      fs.writeFileSync(
        path.join(fake, tool),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "${tool} (PostgreSQL) ${major}.0"; exit 0; fi\n` +
          `echo "${tool}: error: connection failed for password $PGPASSWORD, args: $*" >&2\nexit 1\n`,
        { mode: 0o755 },
      );
    }
    const dir = tempDir('pgtuner-leak-');
    let message = '';
    await assert.rejects(
      backupDatabase(db, { keys, directory: dir }, withTools({ 'backup.toolsDirectory': fake })),
      (err: PgTunerError) => {
        message = err.message;
        return err.code === 'BACKUP_ERROR';
      },
    );
    assert.match(message, /connection failed for password \*\*\*, args: --format=custom/);
    assert.ok(!message.includes(password));
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
