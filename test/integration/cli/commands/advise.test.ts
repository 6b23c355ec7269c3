import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';
import { TICKETS_SQL } from './tickets';

describe('CLI: pgtuner advise', function () {
  this.timeout(120_000);
  let url: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase();
    await queryUrl(url, TICKETS_SQL);
  });

  it('advise --json prints the contract object and exits 0', () => {
    const r = runCli(['advise', '--sql', 'SELECT id, title FROM tickets WHERE queue = 7 ORDER BY opened_at DESC LIMIT 10', '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    assert.equal(out.statement, 'SELECT id, title FROM tickets WHERE queue = 7 ORDER BY opened_at DESC LIMIT 10');
    assert.ok(out.plan.totalCost > 0 && out.plan.executionMs > 0);
    assert.equal(out.suggestions.length, 1);
    const s = out.suggestions[0];
    assert.equal(s.table, 'public.tickets');
    assert.equal(s.method, 'btree');
    assert.ok(s.kinds.includes('composite'));
    assert.match(
      s.ddl,
      /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tickets_queue_opened_at_desc ON public\.tickets \(queue, opened_at DESC\)/,
    );
    assert.equal(s.down, 'DROP INDEX CONCURRENTLY IF EXISTS public.idx_tickets_queue_opened_at_desc;');
    assert.ok(s.reason.length > 10);
    for (const key of ['costBefore', 'costAfter', 'msBefore', 'msAfter', 'sizeBytes', 'verifiedBy']) assert.ok(key in s.evidence, key);
    assert.equal(s.evidence.verifiedBy, 'hypopg');
  });

  it('advise reads --file, binds --param and exits 0 with no suggestion on a cheap plan', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-')), 'q.sql');
    fs.writeFileSync(file, 'SELECT title FROM tickets WHERE id = $1;\n');
    const r = runCli(['advise', '--file', file, '--param', '42', '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json().suggestions, []);
  });

  it('takes any text as --sql or --file, also text that starts with a dash; --file - reads standard input', () => {
    const sql =
      '-- top tickets of a queue (annotated as ORMs do)\nSELECT id, title FROM tickets WHERE queue = 7 ORDER BY opened_at DESC LIMIT 10';
    const viaSql = runCli(['advise', '--sql', sql, '--json'], url);
    assert.equal(viaSql.code, 0, viaSql.stderr);
    assert.equal(viaSql.json().statement, sql.split('\n')[1]);
    assert.match(viaSql.json().suggestions[0].ddl, /\(queue, opened_at DESC\)/);
    const blockComment = runCli(['advise', '--sql', '/* report */ SELECT count(*) FROM tickets WHERE queue = -7', '--json'], url);
    assert.equal(blockComment.code, 0, blockComment.stderr);
    const viaStdin = runCli(['advise', '--file', '-', '--json'], url, { input: sql });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.equal(viaStdin.json().statement, sql.split('\n')[1]);
    const negative = runCli(['advise', '--sql', 'SELECT title FROM tickets WHERE id = $1', '--param', '-5', '--json'], url);
    assert.equal(negative.code, 0, negative.stderr);
  });

  it('exits 2 with the reason on stderr for bad input', () => {
    const parse = runCli(['advise', '--sql', 'SELECT id\nFROM tickets\nWHERE id = = 1'], url);
    assert.equal(parse.code, 2);
    assert.match(parse.stderr, /line 3, column \d+/);
    const none = runCli(['advise'], url);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--sql <text> or --file <path>/);
    const unknown = runCli(['advise', '--sql', 'SELECT 1', '--bogus'], url);
    assert.equal(unknown.code, 2);
  });

  it('advise --measure builds each HypoPG-verified suggestion in a rolled-back transaction and adds the measured times', async () => {
    const sql = 'SELECT id, title FROM tickets WHERE queue = 9 ORDER BY opened_at DESC LIMIT 10';
    const r = runCli(['advise', '--sql', sql, '--measure', '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const s = r.json().suggestions[0];
    // The contract's fields stay as they were; the measurement is added beside them.
    assert.equal(s.evidence.verifiedBy, 'hypopg');
    assert.equal(s.evidence.msAfter, null);
    const m = s.evidence.measured;
    assert.equal(m.name, s.name);
    assert.ok(m.msBefore > 0 && m.msAfter > 0 && m.buildMs > 0, JSON.stringify(m));
    // A sort of 200 rows picked from a scan of 100k against ten rows read from the index in order.
    assert.ok(m.msAfter < m.msBefore, JSON.stringify(m));
    assert.equal(m.runs, 2);
    assert.equal((await queryUrl(url, `SELECT to_regclass('public.${s.name}') AS r`))[0].r, null, 'nothing left behind');

    const text = runCli(['advise', '--sql', sql, '--measure'], url);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /measured: \d+\.\d\d ms → \d+\.\d\d ms \(faster of 2 runs each, built in \d+ ms and rolled back\)/);
  });

  it('advise --measure is refused on production before anything runs (exit 2, the reason on stderr)', () => {
    const r = runCli(['advise', '--sql', 'SELECT id FROM tickets WHERE queue = 3', '--measure', '--production', '--json'], url);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is a production connection: measuring builds the index for real/);
    assert.equal(r.stdout, '');
  });

  it('exits 1 when the database is down, without leaking the password', () => {
    const down = 'postgres://postgres:s3cret-pw@127.0.0.1:1/x?sslmode=disable';
    const r = runCli(['advise', '--sql', 'SELECT 1'], down);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /connection refused/);
    assert.ok(!r.stderr.includes('s3cret-pw'));
  });

  it('Ctrl-C cancels the statement on the server and exits 130', async () => {
    const r = await interruptCli(['advise', '--sql', 'SELECT pg_sleep(30)'], url, 'pg_sleep(30)');
    assert.equal(
      r.code,
      130,
      `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`,
    );
    assert.deepEqual(r.stillActive, [], 'the server still runs the statement');
    assert.match(r.stderr, /cancel/i);
  });
});
