import assert from 'node:assert/strict';
import * as fs from 'fs';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';
import { TICKETS_SQL } from './tickets';

describe('CLI: pgtuner explain', function () {
  this.timeout(120_000);
  let url: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase();
    await queryUrl(url, TICKETS_SQL);
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

  it('Ctrl-C cancels the statement on the server and exits 130', async () => {
    const r = await interruptCli(['explain', '--sql', 'SELECT pg_sleep(30)'], url, 'pg_sleep(30)');
    assert.equal(
      r.code,
      130,
      `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`,
    );
    assert.deepEqual(r.stillActive, [], 'the server still runs the statement');
    assert.match(r.stderr, /cancel/i);
  });
});
