import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/** Matches `import … from 'vscode'`, `import 'vscode'`, `require('vscode')`, `import('vscode')`. */
const VSCODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]vscode['"]/;

const srcDir = path.join(__dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.[cm]?[jt]s$/.test(e.name) ? [p] : [];
  });
}

describe('src/core and src/cli stay free of the editor', () => {
  it('recognises every form of importing vscode (so the scan below can fail)', () => {
    for (const line of [
      `import * as vscode from 'vscode';`,
      `import { window } from "vscode";`,
      `import 'vscode';`,
      `const vscode = require('vscode');`,
      `const v = await import('vscode');`,
      `import type { Uri } from 'vscode';`,
    ]) {
      assert.match(line, VSCODE_IMPORT, line);
    }
    for (const line of [`import { x } from './vscode';`, `// talks to vscode users`, `import x from 'vscode-uri';`]) {
      assert.doesNotMatch(line, VSCODE_IMPORT, line);
    }
  });

  // The CLI runs in plain Node, where there is no 'vscode' module to load.
  for (const folder of ['core', 'cli']) {
    it(`no file under src/${folder} imports vscode`, () => {
      const dir = path.join(srcDir, folder);
      const files = sourceFiles(dir);
      assert.ok(files.length > 2, `expected sources in ${dir}`);
      const offenders = files.filter((f) => VSCODE_IMPORT.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(srcDir, f));
      assert.deepEqual(offenders, [], `src/${folder} must not import 'vscode': ${offenders.join(', ')}`);
    });
  }
});
