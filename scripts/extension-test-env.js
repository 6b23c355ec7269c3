// What both extension-test launchers (code-server here, @vscode/test-electron elsewhere) set up
// around a run: a throwaway PostgreSQL, a temp workspace folder, the environment the extension
// host gets, and the results file the in-host runner (out/test/extension/index.js) writes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const extensionTestsPath = path.join(root, 'out', 'test', 'extension', 'index');

async function prepareExtensionTestRun({ grep } = {}) {
  if (!fs.existsSync(extensionTestsPath + '.js')) throw new Error('no compiled extension tests; run "npx tsc -p ." first');
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) throw new Error('no extension bundle; run "node esbuild.js" first');
  const { startCluster } = require(path.join(root, 'out', 'test', 'support', 'cluster.js'));
  const cluster = await startCluster({ embedded: process.env.PGTUNER_TEST_EMBEDDED === '1' });
  // Not named pgtuner-*: clean-ups of leftover test folders must not hit a run in progress.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-ext-run-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const resultsFile = path.join(tmp, 'results.json');
  const hostEnv = {
    PGTUNER_TEST_PG_URL: cluster.url(),
    PGTUNER_TEST_RESULTS: resultsFile,
    ...(grep ? { PGTUNER_TEST_GREP: grep } : {}),
  };
  return {
    cluster,
    tmp,
    workspace,
    hostEnv,
    /** {passed, failed, tests:[{title, state, error?}]} as written by the in-host runner, or undefined if it never finished. */
    readResults() {
      try {
        return JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      } catch {
        return undefined;
      }
    },
    /** Stops the cluster and removes the run's folder; after a failed run its logs are copied to test-artifacts/ first. */
    async cleanup({ keepLogs = false } = {}) {
      await cluster.stop();
      if (keepLogs) {
        const logs = path.join(root, 'test-artifacts', 'extension-logs');
        fs.mkdirSync(logs, { recursive: true });
        for (const f of (fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).filter((n) => n.endsWith('.log')))
          fs.copyFileSync(path.join(tmp, f), path.join(logs, f));
        console.log(`logs of the failed run: ${logs}`);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Prints the failed host tests with their errors (passing ones were already streamed live). */
function printHostResults(results) {
  for (const t of results.tests.filter((x) => x.state !== 'passed')) {
    console.log(`  FAIL ${t.title}`);
    if (t.error) console.log(t.error.replace(/^/gm, '       '));
  }
}

module.exports = { prepareExtensionTestRun, printHostResults, extensionTestsPath, root };
