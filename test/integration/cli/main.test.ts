import assert from 'node:assert/strict';
import * as fs from 'fs';
import { CLI_PATH, runCli } from '../../support/cli';
import { version } from '../../../package.json';

describe('CLI: pgtuner itself', () => {
  before(() => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
  });

  it('--version prints the version of the package and exits 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = runCli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `pgtuner ${version}\n`);
    }
  });
});
