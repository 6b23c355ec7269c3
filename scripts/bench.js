// `npm run bench`: compiles, then runs every benchmark in out/bench/*.bench.js in turn.
// Each writes its own JSON results into bench/. Extra arguments go to every benchmark
// (e.g. --db <url of an already loaded bench database>). BENCH=advisor, or `npm run bench -- advisor`, runs only that one.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(1);
const dir = path.join(root, 'out', 'bench');
// `npm run bench -- workload [args]`: a first argument that is not an option names the benchmark.
const named = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : undefined;
const only = named ?? process.env.BENCH;
const benchArgs = process.argv.slice(named ? 3 : 2);
let failed = 0;
for (const f of fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  if (only && !f.startsWith(only)) continue;
  console.log(`\n===== ${f} =====`);
  const r = spawnSync(process.execPath, [path.join(dir, f), ...benchArgs], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
