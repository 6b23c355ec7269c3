import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { Database } from '../../../../src/core/db/database';
import { PgTunerError } from '../../../../src/core/errors';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { migrationStatus } from '../../../../src/core/migrations/status';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { invalidIndexes, migrationsFolder, openDatabase, query, removeFolders, schemaDump, trackedNames } from './support';

const SCHEMA_MIGRATIONS = {
  '001_orders.sql': `CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, state order_state NOT NULL DEFAULT 'new', note text);
INSERT INTO orders SELECT g, g % 100, 'new', 'n' || g FROM generate_series(1, 2000) g;`,
  '001_orders.down.sql': 'DROP TABLE orders;\nDROP TYPE order_state;',
  '002_orders_customer_idx.sql':
    '-- built without blocking writes\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);',
  '002_orders_customer_idx.down.sql': 'DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;',
  '003_orders_paid_at.sql': "ALTER TABLE orders ADD COLUMN paid_at timestamptz;\nCOMMENT ON COLUMN orders.paid_at IS 'when it was paid';",
  '003_orders_paid_at.down.sql': 'ALTER TABLE orders DROP COLUMN paid_at;',
};

describe('migrations runner', () => {
  let url: string;
  let db: Database;
  const open: Database[] = [];

  beforeEach(async () => {
    url = await freshDatabase([]);
    db = openDatabase(url);
    open.push(db);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.end()));
    removeFolders();
  });

  it('applies pending migrations in order and rolls them all back to an identical schema', async () => {
    const dir = migrationsFolder(SCHEMA_MIGRATIONS);
    const before = await schemaDump(url);
    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.equal(up.failed, undefined);
    assert.deepEqual(
      up.applied.map((r) => [r.name, r.transactional]),
      [
        ['001_orders', true],
        ['002_orders_customer_idx', false],
        ['003_orders_paid_at', true],
      ],
    );
    assert.deepEqual(await trackedNames(url), ['001_orders', '002_orders_customer_idx', '003_orders_paid_at']);
    const migrated = await schemaDump(url);
    assert.match(migrated, /CREATE INDEX orders_customer_idx ON public\.orders USING btree \(customer_id\)/);
    assert.match(migrated, /paid_at timestamp with time zone/);

    const again = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(again.applied, [], 'a second run has nothing to do');

    const down = await rollback(db, { directory: dir, steps: 3 }, defaultRun());
    assert.equal(down.failed, undefined);
    assert.deepEqual(
      down.rolledBack.map((r) => r.name),
      ['003_orders_paid_at', '002_orders_customer_idx', '001_orders'],
    );
    assert.deepEqual(await trackedNames(url), []);
    assert.equal(await schemaDump(url), before);
  });

  it('records when and how long each migration took, and reports pending ones', async () => {
    const dir = migrationsFolder(SCHEMA_MIGRATIONS);
    fs.unlinkSync(path.join(dir, '003_orders_paid_at.sql'));
    fs.unlinkSync(path.join(dir, '003_orders_paid_at.down.sql'));
    await applyPending(db, { directory: dir }, defaultRun());
    fs.writeFileSync(path.join(dir, '003_orders_paid_at.sql'), SCHEMA_MIGRATIONS['003_orders_paid_at.sql']);
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      status.entries.map((e) => [e.name, e.state, e.hasDown]),
      [
        ['001_orders', 'applied', true],
        ['002_orders_customer_idx', 'applied', true],
        ['003_orders_paid_at', 'pending', false],
      ],
    );
    assert.ok(Date.now() - Date.parse(status.entries[0].appliedAt as string) < 60_000);
    assert.ok(Number.isInteger(status.entries[0].executionMs));
    assert.match(status.problems.join('\n'), /003_orders_paid_at\.sql has no 003_orders_paid_at\.down\.sql/);
  });

  it('drops the INVALID index a failed CREATE UNIQUE INDEX CONCURRENTLY leaves, and records nothing', async () => {
    const dir = migrationsFolder({
      '001_emails.sql': "CREATE TABLE emails (id int, address text);\nINSERT INTO emails VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x');",
      '001_emails.down.sql': 'DROP TABLE emails;',
      '002_unique_address.sql': 'CREATE UNIQUE INDEX CONCURRENTLY emails_address_key ON emails (address);',
      '002_unique_address.down.sql': 'DROP INDEX CONCURRENTLY IF EXISTS emails_address_key;',
      '003_later.sql': 'ALTER TABLE emails ADD COLUMN verified boolean;',
      '003_later.down.sql': 'ALTER TABLE emails DROP COLUMN verified;',
    });
    const result = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      result.applied.map((r) => r.name),
      ['001_emails'],
    );
    assert.equal(result.failed?.name, '002_unique_address');
    assert.equal(result.failed?.transactional, false);
    assert.equal(result.failed?.line, 1);
    assert.match(result.failed?.message ?? '', /could not create unique index "emails_address_key".*a@x.*dropped/s);
    assert.deepEqual(result.failed?.droppedInvalidIndexes, ['public.emails_address_key']);
    assert.deepEqual(result.notRun, ['003_later']);
    assert.deepEqual(await invalidIndexes(url), []);
    assert.deepEqual(await query(url, "SELECT 1 FROM pg_class WHERE relname = 'emails_address_key'"), []);
    assert.deepEqual(await trackedNames(url), ['001_emails']);
  });

  it('refuses to skip over an INVALID index an earlier crashed build left under the same name', async () => {
    const dir = migrationsFolder({
      '001_idx.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_key ON t (a);',
      '001_idx.down.sql': 'DROP INDEX CONCURRENTLY IF EXISTS t_a_key;',
    });
    await query(url, 'CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1)');
    await query(url, 'CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a)').catch(() => undefined);
    assert.deepEqual(await invalidIndexes(url), ['t_a_key']);
    const result = await applyPending(db, { directory: dir }, defaultRun());
    assert.match(result.failed?.message ?? '', /t_a_key already exists but is INVALID/);
    assert.deepEqual(await trackedNames(url), []);
  });

  it('rolls back a failing transactional migration completely', async () => {
    const dir = migrationsFolder({
      '001_ok.sql': 'CREATE TABLE kept (id int);',
      '001_ok.down.sql': 'DROP TABLE kept;',
      '002_broken.sql': 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\n\nALTER TABLE half\n  ADD COLUMN x nosuchtype;',
      '002_broken.down.sql': 'DROP TABLE half;',
    });
    const result = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      result.applied.map((r) => r.name),
      ['001_ok'],
    );
    assert.equal(result.failed?.transactional, true);
    assert.equal(result.failed?.line, 5, 'points at the line of the error inside the statement');
    assert.match(result.failed?.message ?? '', /type "nosuchtype" does not exist/);
    assert.deepEqual(await query(url, "SELECT to_regclass('half') AS t"), [{ t: null }]);
    assert.deepEqual(await trackedNames(url), ['001_ok']);
  });

  it('refuses to run anything when an applied file changed', async () => {
    const { '003_orders_paid_at.sql': laterUp, '003_orders_paid_at.down.sql': laterDown, ...firstTwo } = SCHEMA_MIGRATIONS;
    const dir = migrationsFolder(firstTwo);
    await applyPending(db, { directory: dir }, defaultRun());
    fs.writeFileSync(path.join(dir, '003_orders_paid_at.sql'), laterUp);
    fs.writeFileSync(path.join(dir, '003_orders_paid_at.down.sql'), laterDown);
    fs.appendFileSync(path.join(dir, '001_orders.sql'), '\nCREATE INDEX ON orders (note);');
    await assert.rejects(applyPending(db, { directory: dir }, defaultRun()), (err: PgTunerError) => {
      assert.equal(err.code, 'CHECKSUM_MISMATCH');
      assert.match(err.message, /001_orders\.sql was changed after it was applied/);
      assert.match(err.message, /new migration/);
      return true;
    });
    assert.deepEqual(await trackedNames(url), ['001_orders', '002_orders_customer_idx']);
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      status.entries.map((e) => e.state),
      ['changed', 'applied', 'pending'],
    );
    await assert.rejects(rollback(db, { directory: dir, steps: 2 }, defaultRun()), /changed after it was applied/);
  });

  it('normalises line endings, so a CRLF checkout of an applied file is not a change', async () => {
    const dir = migrationsFolder({
      '001_a.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n',
      '001_a.down.sql': 'DROP TABLE a, b;',
    });
    await applyPending(db, { directory: dir }, defaultRun());
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n');
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(status.entries[0].state, 'applied');
  });

  it('lets two runners started at once apply each migration exactly once, without deadlocking on CONCURRENTLY', async () => {
    const dir = migrationsFolder({
      '001_big.sql': 'CREATE TABLE big (id int, v int);\nINSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 300000) g;',
      '001_big.down.sql': 'DROP TABLE big;',
      '002_big_v.sql': 'CREATE INDEX CONCURRENTLY big_v_idx ON big (v);',
      '002_big_v.down.sql': 'DROP INDEX CONCURRENTLY big_v_idx;',
      '003_big_id.sql': 'CREATE INDEX CONCURRENTLY big_id_idx ON big (id);',
      '003_big_id.down.sql': 'DROP INDEX CONCURRENTLY big_id_idx;',
    });
    const other = openDatabase(url);
    open.push(other);
    const waits: string[] = [];
    const run = (d: Database) =>
      applyPending(d, { directory: dir, lock: { pollMs: 50 } }, defaultRun({ onProgress: (m) => waits.push(m) }));
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('runners did not finish within 60 s: deadlock?')), 60_000).unref(),
    );
    const [a, b] = await Promise.race([Promise.all([run(db), run(other)]), deadline]);
    assert.equal(a.failed, undefined, a.failed?.message);
    assert.equal(b.failed, undefined, b.failed?.message);
    const names = [...a.applied, ...b.applied].map((r) => r.name).sort();
    assert.deepEqual(names, ['001_big', '002_big_v', '003_big_id']);
    assert.deepEqual(await trackedNames(url), ['001_big', '002_big_v', '003_big_id']);
    assert.ok(
      waits.some((m) => /Another migration runner \(backend \d+, pgtuner\) is applying/.test(m)),
      'the second runner waited for the first',
    );
    assert.deepEqual(await invalidIndexes(url), []);
  });

  it('names the session a concurrent index build is waiting for, and finishes once it ends', async () => {
    await query(url, 'CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 1000)');
    const dir = migrationsFolder({
      '001_t_a.sql': 'CREATE INDEX CONCURRENTLY t_a_idx ON t (a);',
      '001_t_a.down.sql': 'DROP INDEX CONCURRENTLY t_a_idx;',
    });
    const blocker = new Client({ connectionString: url, application_name: 'forgotten-report' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await blocker.query('SELECT count(*) FROM t');
      const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const messages: string[] = [];
      const applying = applyPending(db, { directory: dir }, defaultRun({ onProgress: (m) => messages.push(m) }));
      const waiting = () => messages.filter((m) => m.startsWith('Waiting for'));
      const deadline = Date.now() + 15_000;
      while (!waiting().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(
        waiting()[0] ?? `(no message; progress: ${messages.join(' | ')})`,
        new RegExp(
          `^Waiting for backend ${blockerPid} \\(forgotten-report, idle in transaction, transaction open \\d+ s: SELECT pg_backend_pid\\(\\) AS pid\\)`,
        ),
      );
      assert.deepEqual(await trackedNames(url), [], 'the build is still waiting');
      await blocker.query('COMMIT');
      const result = await applying;
      assert.deepEqual(
        result.applied.map((r) => r.name),
        ['001_t_a'],
      );
    } finally {
      await blocker.end();
    }
  });

  it("keeps its tracking table in the configured schema and refuses a tool's table the folder's convention does not match", async () => {
    const dir = migrationsFolder({ '001_a.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;' });
    await query(url, 'CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)');
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /schema_migrations is golang-migrate's table, but .* follows numbered/,
    );
    await query(url, 'DROP TABLE schema_migrations; CREATE TABLE schema_migrations (version text, executed boolean)');
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /schema_migrations exists but belongs to another tool \(its columns: version, executed\)/,
    );
    const result = await applyPending(db, { directory: dir }, defaultRun({ settings: { 'migrations.trackingSchema': 'PG Tuner' } }));
    assert.deepEqual(
      result.applied.map((r) => r.name),
      ['001_a'],
    );
    assert.equal(result.trackingTable, '"PG Tuner".schema_migrations');
    assert.deepEqual(await trackedNames(url, 'PG Tuner'), ['001_a']);
  });

  describe('bad input: clear message, nothing applied', () => {
    const expectRefusal = async (dir: string, pattern: RegExp) => {
      await assert.rejects(applyPending(db, { directory: dir }, defaultRun()), (err: PgTunerError) => {
        assert.equal(err.code, 'BAD_INPUT');
        assert.match(err.message, pattern);
        return true;
      });
      assert.deepEqual(await trackedNames(url), []);
      assert.deepEqual(await query(url, "SELECT to_regclass('good') AS t"), [{ t: null }]);
    };
    const good = { '001_good.sql': 'CREATE TABLE good (id int);', '001_good.down.sql': 'DROP TABLE good;' };

    it('a missing folder', async () => {
      await expectRefusal(path.join(migrationsFolder(), 'nope'), /migrations folder .*nope does not exist/);
    });

    it('a .sql without its .down', async () => {
      await expectRefusal(migrationsFolder({ ...good, '002_x.sql': 'SELECT 1;' }), /002_x\.sql has no 002_x\.down\.sql/);
    });

    it('duplicate numbers', async () => {
      await expectRefusal(
        migrationsFolder({ ...good, '001_other.sql': 'SELECT 1;', '001_other.down.sql': '' }),
        /Version 001 is used by more than one migration \(001_good, 001_other\)/,
      );
    });

    it('an unreadable file', async () => {
      const dir = migrationsFolder(good);
      fs.symlinkSync(path.join(dir, 'gone.sql'), path.join(dir, '002_gone.sql'));
      fs.writeFileSync(path.join(dir, '002_gone.down.sql'), '');
      await expectRefusal(dir, /002_gone\.sql cannot be read \(ENOENT\)/);
    });

    it('a file that follows no convention', async () => {
      await expectRefusal(
        migrationsFolder({ ...good, 'seed.sql': 'SELECT 1;' }),
        /seed\.sql does not follow the folder's convention, numbered/,
      );
    });

    it('transaction control inside a file', async () => {
      await expectRefusal(
        migrationsFolder({ ...good, '002_x.sql': 'CREATE TABLE y (id int);\nCOMMIT;\nCREATE TABLE z (id int);', '002_x.down.sql': '' }),
        /002_x, line 2: "COMMIT"/,
      );
    });

    it('rolling back more than was applied, or a migration without a down', async () => {
      await assert.rejects(
        rollback(db, { directory: migrationsFolder(good), steps: 1 }, defaultRun()),
        /Only 0 migration\(s\) are applied/,
      );
      await assert.rejects(rollback(db, { directory: migrationsFolder(good), steps: 0 }, defaultRun()), /at least 1/);
      // A dbmate file may leave out its down section: applied, then refused when rolled back.
      const upOnly = migrationsFolder({ '20260101090000_t.sql': '-- migrate:up\nCREATE TABLE t (id int);\n' });
      await applyPending(db, { directory: upOnly }, defaultRun());
      await assert.rejects(
        rollback(db, { directory: upOnly, steps: 1 }, defaultRun()),
        /20260101090000_t has no down SQL .*Nothing was rolled back/,
      );
      assert.deepEqual(await trackedNames(url), ['20260101090000_t']);
      assert.deepEqual(await query(url, "SELECT to_regclass('t')::text AS t"), [{ t: 't' }]);
    });
  });
});
