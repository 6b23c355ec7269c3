import assert from 'node:assert/strict';
import * as fs from 'fs';
import { CLI_PATH, interruptCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';

describe('CLI: pgtuner advise', function () {
  this.timeout(120_000);

  it('Ctrl-C cancels the statement on the server and exits 130', async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    const url = await freshDatabase([]);
    const r = await interruptCli(['advise', '--sql', 'SELECT pg_sleep(30)'], url, 'pg_sleep(30)');
    assert.equal(r.code, 130, `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`);
    assert.deepEqual(r.stillActive, [], 'the server still runs the statement');
    assert.match(r.stderr, /cancel/i);
  });
});
