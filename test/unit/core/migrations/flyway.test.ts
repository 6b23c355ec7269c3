import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { detectConvention, migrationFileNames, nextVersion, parseFileName } from '../../../../src/core/migrations/conventions';
import { compareVersions, hasFlywayConfig, readMigrationFolder, versionKey } from '../../../../src/core/migrations/files';
import { appliedVersions, HistoryRow } from '../../../../src/core/migrations/flyway';
import { crc32, flywayChecksum } from '../../../../src/core/migrations/flywayChecksum';
import { tempDirs } from '../../../support/tempDirs';

describe('migrations/flyway: checksum', () => {
  it('is the standard CRC-32, signed as Java stores it', () => {
    // The CRC-32 check value: CRC32("123456789") = 0xCBF43926, which as a signed int is -873187034.
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926 | 0);
    assert.equal(crc32(Buffer.from('123456789')), -873187034);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });

  it('ignores line endings, blank lines and a byte order mark, as Flyway reading line by line does', () => {
    // Reference values from Python's zlib.crc32 over the text without \r and \n, converted to signed.
    const lf = 'CREATE TABLE a (id int);\n';
    assert.equal(flywayChecksum(lf), -623083431);
    assert.equal(flywayChecksum('CREATE TABLE a (id int);\r\n'), -623083431);
    assert.equal(flywayChecksum('\uFEFFCREATE TABLE a (id int);\n\n\n'), -623083431);
    assert.equal(flywayChecksum('-- état\nCREATE TABLE é (id int);\n'), -482931176, 'UTF-8 bytes of each line');
    assert.equal(flywayChecksum(''), 0, 'an empty file (Flyway reads no line)');
    assert.notEqual(flywayChecksum('CREATE TABLE a (id  int);\n'), flywayChecksum(lf), 'any other change counts');
  });
});

describe('migrations/flyway: naming', () => {
  const dir = tempDirs();

  it("reads V and U file names, dotted versions and Flyway's version order", () => {
    assert.deepEqual(parseFileName('V1_1__add_users.sql'), { version: '1.1', title: 'add_users', part: 'up', flyway: true });
    assert.deepEqual(parseFileName('U2__drop.sql'), { version: '2', title: 'drop', part: 'down', flyway: true });
    assert.deepEqual(parseFileName('V3.0.1__x.sql'), { version: '3.0.1', title: 'x', part: 'up', flyway: true });
    assert.equal(parseFileName('R__views.sql'), undefined);
    assert.equal(parseFileName('V1_x.sql'), undefined, 'one underscore is not the separator');
    assert.ok(compareVersions('1.2', '1.10') < 0);
    assert.ok(compareVersions('2', '1.10') > 0);
    assert.equal(compareVersions('1.0', '1'), 0);
    assert.equal(versionKey('001.0'), '1');
  });

  it('detects Flyway from the names, or from flyway.conf / flyway.toml beside an empty folder', () => {
    const files = (...names: string[]) => names.map((file) => ({ file, text: '' }));
    assert.deepEqual(detectConvention(files('V1__a.sql', 'V1_1__b.sql', 'U1__a.sql')), {
      layout: 'flyway',
      versioning: 'sequential',
      width: 1,
    });
    assert.deepEqual(detectConvention(files('V20260101120000__a.sql')).versioning, 'timestamp');
    assert.equal(detectConvention([], true).layout, 'flyway');
    assert.equal(detectConvention([]).layout, 'numbered');
    assert.equal(detectConvention(files('001_a.sql'), true).layout, 'numbered', 'files that exist say how they are named');
    assert.equal(nextVersion(['1', '1.4'], detectConvention(files('V1__a.sql')), new Date()), '2');
    assert.deepEqual(migrationFileNames({ layout: 'flyway', versioning: 'sequential', width: 1 }, '3', 'add_x'), {
      up: 'V3__add_x.sql',
      down: 'U3__add_x.sql',
    });
  });

  it('finds flyway.conf / flyway.toml in the folder, its parent or grandparent, with Windows and POSIX paths', () => {
    const at =
      (...files: string[]) =>
      (file: string) =>
        files.includes(file);
    assert.ok(hasFlywayConfig('C:\\repo\\src\\db\\migration', path.win32, at('C:\\repo\\src\\flyway.toml')));
    assert.ok(hasFlywayConfig('C:\\repo\\sql', path.win32, at('C:\\repo\\flyway.conf')));
    assert.ok(!hasFlywayConfig('C:\\repo\\a\\b\\c', path.win32, at('C:\\repo\\flyway.conf')), 'three levels up is another project');
    assert.ok(hasFlywayConfig('/Users/jo/app/db/migration', path.posix, at('/Users/jo/app/db/flyway.conf')));
    assert.ok(!hasFlywayConfig('/Users/jo/app/db/migration', path.posix, at('/Users/jo/app/db/flyway.conf.bak')));
  });

  it('reads a Flyway folder: U is the way back, optional; repeatables, placeholders and clashing versions are problems', async () => {
    const root = dir('pgtuner-unit-flyway-');
    const sql = path.join(root, 'sql');
    fs.mkdirSync(sql);
    fs.writeFileSync(path.join(root, 'flyway.toml'), '[flyway]\nlocations = ["filesystem:sql"]\n');
    assert.equal((await readMigrationFolder(sql)).convention.layout, 'flyway', 'the config one level up');
    const write = (files: Record<string, string>) => Object.entries(files).forEach(([f, t]) => fs.writeFileSync(path.join(sql, f), t));
    write({ 'V1__a.sql': '\uFEFFCREATE TABLE a ();\r\n', 'U1__undo_a.sql': 'DROP TABLE a;\n', 'V1_10__c.sql': 'C', 'V1_2__b.sql': 'B' });
    const good = await readMigrationFolder(sql);
    assert.deepEqual(good.problems, []);
    assert.deepEqual(
      good.migrations.map((m) => [m.name, m.version, !!m.down]),
      [
        ['V1__a', '1', true],
        ['V1_2__b', '1.2', false],
        ['V1_10__c', '1.10', false],
      ],
    );
    assert.equal(good.migrations[0].up.sql, 'CREATE TABLE a ();\r\n', 'the byte order mark is not sent');
    assert.equal(good.migrations[0].checksum, String(flywayChecksum('CREATE TABLE a ();')));
    assert.equal(good.migrations[0].downChecksum, String(flywayChecksum('DROP TABLE a;')));

    write({ 'R__views.sql': '', 'V2__x.sql': '', 'V2.0__y.sql': '', 'V3__p.sql': 'CREATE TABLE ${table} ();', '004_numbered.sql': '' });
    const bad = (await readMigrationFolder(sql)).problems.sort();
    assert.deepEqual(bad, [
      "004_numbered.sql does not follow the folder's convention, Flyway (V1__name.sql + U1__name.sql to undo).",
      'R__views.sql is a Flyway repeatable migration: PG Tuner runs versioned migrations only; run it with Flyway.',
      'V3__p.sql uses Flyway placeholders (${…}), which Flyway fills in from its configuration and PG Tuner does not; run it with Flyway.',
      'Version 2.0 is used by more than one migration (V2.0__y.sql, V2__x.sql); give each its own number.',
    ]);
  });
});

describe('migrations/flyway: history', () => {
  const folder = {
    directory: '/m',
    convention: { layout: 'flyway' as const, versioning: 'sequential' as const, width: 1 },
    problems: [],
    migrations: ['1', '2', '3'].map((v) => ({
      version: v,
      name: `V${v}__m${v}`,
      upFile: `/m/V${v}__m${v}.sql`,
      up: { sql: '', firstLine: 1 },
      checksum: '0',
      downChecksum: 'none',
    })),
  };
  const at = new Date('2026-01-01T00:00:00Z');
  let rank = 0;
  const row = (type: string, version: string | null, script: string, success = true): HistoryRow => ({
    rank: ++rank,
    version,
    type,
    script,
    checksum: type === 'SQL' ? 42 : null,
    installedOn: at,
    executionMs: 5,
    success,
  });

  it('follows runs, undos, a baseline and a re-run in installed_rank order', () => {
    const history = [
      row('SCHEMA', null, '"public"'),
      row('BASELINE', '1', '<< Flyway Baseline >>'),
      row('SQL', '2', 'V2__m2.sql'),
      row('SQL', null, 'R__views.sql'),
      row('SQL', '3', 'V3__m3.sql'),
      row('UNDO_SQL', '3', 'U3__m3.sql'),
      row('UNDO_SQL', '2', 'U2__m2.sql'),
      row('SQL', '2', 'V2__m2.sql'),
      row('SQL', '9', 'V9__gone.sql'),
    ];
    const applied = appliedVersions(history, folder);
    assert.deepEqual(
      applied.map((a) => [a.name, a.checksum]),
      [
        ['V1__m1', null],
        ['V2__m2', '42'],
        ['V9__gone', '42'],
      ],
    );
    assert.equal(applied[1].id, 8, 'the re-run, not the first run');
  });

  it('a failed row is read as nothing applied by it (the tracking refuses to run, see the integration test)', () => {
    assert.deepEqual(appliedVersions([row('SQL', '1', 'V1__m1.sql', false)], folder), []);
  });
});
