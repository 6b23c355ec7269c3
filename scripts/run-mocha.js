// Runs one mocha tier over the compiled tests in out/test/<tier> and ends with a plain
// "N passed, N failed" line (then "N skipped" when tests skipped themselves: a failure in CI). Usage: node scripts/run-mocha.js unit|integration [grep]
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

const tier = process.argv[2];
const grep = process.argv[3];
const dir = path.join(__dirname, '..', 'out', 'test', tier);
if (!fs.existsSync(dir)) {
  console.error(`no compiled tests in ${dir}; run "npx tsc -p ." first`);
  process.exit(2);
}

const mocha = new Mocha({
  ui: 'bdd',
  color: false,
  reporter: 'spec',
  timeout: tier === 'integration' ? 120000 : 10000,
  grep,
});
if (tier === 'integration') mocha.rootHooks(require('../out/test/support/integrationHooks.js').mochaHooks);
for (const file of walk(dir)) if (file.endsWith('.test.js')) mocha.addFile(file);

const runner = mocha.run((failures) => {
  const passed = runner.stats ? runner.stats.passes : 0;
  const skipped = runner.stats ? runner.stats.pending : 0;
  console.log(`\n${tier}:`);
  console.log(`${passed} passed, ${failures} failed`);
  // A test that skips itself (a tool or extension missing) passes nothing; CI has everything installed.
  if (skipped) console.log(`${skipped} skipped${process.env.CI === 'true' ? ': not allowed in CI' : ''}`);
  process.exitCode = failures || (skipped && process.env.CI === 'true') ? 1 : 0;
});

function* walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
