import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH, runCli } from '../../support/cli';
import { freshDatabase } from '../../support/integrationHooks';
import { version } from '../../../package.json';

describe('CLI: pgtuner itself', function () {
  this.timeout(60_000);
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

  it('connects with DATABASE_URL from ./.env when no flag or variable names a database', async () => {
    const url = await freshDatabase([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-dotenv-'));
    try {
      fs.writeFileSync(path.join(dir, '.env'), `DATABASE_URL=${url}\n`, { mode: 0o600 });
      const r = runCli(['check', '--json'], undefined, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json().database, new URL(url).pathname.slice(1));
      assert.match(r.stderr, /DATABASE_URL from .*\.env/);
      assert.ok(!r.stderr.includes(new URL(url).password), 'the password was printed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty result is a sentence, not a blank line', async () => {
    const url = await freshDatabase([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-empty-'));
    try {
      const runs: [string, string[]][] = [
        ['indexes', ['indexes']],
        ['indexes --flagged', ['indexes', '--flagged']],
        ['advise', ['advise', '--sql', 'SELECT 1']],
        ['migrate status', ['migrate', 'status', '--dir', dir]],
        ['migrate up', ['migrate', 'up', '--dir', dir]],
      ];
      for (const [what, args] of runs) {
        const r = runCli(args, url);
        assert.ok(r.code === 0 || r.code === 1, `${what}: exit ${r.code}: ${r.stderr}`);
        assert.match(r.stdout.trim(), /[a-z]{3,}/i, `${what} printed no sentence: ${JSON.stringify(r.stdout)}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
