/** Issue 11: down files checksummed, partitioned-index drops that roll back valid, confirmation under the lock. */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { Database } from '../../../../src/core/db/database';
import { PgTunerError } from '../../../../src/core/errors';
import { generateDropIndexMigration } from '../../../../src/core/migrations/generate';
import { migrationLockKey } from '../../../../src/core/migrations/lock';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { migrationStatus } from '../../../../src/core/migrations/status';
import { defaultRun } from '../../../../src/core/run';
import { readIndexForDrop } from '../../../../src/core/usage/definition';
import { freshDatabase } from '../../../support/integrationHooks';
import { invalidIndexes, migrationsFolder, openDatabase, query, removeFolders, trackedNames } from './support';

const PAIR = {
  '001_a.sql': 'CREATE TABLE a (id int);',
  '001_a.down.sql': 'DROP TABLE a;',
  '002_b.sql': 'CREATE TABLE b (id int);',
  '002_b.down.sql': 'DROP TABLE b;',
};

describe('migrations hardening (issue 11)', () => {
  let url: string;
  let db: Database;

  beforeEach(async () => {
    url = await freshDatabase([]);
    db = openDatabase(url);
  });
  afterEach(async () => {
    await db.end();
    removeFolders();
  });

  it('a .down changed after apply is refused: rollback runs only the down that was there when it was applied', async () => {
    const dir = migrationsFolder(PAIR);
    await applyPending(db, { directory: dir }, defaultRun());
    await query(url, 'CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)');
    fs.writeFileSync(path.join(dir, '002_b.down.sql'), 'DROP TABLE b;\nDROP TABLE precious;\n');
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      status.entries.map((e) => e.state),
      ['applied', 'changed'],
    );
    await assert.rejects(rollback(db, { directory: dir, steps: 1 }, defaultRun()), (err: PgTunerError) => {
      assert.equal(err.code, 'CHECKSUM_MISMATCH');
      assert.match(err.message, /002_b\.down\.sql was changed after it was applied/);
      return true;
    });
    assert.deepEqual(await query(url, "SELECT to_regclass('precious')::text AS p, to_regclass('b')::text AS b"), [
      { p: 'precious', b: 'b' },
    ]);
    assert.deepEqual(await trackedNames(url), ['001_a', '002_b']);
    // Restored: rolls back.
    fs.writeFileSync(path.join(dir, '002_b.down.sql'), PAIR['002_b.down.sql']);
    const down = await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.deepEqual(
      down.rolledBack.map((r) => r.name),
      ['002_b'],
    );
  });

  it('a dbmate file whose down section changed after apply is refused too', async () => {
    const dir = migrationsFolder({ '20260101090000_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n' });
    await applyPending(db, { directory: dir }, defaultRun());
    fs.writeFileSync(
      path.join(dir, '20260101090000_a.sql'),
      '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\nDROP SCHEMA public CASCADE;\n',
    );
    await assert.rejects(
      rollback(db, { directory: dir, steps: 1 }, defaultRun()),
      /20260101090000_a\.sql was changed after it was applied/,
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('a')::text AS a"), [{ a: 'a' }]);
  });

  it('an older tracking table (no down checksum) keeps working: upgraded with ADD COLUMN IF NOT EXISTS, old rows checked from then on', async () => {
    const dir = migrationsFolder(PAIR);
    await query(
      url,
      `CREATE TABLE a (id int);
      CREATE TABLE schema_migrations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL);
      INSERT INTO schema_migrations (name, checksum, execution_ms) VALUES ('001_a', '${(await import('../../../../src/core/migrations/files')).checksum(PAIR['001_a.sql'])}', 3)`,
    );
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      status.entries.map((e) => e.state),
      ['applied', 'pending'],
      'status reads the old table (and changes nothing)',
    );
    assert.deepEqual(
      await query(
        url,
        "SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'schema_migrations'::regclass AND attname = 'down_checksum'",
      ),
      [{ n: 0 }],
    );

    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      up.applied.map((r) => r.name),
      ['002_b'],
    );
    const rows = await query<{ name: string; down: string | null }>(
      url,
      'SELECT name, down_checksum AS down FROM schema_migrations ORDER BY id',
    );
    assert.deepEqual(
      rows.map((r) => [r.name, typeof r.down === 'string' && r.down.length === 64]),
      [
        ['001_a', true],
        ['002_b', true],
      ],
    );

    fs.writeFileSync(path.join(dir, '001_a.down.sql'), 'DROP TABLE a;\nDROP TABLE b;\n');
    await assert.rejects(rollback(db, { directory: dir, steps: 2 }, defaultRun()), /001_a\.down\.sql was changed after it was applied/);
    fs.writeFileSync(path.join(dir, '001_a.down.sql'), PAIR['001_a.down.sql']);
    const down = await rollback(db, { directory: dir, steps: 2 }, defaultRun());
    assert.equal(down.failed, undefined, down.failed?.message);
    assert.deepEqual(await trackedNames(url), []);
  });

  it("the drop of a partitioned index rolls back to a VALID index with its partitions' indexes attached (at every level)", async () => {
    await query(
      url,
      `
      CREATE SCHEMA "Sales";
      CREATE TABLE "Sales"."Events" (id int, at date, kind text) PARTITION BY RANGE (at);
      CREATE TABLE "Sales".events_2025 PARTITION OF "Sales"."Events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE public.events_2026 PARTITION OF "Sales"."Events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (kind);
      CREATE TABLE public.events_2026_a PARTITION OF public.events_2026 FOR VALUES IN ('a');
      CREATE TABLE public.events_2026_other PARTITION OF public.events_2026 DEFAULT;
      INSERT INTO "Sales"."Events" SELECT g, date '2025-06-01' + (g % 400), CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 2000) g;
      CREATE INDEX "Events kind ""at"" idx" ON "Sales"."Events" (kind, at) WHERE id > 0`,
    );
    const INDEXES_SQL = `SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition, x.indisvalid AS valid,
        (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) AS parent
       FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
      WHERE x.indrelid IN (SELECT oid FROM pg_class WHERE relname IN ('Events', 'events_2025', 'events_2026', 'events_2026_a', 'events_2026_other'))
      ORDER BY c.relname`;
    const before = await query(url, INDEXES_SQL);
    assert.equal(before.length, 5);
    assert.ok(before.every((i) => i.valid));

    const current = await readIndexForDrop(db, { schema: 'Sales', name: 'Events kind "at" idx' }, defaultRun());
    assert.equal(current.partitions.length, 4);
    const dir = migrationsFolder();
    const { upPath, downPath } = await generateDropIndexMigration({
      directory: dir,
      index: { schema: 'Sales', table: 'Events', name: 'Events kind "at" idx', ...current },
    });
    assert.match(fs.readFileSync(upPath, 'utf8'), /^DROP INDEX IF EXISTS "Sales"\."Events kind ""at"" idx";$/m);
    const downText = fs.readFileSync(downPath as string, 'utf8');
    assert.match(downText, /^CREATE INDEX IF NOT EXISTS "Events kind ""at"" idx" ON ONLY "Sales"\."Events" /m);
    assert.match(downText, /^ALTER INDEX "Sales"\."Events kind ""at"" idx" ATTACH PARTITION "Sales"\.events_2025_kind_at_idx;$/m);

    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.equal(up.failed, undefined, up.failed?.message);
    assert.deepEqual(await query(url, INDEXES_SQL), []);
    const down = await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.equal(down.failed, undefined, down.failed?.message);
    assert.deepEqual(await query(url, INDEXES_SQL), before, 'every index back, same definition, attached to the same parent, and valid');
    assert.deepEqual(await invalidIndexes(url), []);
  });

  it('refuses a partitioned index without its partitions rather than write a .down that leaves it invalid', async () => {
    await assert.rejects(
      generateDropIndexMigration({
        directory: migrationsFolder(),
        index: { schema: 'public', table: 't', name: 't_idx', definition: 'CREATE INDEX t_idx ON ONLY public.t USING btree (a)' },
      }),
      /partitioned index: its drop migration needs the indexes of its partitions/,
    );
  });

  it('asks for confirmation under the lock, with what is pending then, and creates nothing when declined', async () => {
    const dir = migrationsFolder(PAIR);
    await applyPending(db, { directory: dir }, defaultRun());
    // Pending is zero now (what a pre-lock count sees). While this runner waits for the lock,
    // another one rolls 002_b back: under the lock, one is pending again.
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey('public').toString()]);
      const asked: string[][] = [];
      const running = applyPending(
        db,
        { directory: dir, lock: { pollMs: 20 }, confirm: async (names) => (asked.push(names), false) },
        defaultRun(),
      );
      await new Promise((r) => setTimeout(r, 300));
      await other.query("DROP TABLE b; DELETE FROM schema_migrations WHERE name = '002_b'");
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey('public').toString()]);
      const result = await running;
      assert.deepEqual(asked, [['002_b']]);
      assert.equal(result.declined, true);
      assert.deepEqual(result.applied, []);
      assert.deepEqual(await query(url, "SELECT to_regclass('b')::text AS b"), [{ b: null }]);
    } finally {
      await other.end();
    }
    // Nothing pending: not asked.
    const fresh = migrationsFolder({});
    let askedAgain = false;
    await applyPending(
      db,
      { directory: fresh, confirm: async () => (askedAgain = true) },
      defaultRun({ settings: { 'migrations.trackingSchema': 'other' } }),
    );
    assert.equal(askedAgain, false);
    // Declined on a new database: not even the tracking table is created.
    const declined = await applyPending(
      db,
      { directory: dir, confirm: async () => false },
      defaultRun({ settings: { 'migrations.trackingSchema': 'untouched' } }),
    );
    assert.equal(declined.declined, true);
    assert.deepEqual(await query(url, "SELECT to_regnamespace('untouched')::text AS s"), [{ s: null }]);
  });
});
