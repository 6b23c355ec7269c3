import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl, whileHolding } from '../../../support/sql';
import { CUSTOMER_DAYS, CUSTOMER_TOTALS, vacuumUntilAllVisible, WORKLOAD_SQL } from '../../core/workload/adviseWorkload.test';

describe('CLI: pgtuner workload', function () {
  this.timeout(300_000);
  let url: string;
  let dir: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase();
    await queryUrl(url, WORKLOAD_SQL);
    await vacuumUntilAllVisible(url, ['orders', 'events']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-workload-cli-'));
  });

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  it('--workload <file.json> --json prints the contract object and exits 0', () => {
    const file = write(
      'workload.json',
      JSON.stringify({
        statements: [
          { id: 'totals', sql: CUSTOMER_TOTALS, calls: 100 },
          { id: 'days', sql: 'SELECT placed_on FROM orders WHERE customer_id = $1', calls: 100, params: [[9], [10]] },
        ],
      }),
    );
    const r = runCli(['workload', '--workload', file, '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    for (const key of ['budgetBytes', 'totalBytes', 'indexes', 'drops', 'statements', 'curve']) assert.ok(key in out, key);
    assert.equal(out.budgetBytes, null);
    assert.equal(out.indexes.length, 1, JSON.stringify(out.indexes));
    const [ix] = out.indexes;
    assert.equal(ix.table, 'public.orders');
    assert.match(ix.ddl, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS \S+ ON public\.orders \(customer_id\) INCLUDE \(placed_on, total\);$/);
    assert.match(ix.down, /^DROP INDEX CONCURRENTLY IF EXISTS public\.\S+;$/);
    assert.deepEqual([...ix.serves].sort(), ['days', 'totals']);
    assert.ok(ix.bytes > 0 && out.totalBytes === ix.bytes && typeof ix.writeCost === 'number');
    assert.deepEqual(
      out.statements.map((s: { id: string; calls: number }) => [s.id, s.calls]),
      [
        ['totals', 100],
        ['days', 100],
      ],
    );
    for (const s of out.statements) assert.ok(s.costAfter < s.costBefore && s.servedBy.length === 1, JSON.stringify(s));
    assert.deepEqual(out.curve[0], {
      budgetBytes: 0,
      cost: out.statements.reduce((n: number, s: { calls: number; costBefore: number }) => n + s.calls * s.costBefore, 0),
    });
    assert.ok(out.search.whatIfPlans > 0 && out.search.cacheHitRate >= 0 && out.search.cacheHitRate <= 1);
  });

  it('--file reads folders and files with their calls weights; --budget limits the set', () => {
    write(
      'sql/orders.sql',
      `-- pgtuner: calls=1000\n${CUSTOMER_TOTALS};\n\n-- pgtuner: calls=50\nSELECT note FROM orders WHERE region = 42;\n`,
    );
    write('more.sql', `${CUSTOMER_DAYS};\nCREATE TABLE not_planned (a int);\n`);
    const all = runCli(['workload', '--file', path.join(dir, 'sql'), path.join(dir, 'more.sql'), '--json'], url);
    assert.equal(all.code, 0, all.stderr);
    const out = all.json();
    assert.deepEqual(
      out.statements.map((s: { calls: number }) => s.calls),
      [1000, 50, 1],
    );
    assert.ok(
      out.notes.some((n: string) => /Skipped .*more\.sql:2: CREATE cannot be explained/.test(n)),
      JSON.stringify(out.notes),
    );
    assert.equal(out.indexes.length, 2, JSON.stringify(out.indexes));
    const biggest = Math.max(...out.indexes.map((i: { bytes: number }) => i.bytes));
    const tight = runCli(['workload', '--file', path.join(dir, 'sql'), '--budget', String(biggest), '--json'], url);
    assert.equal(tight.code, 0, tight.stderr);
    const limited = tight.json();
    assert.equal(limited.budgetBytes, biggest);
    assert.equal(limited.indexes.length, 1);
    assert.ok(limited.indexes[0].serves.includes(out.statements[0].id), JSON.stringify(limited.indexes));
    const text = runCli(['workload', '--file', path.join(dir, 'sql'), '--budget', '10%'], url);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /budget curve/);
    assert.match(text.stdout, /what-if plans, cache hit rate \d+%/);
  });

  it('--code reads SQL in the string and template literals of JS/TS files, skipping node_modules and oversized files', () => {
    write(
      'code/src/orders.ts',
      [
        "const label = 'Select an order';",
        '// pgtuner: calls=500',
        'export const totals = (id: number) => db.query(sql`SELECT total FROM orders WHERE customer_id = ${id}`);',
        '',
      ].join('\n'),
    );
    write('code/src/notes.js', "module.exports = () => db.query('SELECT note FROM orders WHERE region = 42');\n");
    write('code/node_modules/orm/index.js', "db.query('SELECT id FROM events WHERE kind = 3');\n");
    write('code/src/bundle.js', `db.query('SELECT payload FROM events WHERE at = 5');\n${'//'.padEnd(1024 * 1024, 'x')}\n`);
    const r = runCli(['workload', '--code', path.join(dir, 'code'), '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    const statements = out.statements.map((s: { id: string; sql: string; calls: number }) => [
      s.id.replace(/^.*code\//, ''),
      s.sql,
      s.calls,
    ]);
    assert.deepEqual(statements, [
      ['src/notes.js:1', 'SELECT note FROM orders WHERE region = 42', 1],
      ['src/orders.ts:3', 'SELECT total FROM orders WHERE customer_id = $1', 500],
    ]);
    assert.ok(
      out.notes.some((n: string) => /Left out 1 source file\(s\) over 1\.0 MB.*bundle\.js/.test(n)),
      JSON.stringify(out.notes),
    );
    assert.equal(out.indexes.length, 2, JSON.stringify(out.indexes));
    const days = write('code-days.sql', `${CUSTOMER_DAYS};\n`);
    const both = runCli(['workload', '--code', path.join(dir, 'code', 'src'), '--file', days, '--json'], url);
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.json().statements.length, 3, both.stdout);
  });

  it('--migration writes the set as a migration and its .down in the folder; --migration-per-index one per index', () => {
    write(
      'mig/orders.sql',
      `-- pgtuner: calls=1000\n${CUSTOMER_TOTALS};\n-- pgtuner: calls=50\nSELECT note FROM orders WHERE region = 42;\n`,
    );
    const whole = path.join(dir, 'migrations-whole');
    const r = runCli(['workload', '--file', path.join(dir, 'mig'), '--migration', whole, '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    assert.equal(out.migrations.length, 1, JSON.stringify(out.migrations));
    const up = fs.readFileSync(out.migrations[0].upPath, 'utf8');
    for (const ix of out.indexes) assert.ok(up.includes(ix.ddl), `${ix.ddl} in ${up}`);
    const down = fs.readFileSync(out.migrations[0].downPath, 'utf8');
    for (const ix of out.indexes) assert.ok(down.includes(ix.down), `${ix.down} in ${down}`);
    const each = path.join(dir, 'migrations-each');
    const text = runCli(['workload', '--file', path.join(dir, 'mig'), '--migration', each, '--migration-per-index'], url);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(fs.readdirSync(each).filter((f) => !f.endsWith('.down.sql')).length, out.indexes.length);
    assert.match(text.stdout, /migration: .*migrations-each/);
  });

  it('--from-stats reads pg_stat_statements, and says how to enable it when it is missing', async () => {
    await queryUrl(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    // Loading orders wrote 200k rows: after a reset the statistics (statements and table writes) hold only the reads below.
    await queryUrl(url, 'SELECT pg_stat_statements_reset(), pg_stat_reset()');
    for (let i = 0; i < 10; i++) await queryUrl(url, 'SELECT placed_on FROM orders WHERE customer_id = $1', [i]);
    const r = runCli(['workload', '--from-stats', '20', '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    assert.ok(
      out.statements.some((s: { sql: string; calls: number }) => /customer_id = \$1/.test(s.sql) && s.calls === 10),
      JSON.stringify(out.statements),
    );
    assert.ok(out.indexes.length >= 1, r.stdout);
    // The workspace holds the statement with its constant: it is planned with it, not generically.
    // A boolean literal is recorded as $n too: the statement is still found.
    const flagged = 'SELECT id FROM events WHERE kind = 4 AND (at > 0) = true';
    await queryUrl(url, 'SELECT pg_stat_statements_reset()');
    for (let i = 0; i < 3; i++) await queryUrl(url, CUSTOMER_TOTALS);
    await queryUrl(url, flagged);
    const app = write('app/queries.sql', `${CUSTOMER_TOTALS.replace('SELECT', 'select')};\n${flagged};\n`);
    const withConstants = runCli(['workload', '--from-stats', '20', '--file', app, '--json'], url);
    assert.equal(withConstants.code, 0, withConstants.stderr);
    const planned = withConstants.json();
    assert.ok(
      planned.statements.some((s: { sql: string; calls: number }) => /customer_id = 7/.test(s.sql) && s.calls === 3),
      JSON.stringify(planned.statements),
    );
    assert.ok(
      planned.statements.some((s: { sql: string }) => s.sql === flagged),
      JSON.stringify(planned.statements),
    );
    assert.ok(
      planned.notes.some((n: string) => /^2 of the \d+ recorded statements were found in the workspace/.test(n)),
      JSON.stringify(planned.notes),
    );
    const bare = await freshDatabase();
    const missing = runCli(['workload', '--from-stats'], bare);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pg_stat_statements is not installed .*shared_preload_libraries.*CREATE EXTENSION pg_stat_statements/);
  });

  it('--from-stats on a database pg_stat_statements has recorded nothing of says so in a sentence, not a blank report', async () => {
    const quiet = await freshDatabase();
    await queryUrl(quiet, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const r = runCli(['workload', '--from-stats'], quiet);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /pg_stat_statements has recorded no statement of database \S+ yet: let the application run, or give the statements with --file or --workload/,
    );
  });

  it('--measure adds the times without and with the set built (rolled back); refused on production before the search', async () => {
    const file = write(
      'measure.json',
      JSON.stringify({
        statements: [
          { id: 'totals', sql: CUSTOMER_TOTALS, calls: 100 },
          { id: 'one', sql: 'SELECT 1', calls: 1 },
        ],
      }),
    );
    const indexes = async () => (await queryUrl(url, 'SELECT count(*)::int AS n FROM pg_index'))[0].n;
    const before = await indexes();
    const r = runCli(['workload', '--workload', file, '--measure', '--json'], url);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    const totals = out.statements.find((s: { id: string }) => s.id === 'totals');
    assert.ok(totals.msAfter < totals.msBefore, JSON.stringify(totals));
    assert.ok(out.measured.weightedMsAfter < out.measured.weightedMsBefore && out.measured.buildMs > 0, JSON.stringify(out.measured));
    assert.deepEqual(out.measured.slower, [], 'neither statement ran slower with the set');
    assert.equal(await indexes(), before);
    const text = runCli(['workload', '--workload', file, '--measure'], url);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /totals: 100 calls, cost [\d.]+ → [\d.]+, measured [\d.,]+ ms → [\d.,]+ ms by /);
    assert.match(text.stdout, /measured \(EXPLAIN ANALYZE, rolled back\): weighted time [\d.,]+ ms → [\d.,]+ ms; building the set took/);

    const refused = runCli(['workload', '--workload', file, '--measure', '--production'], url);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /production connection: measuring builds the index for real/);
    assert.equal(await indexes(), before);
  });

  it('exits 2 with the reason on stderr for bad input', () => {
    const none = runCli(['workload'], url);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exactly one of --from-stats \[N\].*, --file <path>… and\/or --code <folder>…, or --workload <file\.json>/);
    assert.equal(runCli(['workload', '--from-stats', '--workload', 'x.json'], url).code, 2);
    const budget = runCli(['workload', '--from-stats', '--budget', 'lots'], url);
    assert.equal(budget.code, 2);
    assert.match(budget.stderr, /--budget lots/);
    const bad = write('bad.json', '{"statements": [{"calls": 2}]}');
    const badFile = runCli(['workload', '--workload', bad], url);
    assert.equal(badFile.code, 2);
    assert.match(badFile.stderr, /statements\[0\] needs "sql"/);
    assert.equal(runCli(['workload', '--from-stats', 'many'], url).code, 2);
    const timeout = runCli(['workload', '--from-stats', '--statement-timeout', '0'], url);
    assert.equal(timeout.code, 2);
    assert.match(timeout.stderr, /--statement-timeout 0: give a whole number of at least 1/);
  });

  it('Ctrl-C cancels the statement on the server and exits 130', async () => {
    // Planning waits for the lock another session holds on orders: the CLI's EXPLAIN is running then.
    const file = write('wait.sql', `${CUSTOMER_TOTALS};\n`);
    const r = await whileHolding(url, 'BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', () =>
      interruptCli(['workload', '--file', file], url, 'customer_id = 7'),
    );
    assert.equal(
      r.code,
      130,
      `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`,
    );
    assert.deepEqual(r.stillActive, [], 'the server still runs the statement');
    assert.match(r.stderr, /cancel/i);
  });
});
