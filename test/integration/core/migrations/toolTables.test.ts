/**
 * A repository another tool migrated: its tracking table, created exactly as that tool creates it
 * (golang-migrate's database/postgres/postgres.go ensureVersionTable; dbmate's
 * pkg/driver/postgres/postgres.go CreateMigrationsTable), holding what the tool applied. PG Tuner
 * reads it, applies only what is pending, records and rolls back in the tool's own format, and
 * refuses a dirty state. golang-migrate and dbmate are not npm packages, so their tables are made
 * by hand here; node-pg-migrate is, and the real tool migrates first and checks afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Database } from '../../../../src/core/db/database';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { migrationStatus, trackingLabel } from '../../../../src/core/migrations/status';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { migrationsFolder, openDatabase, query, removeFolders } from './support';

const NODE_PG_MIGRATE = path.join(__dirname, '..', '..', '..', '..', '..', 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');
const GOLANG_MIGRATE_TABLE = 'CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)';
const DBMATE_TABLE = 'create table if not exists "public"."schema_migrations" (version varchar(128) primary key)';

describe("migrations: another tool's tracking table", function () {
  this.timeout(60_000);
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

  const states = async (dir: string) =>
    (await migrationStatus(db, { directory: dir }, defaultRun())).entries.map((e) => `${e.name}:${e.state}`);

  it('golang-migrate: status, apply and roll back without re-running anything; its one row follows', async () => {
    const dir = migrationsFolder({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '1_a.down.sql': 'DROP TABLE a;',
      '2_b.up.sql': 'CREATE TABLE b (id int);',
      '2_b.down.sql': 'DROP TABLE b;',
      '3_c.up.sql': 'CREATE TABLE c (id int);',
      '3_c.down.sql': 'DROP TABLE c;',
    });
    // What `migrate up 2` leaves: the tables of 1 and 2, and version 2 clean.
    await query(
      url,
      `${GOLANG_MIGRATE_TABLE}; CREATE TABLE a (id int); CREATE TABLE b (id int); INSERT INTO schema_migrations VALUES (2, false)`,
    );

    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(status.trackingTool, 'golang-migrate');
    assert.equal(trackingLabel(status), "public.schema_migrations (golang-migrate's table)");
    assert.deepEqual(await states(dir), ['1_a:applied', '2_b:applied', '3_c:pending']);

    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      up.applied.map((r) => r.name),
      ['3_c'],
      'only the pending migration ran (1 and 2 would fail: their tables exist)',
    );
    assert.deepEqual(await query(url, 'SELECT version::int AS version, dirty FROM schema_migrations'), [{ version: 3, dirty: false }]);

    await rollback(db, { directory: dir, steps: 2 }, defaultRun());
    assert.deepEqual(await query(url, 'SELECT version::int AS version, dirty FROM schema_migrations'), [{ version: 1, dirty: false }]);
    assert.deepEqual(await query(url, "SELECT to_regclass('b') IS NULL AS gone, to_regclass('a') IS NOT NULL AS kept"), [
      { gone: true, kept: true },
    ]);
    await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.deepEqual(await query(url, 'SELECT * FROM schema_migrations'), [], 'golang-migrate keeps no row once everything is rolled back');
  });

  it('golang-migrate: a dirty version is refused, nothing runs', async () => {
    const dir = migrationsFolder({ '1_a.up.sql': 'CREATE TABLE a (id int);', '1_a.down.sql': 'DROP TABLE a;' });
    await query(url, `${GOLANG_MIGRATE_TABLE}; INSERT INTO schema_migrations VALUES (1, true)`);
    await assert.rejects(applyPending(db, { directory: dir }, defaultRun()), /version 1 dirty .*migrate force.*Nothing was run/);
    await assert.rejects(rollback(db, { directory: dir, steps: 1 }, defaultRun()), /dirty/);
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.match(status.problems.join('\n'), /dirty/);
    assert.deepEqual(await query(url, "SELECT to_regclass('a') IS NULL AS none"), [{ none: true }]);
  });

  it('dbmate: status, apply and roll back without re-running anything; one row per version', async () => {
    const file = (t: string) => `-- migrate:up\nCREATE TABLE ${t} (id int);\n\n-- migrate:down\nDROP TABLE ${t};\n`;
    const dir = migrationsFolder({
      '20260101090000_a.sql': file('a'),
      '20260102090000_b.sql': file('b'),
    });
    await query(url, `${DBMATE_TABLE}; CREATE TABLE a (id int); INSERT INTO schema_migrations (version) VALUES ('20260101090000')`);

    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(status.trackingTool, 'dbmate');
    assert.deepEqual(await states(dir), ['20260101090000_a:applied', '20260102090000_b:pending']);

    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      up.applied.map((r) => r.name),
      ['20260102090000_b'],
    );
    const versions = async () => (await query(url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
    assert.deepEqual(await versions(), ['20260101090000', '20260102090000']);

    await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.deepEqual(await versions(), ['20260101090000']);
    assert.deepEqual(await query(url, "SELECT to_regclass('b') IS NULL AS gone"), [{ gone: true }]);
  });

  it('node-pg-migrate (the real tool): status, apply and roll back without re-running anything; the tool agrees afterwards', async () => {
    const file = (t: string) => `-- Up Migration\nCREATE TABLE ${t} (id int);\n\n-- Down Migration\nDROP TABLE ${t};\n`;
    const dir = migrationsFolder({ '1700000000000_a.sql': file('npm_a'), '1700000000001_b.sql': file('npm_b') });
    const tool = (...args: string[]) => {
      const r = spawnSync(process.execPath, [NODE_PG_MIGRATE, ...args, '--migrations-dir', dir], {
        env: { ...process.env, DATABASE_URL: url },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      return r.stdout;
    };
    tool('up', '1');

    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(trackingLabel(status), "public.pgmigrations (node-pg-migrate's table)");
    assert.deepEqual(await states(dir), ['1700000000000_a:applied', '1700000000001_b:pending']);
    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      up.applied.map((r) => r.name),
      ['1700000000001_b'],
    );
    assert.match(tool('up'), /No migrations to run/, 'node-pg-migrate sees what PG Tuner applied');

    await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.deepEqual(await query(url, "SELECT to_regclass('npm_b') IS NULL AS gone"), [{ gone: true }]);
    tool('down');
    assert.deepEqual(
      await query(url, "SELECT to_regclass('npm_a') IS NULL AS gone, (SELECT count(*)::int FROM pgmigrations) AS n"),
      [{ gone: true, n: 0 }],
      'node-pg-migrate rolled back the one PG Tuner left applied',
    );
  });

  it("Flyway's table is refused with a clear message (PG Tuner does not run its migrations)", async () => {
    const dir = migrationsFolder({ '001_a.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;' });
    await query(url, 'CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50))');
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /flyway_schema_history exists: this database is migrated by Flyway/,
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('a') IS NULL AS none"), [{ none: true }]);
  });
});
