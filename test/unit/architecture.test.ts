import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The shape of src/ (issue 12): no import circle anywhere, and the editor's features stay apart —
 * a module in src/vscode/<feature>/ imports shared files directly in src/vscode/ and core, never
 * another feature's folder. Type-only imports count: the circle issue 12 found went through one.
 */

const srcDir = path.join(__dirname, '..', '..', '..', 'src');

/** file → the src files it imports (relative imports only; packages are not our modules). */
type ImportGraph = Map<string, string[]>;

/** Every `from '…'`, `import '…'`, `import('…')` and `require('…')` whose specifier is relative. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*|\.{1,2})['"]/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The relative imports of a module's text (comments removed first, so a comment never adds an edge). */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((m) => m[1]);
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
}

function importGraph(dir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(dir)) {
    const targets = importSpecifiers(fs.readFileSync(file, 'utf8'))
      .map((s) => resolveImport(file, s))
      .filter((t): t is string => !!t);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * One circle per strongly connected component of the graph (Tarjan), as the path that closes it
 * ("a → b → c → a"); a module importing itself is a circle too.
 */
export function findCircles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) components.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => circleWithin(graph, new Set(component)));
}

/** A shortest path from the component's first module (by name) back to itself, inside the component. */
function circleWithin(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const circle = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) circle.splice(1, 0, at);
        return [...circle, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** Imports from src/vscode/<feature>/… into another feature's folder src/vscode/<other>/…. */
export function crossFeatureImports(graph: ImportGraph, vscodeDir: string): string[] {
  const featureOf = (file: string) => {
    const parts = path.relative(vscodeDir, file).split(path.sep);
    return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
  };
  return [...graph].flatMap(([file, targets]) => {
    const feature = featureOf(file);
    return feature === undefined
      ? []
      : targets
          .filter((target) => featureOf(target) !== undefined && featureOf(target) !== feature)
          .map((target) => `${rel(file)} → ${rel(target)}`);
  });
}

const rel = (file: string) => path.relative(srcDir, file).split(path.sep).join('/');

describe('Architecture: the import graph of src/', () => {
  const graph = importGraph(srcDir);

  it('reads every form of relative import, and nothing from comments or packages', () => {
    const text = [
      `import { a } from './a';`,
      `import type { B } from "../b";`,
      `export { c } from './c';`,
      `import './d';`,
      `const e = require('./e');`,
      `const f = await import('./f');`,
      `import {\n  g,\n} from './g';`,
      `export * from '.';`,
      `import * as vscode from 'vscode';`,
      `import pg from 'pg';`,
      `// import x from './comment'`,
      `/* import y from './block' */`,
    ].join('\n');
    assert.deepEqual(importSpecifiers(text), ['./a', '../b', './c', './d', './e', './f', './g', '.']);
    assert.ok(graph.size > 50, `expected the sources of ${srcDir}`);
  });

  it('finds a circle, a self-import and a cross-feature import when there is one (so the checks below can fail)', () => {
    const v = (f: string) => path.join(srcDir, 'vscode', f);
    const made: ImportGraph = new Map([
      [v('a/manager.ts'), [v('a/pick.ts'), v('runner.ts')]],
      [v('a/pick.ts'), [v('a/add.ts')]],
      [v('a/add.ts'), [v('a/manager.ts')]],
      [v('b/index.ts'), [v('b/index.ts'), v('a/manager.ts'), v('commands.ts')]],
      [v('runner.ts'), []],
      [v('commands.ts'), [v('a/manager.ts')]],
    ]);
    assert.deepEqual(
      findCircles(made).map((circle) => circle.map(rel).join(' → ')),
      ['vscode/a/add.ts → vscode/a/manager.ts → vscode/a/pick.ts → vscode/a/add.ts', 'vscode/b/index.ts → vscode/b/index.ts'],
    );
    assert.deepEqual(crossFeatureImports(made, v('')), ['vscode/b/index.ts → vscode/a/manager.ts']);
  });

  it('has no import circle', () => {
    const circles = findCircles(graph).map((circle) => circle.map(rel).join(' → '));
    assert.deepEqual(circles, [], `import circles in src/:\n${circles.join('\n')}`);
  });

  it("keeps each editor feature (src/vscode/<feature>/) out of the other features' folders", () => {
    const crossings = crossFeatureImports(graph, path.join(srcDir, 'vscode'));
    assert.deepEqual(crossings, [], `imports across features:\n${crossings.join('\n')}`);
  });
});
