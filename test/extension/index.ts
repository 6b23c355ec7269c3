/**
 * Entry point the extension host loads as extensionTestsPath (code-server or @vscode/test-electron):
 * runs every compiled test/extension/**\/*.test.js with mocha BDD inside the host, streams one
 * "[pgtuner-test]" line per test to the console (the launcher echoes them), and writes the
 * results to PGTUNER_TEST_RESULTS for the launcher's summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

interface TestResult {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'dot', timeout: 60_000, grep: process.env.PGTUNER_TEST_GREP });
  // The launcher opens multi-root windows for the multi-root suite alone; a single-folder window runs the rest.
  const multiRoot = await isMultiRootWindow();
  for (const file of testFiles(__dirname)) if ((path.basename(file) === 'multiRoot.test.js') === multiRoot) mocha.addFile(file);
  const tests: TestResult[] = [];
  const report = (line: string) => console.log(`[pgtuner-test] ${line}`);
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = tests.filter((t) => t.state === 'passed').length;
      const resultsFile = process.env.PGTUNER_TEST_RESULTS;
      if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify({ passed, failed: failures, tests }, null, 2));
      report(`${passed} passed, ${failures} failed`);
      if (failures) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      tests.push({ title: t.fullTitle(), state: 'passed' });
      report(`ok   ${t.fullTitle()}`);
    });
    runner.on('fail', (t, err: Error) => {
      tests.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) });
      report(`FAIL ${t.fullTitle()}: ${err?.message ?? err}`);
    });
  });
}

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return testFiles(p);
      return e.name.endsWith('.test.js') ? [p] : [];
    })
    .sort();
}

/**
 * A window opened on a .code-workspace file. On a loaded machine the host can start the tests
 * before the workspace's folders are all there (one run saw only the first folder and ran the
 * single-folder suite in it): wait for them rather than decide on a half-loaded workspace.
 */
async function isMultiRootWindow(): Promise<boolean> {
  const until = Date.now() + 30_000;
  const folders = () => vscode.workspace.workspaceFolders?.length ?? 0;
  const workspaceFile = () => vscode.workspace.workspaceFile?.path.endsWith('.code-workspace') ?? false;
  while (Date.now() < until && (folders() === 0 || (workspaceFile() && folders() < 2))) await new Promise((r) => setTimeout(r, 100));
  return workspaceFile() || folders() > 1;
}
