// The one test command: builds, then runs the unit, integration and extension tiers in turn.
// Each tier ends with its own plain "N passed, N failed" line; the exit code is non-zero when
// any tier fails. Usage: node scripts/test.js [unit] [integration] [extension]
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const all = ['unit', 'integration', 'extension'];
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const t of tiers)
  if (!all.includes(t)) {
    console.error(`unknown tier "${t}" (use ${all.join(', ')})`);
    process.exit(2);
  }

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status === null ? 1 : r.status;
}

// Fresh machines: system packages first, then (for the extension tier) the offline VS Code host.
if (run('bash', ['scripts/setup-test-deps.sh']) !== 0) process.exit(1);
if (tiers.includes('extension') && run('bash', ['scripts/setup-vscode-host.sh']) !== 0) {
  console.error('could not install the VS Code test host');
  process.exit(1);
}

if (run(process.execPath, ['esbuild.js']) !== 0 || run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']) !== 0) {
  console.error('build failed');
  process.exit(1);
}

const results = [];
for (const tier of tiers) {
  console.log(`\n===== ${tier} tests =====`);
  const script = tier === 'extension' ? ['scripts/run-vscode-tests.js'] : ['scripts/run-mocha.js', tier];
  results.push([tier, run(process.execPath, script)]);
}
console.log('\n===== summary =====');
for (const [tier, code] of results) console.log(`${tier}: ${code === 0 ? 'ok' : 'FAILED'}`);
process.exit(results.some(([, code]) => code !== 0) ? 1 : 0);
