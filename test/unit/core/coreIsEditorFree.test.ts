import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/** Matches `import … from 'vscode'`, `import 'vscode'`, `require('vscode')`, `import('vscode')`. */
const VSCODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]vscode['"]/;

const coreDir = path.join(__dirname, '..', '..', '..', '..', 'src', 'core');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.[cm]?[jt]s$/.test(e.name) ? [p] : [];
  });
}

describe('src/core stays free of the editor', () => {
  it('recognises every form of importing vscode (so the scan below can fail)', () => {
    for (const line of [`import * as vscode from 'vscode';`, `import { window } from "vscode";`, `import 'vscode';`,
      `const vscode = require('vscode');`, `const v = await import('vscode');`, `import type { Uri } from 'vscode';`]) {
      assert.match(line, VSCODE_IMPORT, line);
    }
    for (const line of [`import { x } from './vscode';`, `// talks to vscode users`, `import x from 'vscode-uri';`]) {
      assert.doesNotMatch(line, VSCODE_IMPORT, line);
    }
  });

  it('no file under src/core imports vscode', () => {
    const files = sourceFiles(coreDir);
    assert.ok(files.length > 5, `expected the engine sources in ${coreDir}`);
    const offenders = files.filter((f) => VSCODE_IMPORT.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(coreDir, f));
    assert.deepEqual(offenders, [], `src/core must not import 'vscode': ${offenders.join(', ')}`);
  });
});
