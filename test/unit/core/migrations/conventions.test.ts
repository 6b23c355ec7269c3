import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { detectConvention, migrationFileNames, nextVersion, parseFileName, slugify } from '../../../../src/core/migrations/conventions';
import { checksum, readMigrationFolder, splitDbmate } from '../../../../src/core/migrations/files';
import { planExecution } from '../../../../src/core/migrations/statements';
import { indexBuildTarget } from '../../../../src/core/migrations/invalidIndexes';
import { tempDirs } from '../../../support/tempDirs';

const files = (...names: string[]) => names.map((file) => ({ file, text: '' }));
const section = (sql: string) => ({ sql, firstLine: 1 });

describe('migrations/conventions', () => {
  it('takes file names apart', () => {
    assert.deepEqual(parseFileName('001_add_users.sql'), { version: '001', title: 'add_users', part: 'plain' });
    assert.deepEqual(parseFileName('001_add_users.down.sql'), { version: '001', title: 'add_users', part: 'down' });
    assert.deepEqual(parseFileName('20240102030405_x.up.sql'), { version: '20240102030405', title: 'x', part: 'up' });
    assert.equal(parseFileName('seed.sql'), undefined);
    assert.equal(parseFileName('001_x.txt'), undefined);
  });

  it('detects each layout and versioning', () => {
    assert.deepEqual(detectConvention([]), { layout: 'numbered', versioning: 'sequential', width: 3 });
    assert.deepEqual(detectConvention(files('0001_a.sql', '0001_a.down.sql')), { layout: 'numbered', versioning: 'sequential', width: 4 });
    assert.deepEqual(detectConvention(files('1_a.up.sql', '1_a.down.sql', '12_b.up.sql')), {
      layout: 'golang-migrate',
      versioning: 'sequential',
      width: 1,
    });
    assert.deepEqual(detectConvention(files('20240102030405_a.sql', '20240102030405_a.down.sql')), {
      layout: 'numbered',
      versioning: 'timestamp',
      width: 14,
    });
    assert.deepEqual(detectConvention([{ file: '20240102030405_a.sql', text: '-- migrate:up\nSELECT 1;\n-- migrate:down\n' }]), {
      layout: 'dbmate',
      versioning: 'timestamp',
      width: 14,
    });
  });

  it('numbers the next migration after the highest one, or by UTC time after the newest', () => {
    const now = new Date('2026-11-23T18:05:09.500Z');
    assert.equal(nextVersion(['001', '009', '010'], { layout: 'numbered', versioning: 'sequential', width: 3 }, now), '011');
    assert.equal(nextVersion(['9'], { layout: 'numbered', versioning: 'sequential', width: 1 }, now), '10');
    const ts = { layout: 'dbmate', versioning: 'timestamp', width: 14 } as const;
    assert.equal(nextVersion([], ts, now), '20261123180509');
    assert.equal(nextVersion(['20261123180509'], ts, now), '20261123180510');
  });

  it('names files the way each layout expects', () => {
    assert.deepEqual(migrationFileNames({ layout: 'numbered', versioning: 'sequential', width: 3 }, '002', 'x'), {
      up: '002_x.sql',
      down: '002_x.down.sql',
    });
    assert.deepEqual(migrationFileNames({ layout: 'golang-migrate', versioning: 'sequential', width: 3 }, '002', 'x'), {
      up: '002_x.up.sql',
      down: '002_x.down.sql',
    });
    assert.deepEqual(migrationFileNames({ layout: 'dbmate', versioning: 'timestamp', width: 14 }, '20260101000000', 'x'), {
      up: '20260101000000_x.sql',
    });
    assert.equal(slugify('  Add "Orders" status — index! '), 'add_orders_status_index');
    assert.equal(slugify('!!!'), 'migration');
  });

  it('splits dbmate files into sections with their line and options', () => {
    const text = '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n';
    const s = splitDbmate(text);
    assert.ok(s?.down);
    assert.equal(s.up.transaction, false);
    assert.equal(s.down.transaction, undefined);
    assert.equal(s.up.firstLine, 1);
    assert.equal(s.down.firstLine, 4);
    assert.equal(s.down.sql.trim(), 'DROP INDEX i;');
    assert.equal(splitDbmate('SELECT 1;'), undefined);
  });
});

describe('migrations/statements', () => {
  it('runs plain DDL in a transaction and CONCURRENTLY outside one, with file lines', () => {
    const tx = planExecution(section('CREATE TABLE t (a int);\n\nINSERT INTO t VALUES (1);'), 150000);
    assert.equal(tx.transactional, true);
    assert.deepEqual(
      tx.statements.map((s) => s.line),
      [1, 3],
    );
    const cic = planExecution(
      section('-- index\nCREATE EXTENSION IF NOT EXISTS pg_trgm;\ncreate unique index concurrently if not exists i on t (a);'),
      150000,
    );
    assert.equal(cic.transactional, false);
    assert.match(cic.reason ?? '', /CREATE INDEX CONCURRENTLY/);
    for (const sql of [
      'VACUUM t',
      'ALTER SYSTEM SET work_mem = 1',
      'DROP INDEX CONCURRENTLY i',
      'REINDEX (VERBOSE) TABLE CONCURRENTLY t',
      'CREATE DATABASE x',
    ]) {
      assert.equal(planExecution(section(sql), 150000).transactional, false, sql);
    }
    assert.equal(planExecution({ ...section('SELECT 1'), transaction: false }, 150000).transactional, false);
  });

  it('treats ALTER TYPE … ADD VALUE as non-transactional only before PostgreSQL 12', () => {
    const sql = "ALTER TYPE mood ADD VALUE 'meh'";
    assert.equal(planExecution(section(sql), 110000).transactional, false);
    assert.equal(planExecution(section(sql), 120000).transactional, true);
  });

  it("unwraps a file's own BEGIN … COMMIT and refuses transaction control elsewhere", () => {
    const wrapped = planExecution(section('BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;'), 150000);
    assert.deepEqual(
      wrapped.statements.map((s) => s.text),
      ['CREATE TABLE t (a int)'],
    );
    assert.throws(() => planExecution(section('CREATE TABLE t (a int);\nCOMMIT;\nSELECT 1;'), 150000), /line 2: "COMMIT"/);
  });

  it('finds the table and index name of a concurrent index build', () => {
    assert.deepEqual(indexBuildTarget('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Idx" ON ONLY public."T" (a)'), {
      relation: 'public."T"',
      indexName: 'Idx',
      ifNotExists: true,
    });
    assert.deepEqual(indexBuildTarget('create index concurrently on_a ON t (a)'), { relation: 't', indexName: 'on_a', ifNotExists: false });
    assert.deepEqual(indexBuildTarget('CREATE INDEX CONCURRENTLY ON s.t (a)'), {
      relation: 's.t',
      indexName: undefined,
      ifNotExists: false,
    });
    assert.deepEqual(indexBuildTarget('REINDEX INDEX CONCURRENTLY s.i'), { relation: 's.i', ifNotExists: false });
    assert.equal(indexBuildTarget('CREATE INDEX i ON t (a)'), undefined);
  });
});

describe('migrations/files', () => {
  const tempDir = tempDirs();
  const folder = (files: Record<string, string>) => {
    const dir = tempDir('pgtuner-unit-mig-');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };

  it('orders migrations numerically and ignores editor dotfiles and other files', async () => {
    const dir = folder({
      '10_b.up.sql': 'B',
      '10_b.down.sql': '',
      '9_a.up.sql': 'A',
      '9_a.down.sql': '',
      '.#9_a.up.sql': '',
      'README.md': '',
    });
    const read = await readMigrationFolder(dir);
    assert.deepEqual(read.problems, []);
    assert.deepEqual(
      read.migrations.map((m) => m.name),
      ['9_a', '10_b'],
    );
    assert.equal(read.migrations[0].checksum, checksum('A'));
  });

  it('reads a Windows checkout as the same migration: CRLF line endings and a byte order mark change neither the SQL nor the checksum', async () => {
    const unix = await readMigrationFolder(folder({ '001_a.sql': 'CREATE TABLE a ();\nSELECT 1;\n', '001_a.down.sql': 'DROP TABLE a;\n' }));
    const windows = await readMigrationFolder(
      folder({ '001_a.sql': '\uFEFFCREATE TABLE a ();\r\nSELECT 1;\r\n', '001_a.down.sql': '\uFEFFDROP TABLE a;\r\n' }),
    );
    assert.equal(windows.migrations[0].up.sql, 'CREATE TABLE a ();\r\nSELECT 1;\r\n', 'no byte order mark sent to the server');
    assert.equal(windows.migrations[0].checksum, unix.migrations[0].checksum);
    assert.equal(windows.migrations[0].downChecksum, unix.migrations[0].downChecksum);
  });

  it('reports numbers that collide by value, down files without an up, and misnamed golang-migrate files', async () => {
    const dir = folder({
      '001_a.up.sql': '',
      '001_a.down.sql': '',
      '1_b.up.sql': '',
      '1_b.down.sql': '',
      '2_c.down.sql': '',
      '3_d.sql': '',
    });
    const { problems } = await readMigrationFolder(dir);
    assert.deepEqual(problems.sort(), [
      '2_c.down.sql has no matching up file.',
      '3_d.sql should be named 3_d.up.sql in a golang-migrate folder.',
      'Version 001 is used by more than one migration (001_a, 1_b); give each its own number.',
    ]);
  });
});
