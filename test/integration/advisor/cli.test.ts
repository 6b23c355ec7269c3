import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, runCli } from '../../support/cli';
import { freshDatabase } from '../../support/integrationHooks';
import { queryUrl } from '../../support/sql';

describe('CLI: pgtuner advise and pgtuner explain', function () {
  this.timeout(120_000);
  let url: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase();
    await queryUrl(url, `CREATE TABLE tickets (id bigint PRIMARY KEY, queue int NOT NULL, opened_at timestamptz NOT NULL, title text NOT NULL);
      INSERT INTO tickets SELECT n, n % 500, timestamptz '2024-01-01' + n * interval '1 minute', 'ticket ' || n FROM generate_series(1, 100000) n;
      ANALYZE tickets;`);
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
    assert.match(s.ddl, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tickets_queue_opened_at_desc ON public\.tickets \(queue, opened_at DESC\)/);
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

  it('exits 1 when the database is down, without leaking the password', () => {
    const down = 'postgres://postgres:s3cret-pw@127.0.0.1:1/x?sslmode=disable';
    const r = runCli(['advise', '--sql', 'SELECT 1'], down);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /connection refused/);
    assert.ok(!r.stderr.includes('s3cret-pw'));
  });

  it('explain prints the plan as text with hotspots, or JSON', () => {
    const text = runCli(['explain', '--sql', 'SELECT count(*) FROM tickets WHERE title LIKE $1', '--param', '%99%'], url);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Seq Scan on tickets/);
    assert.match(text.stdout, /hotspot: Sequential scan on tickets/);
    assert.match(text.stdout, /Execution Time: [\d.]+ ms/);
    const json = runCli(['explain', '--sql', 'SELECT count(*) FROM tickets', '--json', '--no-analyze'], url);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.json().plan.executionMs, null);
    assert.ok(json.json().tree.nodeType);
  });
});
