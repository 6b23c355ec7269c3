import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { spawn } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { startLocalS3 } from '../../../support/s3';
import { queryUrl } from '../../../support/sql';

const pgtuner = (args: string[]) => runCli(args);

describe('pgtuner backup / restore-test (CLI)', function () {
  let url: string;
  let binDir: string;
  let password: string;
  let savedConfigHome: string | undefined;

  before(async function () {
    // The CLI's signing key lives in $XDG_CONFIG_HOME/pgtuner: a throwaway one here, never the user's.
    savedConfigHome = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-xdg-'));
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    password = cluster.password;
    url = await freshDatabase([]);
    await cluster.sql(
      new URL(url).pathname.slice(1),
      `CREATE TABLE items (id serial PRIMARY KEY, name text);
      INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 1234) g;`,
    );
  });

  after(() => {
    if (savedConfigHome === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedConfigHome;
  });

  it('--help explains the verb and runs nothing', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
    const help = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^pgtuner backup: .*\n\nEvery verb takes --db/s);
    assert.deepEqual(fs.readdirSync(out), [], 'no backup was taken');
  });

  it('backs up, restore-tests (exit 0), and reports a damaged dump with exit 1 and JSON', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
    const backup = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--keep', '3', '--json']);
    assert.equal(backup.code, 0, backup.stderr);
    const made = JSON.parse(backup.stdout);
    assert.ok(fs.existsSync(made.dumpPath));
    assert.deepEqual(made.manifest.tables, [{ schema: 'public', name: 'items', rows: 1234 }]);

    const test = pgtuner(['restore-test', made.dumpPath, '--db', url, '--tools', binDir, '--json']);
    assert.equal(test.code, 0, test.stderr + test.stdout);
    const result = JSON.parse(test.stdout);
    assert.equal(result.ok, true);
    assert.equal(result.tables[0].actual, 1234);

    const text = pgtuner(['restore-test', '--dir', out, '--db', url, '--tools', binDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^PASSED .*\.dump\n/);
    assert.match(text.stdout, /restore time \(RTO\) /);
    assert.match(text.stderr, /restoring 1\/1 /, 'progress on stderr');

    const bytes = fs.readFileSync(made.dumpPath);
    bytes[bytes.length - 10] ^= 1;
    fs.writeFileSync(made.dumpPath, bytes);
    const bad = pgtuner(['restore-test', made.dumpPath, '--db', url, '--tools', binDir, '--json']);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stdout).failedAt, 'checksum');
    for (const r of [backup, test, text, bad]) assert.ok(!(r.stdout + r.stderr).includes(password), 'no password in output');
  });

  it('exits 2 with the reason for bad input', () => {
    const r = pgtuner(['backup', '--db', url, '--format', 'tar']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be custom or directory/);
    const missing = pgtuner(['restore-test', '/nonexistent/x.dump', '--db', url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
  });

  it('restore-test --dir skips a planted future-dated or unsigned dump; naming one is refused without --trust-unsigned', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-planted-'));
    const backup = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--json']);
    assert.equal(backup.code, 0, backup.stderr);
    const made = JSON.parse(backup.stdout);

    // What an attacker with write access to the folder can do: copy a dump under a newer name.
    const database = made.manifest.database as string;
    const plant = (stamp: string, keepMac: boolean) => {
      const base = `${database}-${stamp}`;
      const dump = path.join(out, `${base}.dump`);
      fs.copyFileSync(made.dumpPath, dump);
      fs.writeFileSync(`${dump}.sha256`, fs.readFileSync(made.checksumPath, 'utf8').replace(path.basename(made.dumpPath), `${base}.dump`));
      const m = JSON.parse(fs.readFileSync(made.manifestPath, 'utf8'));
      m.file = `${base}.dump`;
      m.checksums = (m.checksums ?? []).map((c: { sha256: string }) => ({ ...c, file: `${base}.dump` }));
      m.startedAt = new Date().toISOString();
      if (!keepMac) delete m.mac;
      fs.writeFileSync(path.join(out, `${base}.manifest.json`), JSON.stringify(m));
      return dump;
    };
    const future = plant('20991231T235959Z', true);
    const stamp = new Date(Date.now() + 1000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const unsigned = plant(stamp, false);

    const newest = pgtuner(['restore-test', '--dir', out, '--db', url, '--tools', binDir]);
    assert.equal(newest.code, 0, newest.stderr + newest.stdout);
    assert.match(
      newest.stdout,
      new RegExp(`^PASSED ${made.dumpPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`),
      'the real backup, not a planted one',
    );
    assert.match(newest.stderr, /skipped .*future/is);

    for (const planted of [future, unsigned]) {
      const refused = pgtuner(['restore-test', planted, '--db', url, '--tools', binDir]);
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /not authenticated|future|unsigned/i);
    }
    const trusted = pgtuner(['restore-test', unsigned, '--db', url, '--tools', binDir, '--trust-unsigned', '--json']);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(JSON.parse(trusted.stdout).ok, true);
    const keyFile = path.join(process.env.XDG_CONFIG_HOME!, 'pgtuner', 'backup-hmac.key');
    assert.ok(fs.existsSync(keyFile), 'the CLI created its key outside the workspace');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  });

  describe('Ctrl-C', function () {
    /** pgtuner's statements still running on the server, in any database. */
    const activeStatements = async () =>
      (
        await queryUrl<{ query: string }>(
          url,
          `SELECT query FROM pg_stat_activity WHERE application_name = 'pgtuner' AND state = 'active' AND pid <> pg_backend_pid()`,
        )
      ).map((r) => r.query);
    /** Processes of this machine whose command line mentions `text` (pg_dump / pg_restore left running). */
    const processesMentioning = (text: string) =>
      fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
          } catch {
            return false; // gone meanwhile
          }
        });

    it('backup: pg_dump blocked behind a lock is stopped, the server runs nothing of it, no partial file is left (exit 130)', async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-sigint-'));
      // Another session holds the table: pg_dump's LOCK TABLE and the row count both wait for it.
      const holder = new Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
        const r = await interruptCli(['backup', '--out', out, '--tools', binDir], url, 'count(*)');
        assert.equal(r.code, 130, r.stderr);
        assert.match(r.stderr, /cancelled/);
        assert.deepEqual(r.stillActive, []);
        assert.deepEqual(await activeStatements(), [], 'neither the count nor pg_dump runs on the server');
        assert.deepEqual(processesMentioning(out), [], 'no pg_dump left running');
        assert.deepEqual(fs.readdirSync(out), [], 'no .dump, partial or lock file');
      } finally {
        await holder.end();
      }
    });

    it('restore-test: a verification query is cancelled, the scratch database dropped, nothing recorded (exit 130)', async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-sigint-rt-'));
      const backup = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--json']);
      assert.equal(backup.code, 0, backup.stderr);
      const { dumpPath } = JSON.parse(backup.stdout);
      const queries = path.join(out, 'slow.json');
      fs.writeFileSync(queries, JSON.stringify([{ sql: 'SELECT pg_sleep(30)', expected: '' }]));
      const r = await interruptCli(['restore-test', dumpPath, '--tools', binDir, '--queries', queries], url, 'pg_sleep', {
        anyDatabase: true,
      });
      assert.equal(r.code, 130, r.stderr);
      assert.deepEqual(r.stillActive, []);
      assert.deepEqual(await activeStatements(), []);
      assert.deepEqual(processesMentioning(dumpPath), [], 'no pg_restore left running');
      assert.deepEqual(
        await queryUrl(url, `SELECT datname FROM pg_database WHERE datname LIKE '%\\_restore\\_test\\_%'`),
        [],
        'scratch database dropped',
      );
      const manifest = JSON.parse(fs.readFileSync(dumpPath.replace(/\.dump$/, '.manifest.json'), 'utf8'));
      assert.equal(manifest.lastRestoreTest, undefined, 'a cancelled test is not recorded as a result');
    });
  });

  it('--encrypt passphrase --passphrase-env: the passphrase comes from the environment, restore-test decrypts, and no output shows it', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
    const secret = `pp-${process.pid}-not-in-any-output`;
    process.env.PGTUNER_TEST_BACKUP_PASSPHRASE = secret;
    try {
      const args = ['--db', url, '--tools', binDir, '--passphrase-env', 'PGTUNER_TEST_BACKUP_PASSPHRASE', '--json'];
      const backup = pgtuner(['backup', '--out', out, '--encrypt', 'passphrase', ...args]);
      assert.equal(backup.code, 0, backup.stderr);
      const made = JSON.parse(backup.stdout);
      assert.equal(made.manifest.encryption.method, 'passphrase');
      const test = pgtuner(['restore-test', made.dumpPath, ...args]);
      assert.equal(test.code, 0, test.stderr + test.stdout);
      assert.equal(JSON.parse(test.stdout).tables[0].actual, 1234);
      delete process.env.PGTUNER_TEST_BACKUP_PASSPHRASE;
      const missing = pgtuner(['restore-test', made.dumpPath, ...args]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /not set or is empty/);
      process.env.PGTUNER_TEST_BACKUP_PASSPHRASE = 'wrong';
      const wrong = pgtuner(['restore-test', made.dumpPath, ...args]);
      assert.equal(wrong.code, 2, wrong.stderr);
      assert.match(wrong.stderr, /wrong passphrase/);
      for (const run of [backup, test, missing, wrong]) assert.ok(!(run.stdout + run.stderr).includes(secret), 'passphrase in the output');
      assert.ok(!fs.readdirSync(out).some((f) => fs.readFileSync(path.join(out, f)).includes(secret)), 'passphrase in a file');
    } finally {
      delete process.env.PGTUNER_TEST_BACKUP_PASSPHRASE;
    }
  });

  it('health --backups <folder>: the backup-freshness check is critical before a restore-test passed, quiet after', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
    const backup = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--json']);
    assert.equal(backup.code, 0, backup.stderr);
    const health = () => pgtuner(['health', '--db', url, '--only', 'backup-freshness', '--backups', out, '--json']);
    const before = health();
    assert.equal(before.code, 1, before.stderr);
    assert.equal(JSON.parse(before.stdout).results[0].status, 'critical');
    const test = pgtuner(['restore-test', JSON.parse(backup.stdout).dumpPath, '--db', url, '--tools', binDir]);
    assert.equal(test.code, 0, test.stderr + test.stdout);
    const after = health();
    assert.equal(after.code, 0, after.stderr + after.stdout);
    assert.equal(JSON.parse(after.stdout).results[0].status, 'ok');
  });

  it('backup --upload, backups list/download/delete --remote, restore-test s3://…; the secret key is in no output', async () => {
    const s3 = await startLocalS3();
    try {
      const where = ['--s3-bucket', s3.bucket, '--s3-prefix', 'cli/', '--s3-endpoint', s3.endpoint, '--s3-path-style'];
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
      const backup = pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--upload', ...where, '--json']);
      assert.equal(backup.code, 0, backup.stderr + backup.stdout);
      const made = JSON.parse(backup.stdout);
      const remote = made.uploaded.url as string;
      assert.equal(remote, `s3://${s3.bucket}/cli/${path.basename(made.dumpPath)}`);
      const list = pgtuner(['backups', 'list', '--remote', ...where, '--json']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        JSON.parse(list.stdout).map((b: { url: string; encrypted: boolean }) => [b.url, b.encrypted]),
        [[remote, false]],
      );
      const test = pgtuner(['restore-test', remote, '--db', url, '--tools', binDir, ...where.slice(4), '--json']);
      assert.equal(test.code, 0, test.stderr + test.stdout);
      assert.equal(JSON.parse(test.stdout).tables[0].actual, 1234);
      const text = pgtuner(['backups', 'list', '--remote', ...where]);
      assert.match(text.stdout, /plain {2}restore-test passed/);
      const into = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
      const download = pgtuner(['backups', 'download', '--remote', remote, '--out', into, ...where.slice(4)]);
      assert.equal(download.code, 0, download.stderr);
      assert.equal(
        fs.readFileSync(path.join(into, path.basename(made.dumpPath))).toString('hex'),
        fs.readFileSync(made.dumpPath).toString('hex'),
      );
      // The only backup known to restore is not deleted by hand either…
      const refused = pgtuner(['backups', 'delete', '--remote', remote, ...where.slice(4)]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /newest backup of .* that passed a restore-test/);
      assert.equal((await s3.keys('cli/')).length, 3);
      // …until a newer one passed its restore-test.
      const newer = JSON.parse(pgtuner(['backup', '--db', url, '--out', out, '--tools', binDir, '--upload', ...where, '--json']).stdout);
      assert.equal(pgtuner(['restore-test', newer.uploaded.url, '--db', url, '--tools', binDir, ...where.slice(4)]).code, 0);
      const del = pgtuner(['backups', 'delete', '--remote', remote, ...where.slice(4)]);
      assert.equal(del.code, 0, del.stderr);
      assert.deepEqual(
        (await s3.keys('cli/')).filter((k) => remote.endsWith(k.replace(/\.(dump\.sha256|manifest\.json)$/, '.dump'))),
        [],
      );
      for (const r of [backup, list, test, text, download, refused, del])
        assert.ok(!(r.stdout + r.stderr).includes(s3.secret), 'secret key in the output');
      const usage = pgtuner(['backups', 'list', ...where]);
      assert.equal(usage.code, 2);
    } finally {
      await s3.stop();
    }
  });

  it('backups upload --remote: killed half-way (SIGKILL), the next run sends only the missing parts and nothing complete-looking was left', async () => {
    const s3 = await startLocalS3();
    try {
      const where = ['--s3-bucket', s3.bucket, '--s3-prefix', 'killed/', '--s3-endpoint', s3.endpoint, '--s3-path-style'];
      // An 80 MB "backup" (five 16 MB parts) with its .sha256 and manifest.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-'));
      const made = JSON.parse(pgtuner(['backup', '--db', url, '--out', dir, '--tools', binDir, '--json']).stdout);
      const bytes = randomBytes(80 * 1024 * 1024);
      fs.writeFileSync(made.dumpPath, bytes);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      fs.writeFileSync(made.checksumPath, `${sha256}  ${path.basename(made.dumpPath)}\n`);
      const manifest = JSON.parse(fs.readFileSync(made.manifestPath, 'utf8'));
      fs.writeFileSync(made.manifestPath, JSON.stringify({ ...manifest, checksums: [{ ...manifest.checksums[0], sha256 }] }));

      const record = `${made.dumpPath}.upload.json`;
      const partsRecorded = () => (fs.existsSync(record) ? JSON.parse(fs.readFileSync(record, 'utf8')).parts.length : 0);
      const child = spawn(process.execPath, [CLI_PATH, 'backups', 'upload', '--remote', made.dumpPath, ...where], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 60_000;
      while (partsRecorded() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGKILL');
      await exited;
      const sentBefore = partsRecorded();
      assert.ok(sentBefore >= 1 && sentBefore < 5, `parts sent before the kill: ${sentBefore}`);
      assert.deepEqual(await s3.keys('killed/'), [], 'no object, no manifest: nothing looks complete');

      const again = pgtuner(['backups', 'upload', '--remote', made.dumpPath, ...where, '--json']);
      assert.equal(again.code, 0, again.stderr);
      const result = again.json();
      assert.equal(result.parts, 5);
      assert.ok(result.resumedParts >= sentBefore, `resumed ${result.resumedParts}, recorded ${sentBefore}`);
      assert.equal(result.uploadedParts, 5 - result.resumedParts);
      assert.equal(result.sha256, sha256);
      assert.ok(!fs.existsSync(record));
      const listed = pgtuner(['backups', 'list', '--remote', ...where, '--json']).json();
      assert.deepEqual(
        listed.map((b: { url: string }) => b.url),
        [result.url],
      );
    } finally {
      await s3.stop();
    }
  });
});
