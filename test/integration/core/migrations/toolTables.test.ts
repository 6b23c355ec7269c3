/**
 * A repository another tool migrated: its tracking table, created exactly as that tool creates it
 * (golang-migrate's database/postgres/postgres.go ensureVersionTable; dbmate's
 * pkg/driver/postgres/postgres.go CreateMigrationsTable), holding what the tool applied. PG Tuner
 * reads it, applies only what is pending, records and rolls back in the tool's own format, and
 * refuses a dirty state. golang-migrate and dbmate are not npm packages, so their tables are made
 * by hand here; node-pg-migrate is, and the real tool migrates first and checks afterwards.
 * Flyway is a Java tool that cannot be installed here (no JVM, no network): its table is made with
 * Flyway's own DDL for PostgreSQL (createMetaDataTable.sql) and its rows as Flyway writes them, with
 * checksums computed independently of PG Tuner (Python's zlib.crc32 over each file without line
 * breaks, as a signed 32-bit integer: what Flyway's ChecksumCalculator yields).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
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
/** Flyway's createMetaDataTable.sql for PostgreSQL, with its ${schema} and ${table}. */
const flywayTable = (schema: string) => `
CREATE TABLE "${schema}"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "${schema}"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "${schema}"."flyway_schema_history" ("success");`;
/** The files of a Flyway repository and their checksums as Flyway records them (zlib.crc32, see above). */
const FLYWAY_FILES = {
  'V1__a.sql': 'CREATE TABLE fw_a (id int);\n',
  'V1_1__b.sql': 'CREATE TABLE fw_b (id int);\n',
  'U1_1__b.sql': 'DROP TABLE fw_b;\n',
  'V2__add_c.sql': 'CREATE TABLE fw_c (id int);\n',
  'U2__add_c.sql': 'DROP TABLE fw_c;\n',
};
const FLYWAY_CHECKSUMS = { a: -828581533, b: 1467924322, c: -1762631518, undoB: 1897003442, undoC: 1745537267 };

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
  /** Status names the tool's table and what stands; then apply: the names of what it ran. */
  const statusThenApply = async (dir: string, table: string, expected: string[]) => {
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(trackingLabel(status), table);
    assert.deepEqual(
      status.entries.map((e) => `${e.name}:${e.state}`),
      expected,
    );
    return (await applyPending(db, { directory: dir }, defaultRun())).applied.map((r) => r.name);
  };

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

    assert.deepEqual(
      await statusThenApply(dir, "public.schema_migrations (golang-migrate's table)", ['1_a:applied', '2_b:applied', '3_c:pending']),
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

    assert.deepEqual(
      await statusThenApply(dir, "public.schema_migrations (dbmate's table)", ['20260101090000_a:applied', '20260102090000_b:pending']),
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

    assert.deepEqual(
      await statusThenApply(dir, "public.pgmigrations (node-pg-migrate's table)", ['1700000000000_a:applied', '1700000000001_b:pending']),
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

  /** What `flyway migrate -target=1.1` leaves: fw_a and fw_b, and two rows (Flyway wrote them, installed_by the user). */
  const migratedByFlyway = async () => {
    await query(
      url,
      `${flywayTable('public')};
       CREATE TABLE fw_a (id int); CREATE TABLE fw_b (id int);
       INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', ${FLYWAY_CHECKSUMS.a}, current_user, 7, true),
              (2, '1.1', 'b', 'SQL', 'V1_1__b.sql', ${FLYWAY_CHECKSUMS.b}, current_user, 5, true)`,
    );
  };
  const history = async () =>
    query(
      url,
      'SELECT installed_rank AS rank, version, description, type, script, checksum, installed_by = current_user AS "byUser", success FROM flyway_schema_history ORDER BY installed_rank',
    );

  it('Flyway: status, apply and roll back (with the U files) without re-running anything; rows as Flyway writes them', async () => {
    const dir = migrationsFolder(FLYWAY_FILES);
    await migratedByFlyway();

    assert.deepEqual(
      await statusThenApply(dir, "public.flyway_schema_history (Flyway's table)", [
        'V1__a:applied',
        'V1_1__b:applied',
        'V2__add_c:pending',
      ]),
      ['V2__add_c'],
      'only the pending migration ran (1 and 1.1 would fail: their tables exist)',
    );
    const ran = { description: 'add c', type: 'SQL', script: 'V2__add_c.sql', checksum: FLYWAY_CHECKSUMS.c, byUser: true, success: true };
    assert.deepEqual((await history()).slice(2), [{ rank: 3, version: '2', ...ran }]);

    await rollback(db, { directory: dir, steps: 2 }, defaultRun());
    assert.deepEqual(
      (await history()).slice(3),
      [
        {
          rank: 4,
          version: '2',
          description: 'add c',
          type: 'UNDO_SQL',
          script: 'U2__add_c.sql',
          checksum: FLYWAY_CHECKSUMS.undoC,
          byUser: true,
          success: true,
        },
        {
          rank: 5,
          version: '1.1',
          description: 'b',
          type: 'UNDO_SQL',
          script: 'U1_1__b.sql',
          checksum: FLYWAY_CHECKSUMS.undoB,
          byUser: true,
          success: true,
        },
      ],
      "Flyway Teams' undo rows: the versions are pending again",
    );
    assert.deepEqual(
      await query(url, "SELECT to_regclass('fw_b') IS NULL AS b, to_regclass('fw_c') IS NULL AS c, to_regclass('fw_a') IS NOT NULL AS a"),
      [{ a: true, b: true, c: true }],
    );
    assert.deepEqual(await states(dir), ['V1__a:applied', 'V1_1__b:pending', 'V2__add_c:pending']);
    await assert.rejects(
      rollback(db, { directory: dir, steps: 1 }, defaultRun()),
      /V1__a has no down SQL .*Nothing was rolled back\. Its undo file would be U1__<description>\.sql/,
      'Flyway Community repositories have no U files',
    );

    const again = await applyPending(db, { directory: dir }, defaultRun());
    assert.deepEqual(
      again.applied.map((r) => r.name),
      ['V1_1__b', 'V2__add_c'],
    );
    assert.deepEqual(
      (await history()).slice(5).map((r) => [r.rank, r.version, r.type]),
      [
        [6, '1.1', 'SQL'],
        [7, '2', 'SQL'],
      ],
    );
  });

  it('Flyway: a failed row (success = false) is refused, nothing runs; a changed applied file is refused as Flyway validate does', async () => {
    const dir = migrationsFolder(FLYWAY_FILES);
    await migratedByFlyway();
    await query(
      url,
      `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       VALUES (3, '2', 'add c', 'SQL', 'V2__add_c.sql', ${FLYWAY_CHECKSUMS.c}, current_user, 3, false)`,
    );
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /V2__add_c.sql \(version 2\) as failed .*flyway repair.*Nothing was run/,
    );
    await assert.rejects(rollback(db, { directory: dir, steps: 1 }, defaultRun()), /as failed/);
    assert.match((await migrationStatus(db, { directory: dir }, defaultRun())).problems.join('\n'), /as failed/);
    assert.deepEqual(
      await query(url, "SELECT to_regclass('fw_c') IS NULL AS none, (SELECT count(*)::int FROM flyway_schema_history) AS n"),
      [{ none: true, n: 3 }],
    );

    await query(url, 'DELETE FROM flyway_schema_history WHERE NOT success');
    fs.writeFileSync(path.join(dir, 'V1__a.sql'), 'CREATE TABLE fw_a (id bigint);\n');
    await assert.rejects(applyPending(db, { directory: dir }, defaultRun()), /V1__a.sql was changed after it was applied/);
  });

  it("Flyway: a new repository gets Flyway's table exactly as Flyway creates it, which a Flyway-named folder always uses", async () => {
    const dir = migrationsFolder({ 'V1__a.sql': FLYWAY_FILES['V1__a.sql'] });
    await query(url, `CREATE SCHEMA flyway_ref; ${flywayTable('flyway_ref')}`);
    const status = await migrationStatus(db, { directory: dir }, defaultRun());
    assert.equal(trackingLabel(status), "public.flyway_schema_history (Flyway's table)");
    await applyPending(db, { directory: dir }, defaultRun());

    // Columns (type, nullability, default), constraints and indexes of PG Tuner's table and of Flyway's DDL.
    const shape = async (schema: string) => ({
      columns: await query(
        url,
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = 'flyway_schema_history' ORDER BY ordinal_position`,
        [schema],
      ),
      indexes: (
        await query<{ def: string }>(
          url,
          `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i WHERE i.indrelid = $1::regclass ORDER BY 1`,
          [`${schema}.flyway_schema_history`],
        )
      ).map((r) => r.def.replace(`${schema}.`, '')),
      constraints: await query(url, `SELECT conname, contype FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1`, [
        `${schema}.flyway_schema_history`,
      ]),
    });
    const ours = await shape('public');
    assert.equal(ours.columns.length, 10);
    assert.deepEqual(ours, await shape('flyway_ref'));
    assert.deepEqual(await history(), [
      {
        rank: 1,
        version: '1',
        description: 'a',
        type: 'SQL',
        script: 'V1__a.sql',
        checksum: FLYWAY_CHECKSUMS.a,
        byUser: true,
        success: true,
      },
    ]);
    assert.deepEqual(
      await query(url, "SELECT to_regclass('public.schema_migrations') IS NULL AS none"),
      [{ none: true }],
      "no table of PG Tuner's own",
    );
  });

  it("Flyway's table and a folder named another way disagree: refused, nothing runs", async () => {
    const dir = migrationsFolder({ '001_a.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;' });
    await query(url, flywayTable('public'));
    await assert.rejects(
      applyPending(db, { directory: dir }, defaultRun()),
      /public.flyway_schema_history is Flyway's table, but .* follows numbered/,
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('a') IS NULL AS none"), [{ none: true }]);
  });
});
