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
 * A window opened on a .code-workspace file. On a loaded machine the workbench has shown such a
 * window with only part of its folders (one run saw only the first and ran the single-folder suite
 * in it; another, after waiting, still lacked one): wait for them, and if they do not come, add the
 * missing ones the workspace file lists, so the multi-root suite runs on the workspace it expects.
 */
async function isMultiRootWindow(): Promise<boolean> {
  const names = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const file = vscode.workspace.workspaceFile;
  const wait = async (done: () => boolean, ms: number) => {
    for (const until = Date.now() + ms; !done() && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
  };
  await wait(() => names().length > 0, 15_000);
  if (!file?.path.endsWith('.code-workspace')) return names().length > 1;
  const listed: string[] = JSON.parse(fs.readFileSync(file.fsPath, 'utf8')).folders.map((f: { path: string }) =>
    path.resolve(path.dirname(file.fsPath), f.path),
  );
  const missing = () => listed.filter((p) => !names().includes(p));
  await wait(() => missing().length === 0, 15_000);
  if (missing().length) {
    console.log(`[pgtuner-test] the workbench shows ${JSON.stringify(names())} of ${JSON.stringify(listed)}: adding the missing folders`);
    vscode.workspace.updateWorkspaceFolders(names().length, 0, ...missing().map((p) => ({ uri: vscode.Uri.file(p) })));
    await wait(() => missing().length === 0, 15_000);
  }
  return true;
}
