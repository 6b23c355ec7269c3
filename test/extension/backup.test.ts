import assert from 'node:assert/strict';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BackupResult } from '../../src/core/backup/backup';
import type { RestoreResult } from '../../src/core/backup/restore';
import type { RestoreTestResult } from '../../src/core/backup/restoreTest';
import type { HealthReport } from '../../src/core/health/types';
import type { ViewRow } from '../../src/vscode/backup/backupsView';
import { LocalS3, startLocalS3 } from '../support/s3';
import { adminSql, databaseOf, eventually, freshDatabaseUrl, queryRows, urlFor, useConnection } from './support';

const workspaceFolder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const run = <T>(id: string, arg?: object) => vscode.commands.executeCommand<T | undefined>(id, arg);

describe('Backups', function () {
  let url: string;
  let database: string;

  before(async () => {
    url = await freshDatabaseUrl([]);
    database = databaseOf(url);
    await adminSql(
      database,
      `
      CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL UNIQUE);
      CREATE TABLE entries (id bigserial PRIMARY KEY, account_id int REFERENCES accounts(id), amount numeric);
      INSERT INTO accounts (owner) SELECT 'owner ' || g FROM generate_series(1, 300) g;
      INSERT INTO entries (account_id, amount) SELECT 1 + g % 300, g FROM generate_series(1, 3000) g;`,
    );
    await useConnection(url);
  });

  it('backs up into the workspace folder, ignores it in git, and restore-tests the dump with exact counts', async () => {
    const result = await run<BackupResult>('pgtuner.backupDatabase');
    assert.ok(result, 'the command returned the backup');
    assert.equal(path.dirname(result.dumpPath), path.join(workspaceFolder(), 'backups'));
    assert.ok(fs.existsSync(result.dumpPath) && fs.existsSync(result.checksumPath) && fs.existsSync(result.manifestPath));
    assert.deepEqual(
      result.manifest.tables.map((t) => [t.name, t.rows]),
      [
        ['accounts', 300],
        ['entries', 3000],
      ],
    );
    assert.match(fs.readFileSync(path.join(workspaceFolder(), '.gitignore'), 'utf8'), /^\/backups\/$/m);

    const test = await run<RestoreTestResult>('pgtuner.testRestore', { dumpPath: result.dumpPath });
    assert.equal(test?.ok, true, test?.message);
    assert.deepEqual(
      test!.tables.map((t) => [t.name, t.actual]),
      [
        ['accounts', 300],
        ['entries', 3000],
      ],
    );
    assert.ok(test!.restoreMs! > 0);
    const manifest = JSON.parse(fs.readFileSync(result.manifestPath, 'utf8'));
    assert.equal(manifest.lastRestoreTest.ok, true, 'the result is recorded for the Backups view');
  });

  it('runs the user verification queries from the settings', async () => {
    const config = vscode.workspace.getConfiguration('pgtuner.backup');
    await config.update(
      'verificationQueries',
      [
        { sql: 'SELECT sum(amount) FROM entries', expected: 4501500 },
        { sql: 'SELECT count(*) FROM accounts', expected: 1 },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      const backup = await run<BackupResult>('pgtuner.backupDatabase');
      const test = await run<RestoreTestResult>('pgtuner.testRestore', { dumpPath: backup!.dumpPath });
      assert.equal(test?.ok, false);
      assert.deepEqual(
        test!.checks.filter((c) => c.name.startsWith('query')).map((c) => c.ok),
        [true, false],
      );
    } finally {
      await config.update('verificationQueries', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('restore-tests on the server of the connection pgtuner.backup.restoreTestConnection names', async () => {
    // A connection of its own user: the scratch database's owner shows which connection created it.
    const role = `lab_${database}`.slice(0, 60);
    await adminSql('postgres', `CREATE ROLE "${role}" LOGIN CREATEDB PASSWORD 'lab-secret'`);
    const labUrl = new URL(url);
    labUrl.username = role;
    labUrl.password = 'lab-secret';
    labUrl.pathname = '/postgres';
    await run('pgtuner.addConnection', { name: 'restore lab', url: labUrl.toString(), environment: 'staging' });
    // Adding makes it active: the database under test stays the active connection, as a user would have it.
    await run('pgtuner.selectConnection', { name: `${database} (development)` });
    const config = vscode.workspace.getConfiguration('pgtuner.backup');
    await config.update('restoreTestConnection', 'restore lab', vscode.ConfigurationTarget.Workspace);
    await config.update('keepScratchDatabase', true, vscode.ConfigurationTarget.Workspace);
    let scratch: string | undefined;
    try {
      const backup = await run<BackupResult>('pgtuner.backupDatabase');
      const test = await run<RestoreTestResult>('pgtuner.testRestore', { dumpPath: backup!.dumpPath });
      assert.equal(test?.ok, true, test?.message);
      scratch = test!.scratchDatabase;
      assert.deepEqual(await queryRows(url, `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${scratch}'`), [
        { owner: role },
      ]);

      await config.update('restoreTestConnection', 'no such lab', vscode.ConfigurationTarget.Workspace);
      assert.equal(await run('pgtuner.testRestore', { dumpPath: backup!.dumpPath }), undefined, 'an unknown connection name is refused');
    } finally {
      await config.update('restoreTestConnection', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('keepScratchDatabase', undefined, vscode.ConfigurationTarget.Workspace);
      if (scratch) await adminSql('postgres', `DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
      await run('pgtuner.removeConnection', { name: 'restore lab', confirmed: true });
      await adminSql('postgres', `DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('restores into another database and deletes a backup with its companions', async () => {
    const dir = path.join(workspaceFolder(), 'backups');
    const backup = await run<BackupResult>('pgtuner.backupDatabase', { directory: path.join(dir, 'restore-src') });
    const target = `${database}_restored`;
    const restored = await run<RestoreResult>('pgtuner.restoreDatabase', { dumpPath: backup!.dumpPath, targetDatabase: target });
    assert.equal(restored?.created, true);
    assert.deepEqual(await queryRows(urlFor(target), 'SELECT count(*)::int AS n, sum(amount)::text AS total FROM entries'), [
      { n: 3000, total: '4501500' },
    ]);
    await adminSql('postgres', `DROP DATABASE "${target}" WITH (FORCE)`);

    assert.equal(await run<boolean>('pgtuner.deleteBackup', { dumpPath: backup!.dumpPath, confirmed: true }), true);
    assert.deepEqual(fs.readdirSync(path.dirname(backup!.dumpPath)), []);
  });

  it('deleteBackup deletes nothing outside the backup folder, whatever path its argument names', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-outside-'));
    fs.mkdirSync(path.join(outside, 'data'));
    fs.writeFileSync(path.join(outside, 'data', 'precious.txt'), 'keep me');
    const lookalike = path.join(outside, `${database}-20260101T000000Z.dump`);
    fs.writeFileSync(lookalike, 'not a backup of yours');
    const viaDotDot = path.join(workspaceFolder(), 'backups', '..', '..', path.relative(path.dirname(workspaceFolder()), lookalike));
    for (const dumpPath of [outside, path.join(outside, 'data'), lookalike, viaDotDot]) {
      assert.equal(await run<boolean>('pgtuner.deleteBackup', { dumpPath, confirmed: true }), undefined, `refused: ${dumpPath}`);
    }
    assert.equal(fs.readFileSync(path.join(outside, 'data', 'precious.txt'), 'utf8'), 'keep me');
    assert.equal(fs.readFileSync(lookalike, 'utf8'), 'not a backup of yours');
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('cancels a running backup: pg_dump stops and no .dump is left', async function () {
    await adminSql(
      database,
      `CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || repeat(md5((g * 3)::text), 8) AS payload FROM generate_series(1, 400000) g`,
    );
    const dir = path.join(workspaceFolder(), 'backups', 'cancelled');
    try {
      const pending = run<BackupResult>('pgtuner.backupDatabase', { directory: dir });
      await eventually('pg_dump writing its partial file', () =>
        fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.partial')) ? true : undefined,
      );
      const cancelled = await run<number>('pgtuner.cancel');
      assert.equal(cancelled, 1, 'one running operation was cancelled');
      assert.equal(await pending, undefined, 'the command reports no backup');
      assert.deepEqual(fs.readdirSync(dir), [], 'neither a .dump nor a partial file remains');
    } finally {
      await adminSql(database, 'DROP TABLE bulk');
    }
  });

  describe('off-site copies (s3rver on 127.0.0.1)', function () {
    let s3: LocalS3;
    const config = () => vscode.workspace.getConfiguration('pgtuner.backup');
    const S3_SETTINGS = ['s3.bucket', 's3.prefix', 's3.endpoint', 's3.forcePathStyle', 's3.uploadAfterBackup'];
    const viewRows = async () => (await run<ViewRow[]>('pgtuner.test.backupsViewItems')) ?? [];
    const remoteRow = async (url: string) => (await viewRows()).find((r) => r.contextValue === 'pgtuner.remoteBackup' && r.url === url);

    before(async () => {
      s3 = await startLocalS3();
      const values: Record<string, unknown> = {
        's3.bucket': s3.bucket,
        's3.prefix': 'ext/',
        's3.endpoint': s3.endpoint,
        's3.forcePathStyle': true,
        's3.uploadAfterBackup': true,
      };
      for (const key of S3_SETTINGS) await config().update(key, values[key], vscode.ConfigurationTarget.Workspace);
    });

    after(async () => {
      for (const key of S3_SETTINGS) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
      await s3?.stop();
    });

    it('shows the bucket as a Remote group, restore-tests and downloads from it, and deletes only what retention would', async () => {
      const first = await run<BackupResult>('pgtuner.backupDatabase');
      const url = first?.uploaded?.url;
      assert.ok(url, `uploaded after the backup (${first?.uploadError})`);
      const rows = await viewRows();
      assert.ok(
        rows.some((r) => r.label === `Remote (s3://${s3.bucket}/ext/)`),
        rows.map((r) => r.label).join(', '),
      );
      assert.ok(rows.some((r) => r.label.startsWith('Local (')));
      assert.match((await remoteRow(url))?.description ?? '', /^.+ · .+ ago · not verified$/, 'size, age, plain, never tested');

      const test = await run<RestoreTestResult>('pgtuner.testRestore', { url });
      assert.equal(test?.ok, true, test?.message);
      assert.equal(test!.dumpPath, url);
      assert.match((await remoteRow(url))?.description ?? '', / · verified$/, 'the result is recorded beside the remote copy');

      // The backup-freshness check of Check Health counts the bucket: the proven backup is the remote copy.
      const health = await run<HealthReport>('pgtuner.checkHealth', { only: ['backup-freshness'], reveal: false });
      const freshness = health!.results[0];
      assert.equal(freshness.status, 'ok', freshness.figure);
      assert.ok(freshness.figure.includes(url), freshness.figure);

      // The local copy lost: Download brings it back, checked against its manifest.
      assert.equal(await run<boolean>('pgtuner.deleteBackup', { dumpPath: first!.dumpPath, confirmed: true }), true);
      const downloaded = await run<string>('pgtuner.downloadBackup', { url });
      assert.equal(downloaded, first!.dumpPath);
      assert.equal(createHash('sha256').update(fs.readFileSync(downloaded)).digest('hex'), first!.manifest.checksums![0].sha256);

      // The only backup known to restore is not deleted…
      assert.equal(await run<boolean>('pgtuner.deleteRemoteBackup', { url, confirmed: true }), undefined);
      assert.ok(await remoteRow(url), 'still in the bucket');
      // …until a newer one passed its restore-test.
      const second = await run<BackupResult>('pgtuner.backupDatabase');
      assert.equal((await run<RestoreTestResult>('pgtuner.testRestore', { url: second!.uploaded!.url }))?.ok, true);
      assert.equal(await run<boolean>('pgtuner.deleteRemoteBackup', { url, confirmed: true }), true);
      assert.equal(await remoteRow(url), undefined);
      assert.ok(await remoteRow(second!.uploaded!.url));
      const name = path.basename(first!.dumpPath, '.dump');
      assert.deepEqual(
        (await s3.keys('ext/')).filter((k) => k.includes(name)),
        [],
      );
    });
  });
});
