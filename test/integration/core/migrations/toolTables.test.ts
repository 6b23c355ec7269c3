/**
 * A repository another tool migrated: its tracking table, created exactly as that tool creates it
 * (golang-migrate's database/postgres/postgres.go ensureVersionTable; dbmate's
 * pkg/driver/postgres/postgres.go CreateMigrationsTable), holding what the tool applied. PG Tuner
 * reads it, applies only what is pending, records and rolls back in the tool's own format, and
 * refuses a dirty state. Neither tool is an npm package, so the tables are made by hand here.
 */
import assert from 'node:assert/strict';
import { Database } from '../../../../src/core/db/database';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { migrationStatus, trackingLabel } from '../../../../src/core/migrations/status';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { migrationsFolder, openDatabase, query, removeFolders } from './support';

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

  it("node-pg-migrate's and Flyway's tables are refused with a clear message (PG Tuner does not run their migrations)", async () => {
    const dir = migrationsFolder({ '001_a.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;' });
    await query(url, 'CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)');
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /pgmigrations exists: this database is migrated by node-pg-migrate/,
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('a') IS NULL AS none"), [{ none: true }]);
  });
});
