import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../support/cli';
import { freshDatabase, getCluster } from '../support/integrationHooks';

const pgtuner = (args: string[]) => runCli(args);

describe('pgtuner backup / restore-test (CLI)', function () {
  let url: string;
  let binDir: string;
  let password: string;

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    password = cluster.password;
    url = await freshDatabase([]);
    await cluster.sql(new URL(url).pathname.slice(1), `CREATE TABLE items (id serial PRIMARY KEY, name text);
      INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 1234) g;`);
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
});
