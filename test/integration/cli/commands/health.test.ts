import assert from 'node:assert/strict';
import * as fs from 'fs';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl, whileHolding } from '../../../support/sql';

const pgtuner = (args: string[]) => runCli(args);

describe('CLI: pgtuner health', () => {
  let url: string;

  before(async function () {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase([]);
    await queryUrl(
      url,
      `
      CREATE TABLE t (id serial PRIMARY KEY, a int, b int, CONSTRAINT t_b_key UNIQUE (b));
      CREATE INDEX t_a ON t (a);
      CREATE INDEX t_a_copy ON t (a);`,
    );
  });

  it('health --json describes every check and exits 0 without critical findings', () => {
    const r = pgtuner(['health', '--db', url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.results.length > 15);
    assert.equal(report.counts.critical, 0);
    assert.equal(report.results.find((x: { id: string }) => x.id === 'unused-duplicate-indexes').status, 'warning');
    assert.ok(!r.stdout.includes(new URL(url).password), 'no password in the output');
  });

  it('health exits 1 on a critical finding and its JSON still describes it', async () => {
    await queryUrl(url, `SELECT setval('t_id_seq', 2100000000)`);
    const r = pgtuner(['health', '--db', url, '--json', '--only', 'sequences,connections']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.results.map((x: { id: string; status: string }) => [x.id, x.status]),
      [
        ['connections', 'ok'],
        ['sequences', 'critical'],
      ],
    );
    const text = pgtuner(['health', '--db', url, '--only', 'sequences']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /CRITICAL \(1\)\n {2}Sequences near their maximum: highest: public\.t_id_seq at 97\.79%/);
    assert.match(text.stdout, /what to do: Widen the column to bigint/);
  });

  it('health --fail-on warning exits 1 on warnings; thresholds come from --threshold', () => {
    assert.equal(pgtuner(['health', '--db', url, '--only', 'unused-duplicate-indexes']).code, 0);
    assert.equal(pgtuner(['health', '--db', url, '--only', 'unused-duplicate-indexes', '--fail-on', 'warning']).code, 1);
    assert.equal(pgtuner(['health', '--db', url, '--only', 'sequences', '--threshold', 'sequenceCriticalPercent=99']).code, 0);
  });

  it('health rejects bad input with exit 2 and a reason', () => {
    const unknown = pgtuner(['health', '--db', url, '--threshold', 'nope=1']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown threshold "nope"/);
    assert.equal(pgtuner(['health', '--db', url, '--threshold', 'x']).code, 2);
    assert.match(pgtuner(['health', '--db', url, '--only', 'bogus']).stderr, /Unknown health check bogus/);
  });

  it('Ctrl-C cancels the running check on the server and exits 130', async () => {
    // ALTER SEQUENCE holds a lock that pg_sequence_last_value (the sequences check) waits for.
    const r = await whileHolding(url, 'BEGIN; ALTER SEQUENCE t_id_seq INCREMENT BY 1', () =>
      interruptCli(['health', '--only', 'sequences'], url, 'pg_sequence_last_value'),
    );
    assert.equal(
      r.code,
      130,
      `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`,
    );
    assert.deepEqual(r.stillActive, [], 'the server still runs the check');
    assert.match(r.stderr, /cancel/i);
  });
});
