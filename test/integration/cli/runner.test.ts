import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, runCli, terminateDuringCli, TerminatedRun } from '../../support/cli';
import { freshDatabase } from '../../support/integrationHooks';
import { queryUrl, whileHolding } from '../../support/sql';
import { migrationsFolder, removeFolders, trackedNames } from '../core/migrations/support';

/** One clear line, exit 1, no stack trace and no "Unhandled 'error' event". */
function assertServerGone(r: TerminatedRun, during: RegExp): void {
  assert.equal(r.code, 1, `exit ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /the server closed the connection during/i);
  assert.match(r.stderr, during);
  assert.doesNotMatch(r.stderr, /Unhandled|\n\s+at /, r.stderr);
}

describe('CLI: the server closes the connection during a verb', function () {
  this.timeout(120_000);
  let url: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase();
    await queryUrl(
      url,
      'CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT md5(g::text) FROM generate_series(1, 1000) g',
    );
  });
  after(removeFolders);

  it('advise: one clear message, exit 1, and the next run works', async () => {
    assertServerGone(await terminateDuringCli(['advise', '--sql', 'SELECT pg_sleep(30)'], url, 'pg_sleep(30)'), /advise/);
    assert.equal(runCli(['advise', '--sql', 'SELECT 1'], url).code, 0);
  });

  it('health: one clear message, exit 1, and the next run works', async () => {
    // ALTER SEQUENCE holds a lock that the sequences check's pg_sequence_last_value waits for.
    const r = await whileHolding(url, 'BEGIN; ALTER SEQUENCE t_id_seq INCREMENT 1', () =>
      terminateDuringCli(['health'], url, 'pg_sequence_last_value'),
    );
    assertServerGone(r, /"pgtuner health"/);
    assert.notEqual(runCli(['health', '--json'], url).stdout, '');
  });

  it('backup: one clear message, exit 1, and no file left in the backup folder', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-lost-backup-'));
    try {
      // The row count in the dump's snapshot waits for this lock: that is when the backend goes.
      const r = await whileHolding(url, 'BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE', () =>
        terminateDuringCli(['backup', '--out', out], url, 'count(*)'),
      );
      assertServerGone(r, /"pgtuner backup"/);
      assert.deepEqual(fs.readdirSync(out), [], 'a half-written backup was left behind');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('migrate up: one clear message, exit 1; the interrupted migration is neither applied nor recorded', async () => {
    const dir = migrationsFolder({
      '001_first.sql': 'CREATE TABLE first_table (id int);\n',
      '001_first.down.sql': 'DROP TABLE first_table;\n',
      '002_slow.sql': 'CREATE TABLE slow_table (id int);\nSELECT pg_sleep(30.5);\n',
      '002_slow.down.sql': 'DROP TABLE slow_table;\n',
    });
    assertServerGone(await terminateDuringCli(['migrate', 'up', '--dir', dir], url, 'pg_sleep(30.5)'), /"pgtuner migrate"/);
    assert.deepEqual(await trackedNames(url), ['001_first']);
    assert.deepEqual(await queryUrl(url, "SELECT to_regclass('slow_table') AS t"), [{ t: null }]);
    const status = runCli(['migrate', 'status', '--dir', dir, '--json'], url);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      status.json().entries.map((e: { name: string; state: string }) => [e.name, e.state]),
      [
        ['001_first', 'applied'],
        ['002_slow', 'pending'],
      ],
    );
  });

  it('migrate up outside a transaction: the message says which statements stayed applied', async () => {
    const dir = migrationsFolder({
      '001_index.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v_idx ON t (v);\nSELECT pg_sleep(30.75);\n',
      '001_index.down.sql': 'DROP INDEX CONCURRENTLY IF EXISTS t_v_idx;\n',
    });
    const r = await terminateDuringCli(['migrate', 'up', '--dir', dir], url, 'pg_sleep(30.75)');
    assertServerGone(r, /The 1 statement\(s\) before it ran outside a transaction and stay applied/);
    assert.ok(!(await trackedNames(url)).includes('001_index'), 'the interrupted migration was recorded');
  });
});
