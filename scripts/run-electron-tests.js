// `npm run test:electron`: the same extension tests (out/test/extension) in a desktop VS Code that
// @vscode/test-electron downloads from Microsoft. That needs internet access, so it cannot run on
// the offline build machines (they use scripts/run-vscode-tests.js with code-server instead).
// UI checks (out/test/ui) are code-server only: they drive the web workbench through Chromium.
'use strict';
const { runTests } = require('@vscode/test-electron');
const { prepareExtensionTestRun, printHostResults, extensionTestsPath, root } = require('./extension-test-env');

async function main() {
  const run = await prepareExtensionTestRun({ grep: process.argv[2] });
  let failed = 1;
  let passed = 0;
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath,
      launchArgs: [run.workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
      extensionTestsEnv: run.hostEnv,
    }).catch((err) => console.error(`VS Code test run: ${(err && err.message) || err}`)); // failing tests also reject; the results file says which
    const results = run.readResults();
    if (results) {
      printHostResults(results);
      ({ passed, failed } = results);
    }
  } finally {
    await run.cleanup({ keepLogs: failed > 0 });
  }
  console.log('\nextension (electron):');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
