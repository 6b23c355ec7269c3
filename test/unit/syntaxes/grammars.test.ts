/**
 * Tokenizes sample lines with the extension's TextMate grammars (vscode-textmate + the Oniguruma
 * WASM build, as VS Code does) and checks the scopes of chosen tokens. The JS/TS injection is
 * tested on VS Code's own TypeScript and SQL grammars, taken from the offline VS Code host the
 * extension tier installs (scripts/setup-vscode-host.sh).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { IGrammar, INITIAL, Registry, StateStack, parseRawGrammar } from 'vscode-textmate';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const OWN_GRAMMARS: Record<string, string> = {
  'source.pgplan': path.join(ROOT, 'syntaxes', 'pgplan.tmLanguage.json'),
  'inline.pgtuner.sql-in-js': path.join(ROOT, 'syntaxes', 'sql-in-js.tmLanguage.json'),
};
const INJECTED_INTO = ['source.ts', 'source.js'];

/** VS Code's built-in extensions folder inside the installed code-server, if any. */
function builtinExtensionsDir(): string | undefined {
  const base = process.env.PGTUNER_VSCODE_HOST_DIR
    ? [process.env.PGTUNER_VSCODE_HOST_DIR]
    : (() => {
        const cache = path.join(os.homedir(), '.cache', 'pgtuner', 'vscode-host');
        return fs.existsSync(cache) ? fs.readdirSync(cache).map((v) => path.join(cache, v)) : [];
      })();
  return base
    .map((dir) => path.join(dir, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions'))
    .find((dir) => fs.existsSync(dir));
}

function builtinGrammars(): Record<string, string> {
  const dir = builtinExtensionsDir();
  if (!dir) return {};
  return {
    'source.sql': path.join(dir, 'sql', 'syntaxes', 'sql.tmLanguage.json'),
    'source.ts': path.join(dir, 'typescript-basics', 'syntaxes', 'TypeScript.tmLanguage.json'),
    'source.js': path.join(dir, 'javascript', 'syntaxes', 'JavaScript.tmLanguage.json'),
  };
}

let registry: Registry;

async function createRegistry(files: Record<string, string>): Promise<Registry> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  return new Registry({
    onigLib: Promise.resolve({ createOnigScanner: oniguruma.createOnigScanner, createOnigString: oniguruma.createOnigString }),
    loadGrammar: async (scope) => (files[scope] ? parseRawGrammar(fs.readFileSync(files[scope], 'utf8'), files[scope]) : null),
    getInjections: (scope) => (INJECTED_INTO.includes(scope) ? ['inline.pgtuner.sql-in-js'] : undefined),
  });
}

interface Token {
  text: string;
  scopes: string[];
}

function tokenize(grammar: IGrammar, text: string): Token[][] {
  let state: StateStack = INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** Scopes of the first token on `line` whose text is exactly `text` (trimmed). */
function scopesOf(lines: Token[][], line: number, text: string): string[] {
  const token = lines[line].find((t) => t.text.trim() === text);
  assert.ok(token, `no token "${text}" on line ${line}: ${JSON.stringify(lines[line].map((t) => t.text))}`);
  return token.scopes;
}

function assertScope(lines: Token[][], line: number, text: string, scope: string): void {
  const scopes = scopesOf(lines, line, text);
  assert.ok(scopes.includes(scope), `"${text}" on line ${line} has ${scopes.join(' ')}, expected ${scope}`);
}

const PLAN = [
  'Limit  (cost=0.42..12.80 rows=25 width=48) (actual time=0.031..0.190 rows=25 loops=1)',
  '  Buffers: shared hit=28 read=3',
  '  ->  Index Scan Backward using users_role_created_at_idx on users u  (cost=0.42..9402.21 rows=19000 width=48) (actual time=0.029..0.180 rows=25 loops=1)',
  "        Index Cond: (role = 'director'::text)",
  '        Filter: (is_active AND (last_login_at >= $1))',
  '        Rows Removed by Filter: 9975',
  '  ->  Seq Scan on alerts  (cost=0.00..12000.00 rows=1 width=8) (never executed)',
  '        Sort Method: quicksort  Memory: 25kB',
  'Planning Time: 0.215 ms',
  'Execution Time: 0.233 ms',
].join('\n');

describe('syntaxes: EXPLAIN text grammar (source.pgplan)', () => {
  let lines: Token[][];

  before(async () => {
    registry = await createRegistry({ ...OWN_GRAMMARS, ...builtinGrammars() });
    const grammar = await registry.loadGrammar('source.pgplan');
    assert.ok(grammar);
    lines = tokenize(grammar, PLAN);
  });

  it('marks node types, the arrow, the index and the relation with its alias', () => {
    assertScope(lines, 0, 'Limit', 'entity.name.type.node.pgplan');
    assertScope(lines, 2, '->', 'keyword.operator.arrow.pgplan');
    assertScope(lines, 2, 'Index Scan Backward', 'entity.name.type.node.pgplan');
    assertScope(lines, 2, 'using', 'keyword.other.using.pgplan');
    assertScope(lines, 2, 'users_role_created_at_idx', 'variable.other.index.pgplan');
    assertScope(lines, 2, 'users', 'variable.other.relation.pgplan');
    assertScope(lines, 2, 'u', 'variable.other.alias.pgplan');
    assertScope(lines, 6, 'Seq Scan', 'entity.name.type.node.pgplan');
    assertScope(lines, 6, 'alerts', 'variable.other.relation.pgplan');
  });

  it('marks estimated costs and actual times with their numbers', () => {
    assertScope(lines, 0, 'cost', 'variable.parameter.pgplan');
    assertScope(lines, 0, 'cost', 'meta.cost.pgplan');
    assertScope(lines, 0, '12.80', 'constant.numeric.pgplan');
    assertScope(lines, 0, 'actual', 'keyword.other.actual.pgplan');
    assertScope(lines, 0, '0.190', 'meta.actual.pgplan');
    assertScope(lines, 0, '0.190', 'constant.numeric.pgplan');
    assertScope(lines, 0, 'loops', 'variable.parameter.pgplan');
    assertScope(lines, 6, '(never executed)', 'comment.other.never-executed.pgplan');
  });

  it('marks detail labels, conditions, strings, casts and parameters', () => {
    assertScope(lines, 1, 'Buffers', 'keyword.other.property.pgplan');
    assertScope(lines, 1, 'shared hit', 'variable.parameter.pgplan');
    assertScope(lines, 1, '28', 'constant.numeric.pgplan');
    assertScope(lines, 3, 'Index Cond', 'keyword.other.property.pgplan');
    assertScope(lines, 3, 'director', 'string.quoted.single.pgplan');
    assertScope(lines, 3, 'text', 'storage.type.pgplan');
    assertScope(lines, 4, 'Filter', 'keyword.other.property.pgplan');
    assertScope(lines, 4, 'AND', 'keyword.operator.logical.pgplan');
    assertScope(lines, 4, '$1', 'variable.parameter.placeholder.pgplan');
    assertScope(lines, 5, 'Rows Removed by Filter', 'keyword.other.property.pgplan');
    assertScope(lines, 5, '9975', 'constant.numeric.pgplan');
    assertScope(lines, 7, 'Sort Method', 'keyword.other.property.pgplan');
    assertScope(lines, 7, 'kB', 'keyword.other.unit.pgplan');
  });

  it('marks planning and execution time', () => {
    assertScope(lines, 8, 'Planning Time', 'keyword.other.timing.pgplan');
    assertScope(lines, 8, '0.215', 'constant.numeric.time.pgplan');
    assertScope(lines, 9, 'Execution Time', 'keyword.other.timing.pgplan');
    assertScope(lines, 9, 'ms', 'keyword.other.unit.pgplan');
  });
});

describe('syntaxes: SQL injected into JS/TS strings', function () {
  let ts: IGrammar;
  let js: IGrammar;

  before(async function () {
    const builtins = builtinGrammars();
    if (!Object.values(builtins).every((file) => fs.existsSync(file))) {
      // VS Code's TypeScript/SQL grammars come with the VS Code host; without it there is nothing to inject into.
      console.warn('    VS Code host not installed (npm run vscode-host:setup): skipping injection grammar tests');
      this.skip();
    }
    registry = await createRegistry({ ...OWN_GRAMMARS, ...builtins });
    const [t, j] = await Promise.all([registry.loadGrammar('source.ts'), registry.loadGrammar('source.js')]);
    assert.ok(t && j);
    ts = t;
    js = j;
  });

  it('highlights SQL in a sql`…` tagged template and keeps ${…} TypeScript', () => {
    const lines = tokenize(ts, "const rows = await sql`SELECT id FROM users WHERE id = ${userId} AND role = 'director'`;");
    assertScope(lines, 0, 'sql', 'entity.name.function.tagged-template.ts');
    assertScope(lines, 0, 'SELECT', 'keyword.other.DML.sql');
    assertScope(lines, 0, 'SELECT', 'meta.embedded.block.sql');
    assertScope(lines, 0, 'FROM', 'keyword.other.DML.sql');
    assertScope(lines, 0, '${', 'punctuation.definition.template-expression.begin.ts');
    assertScope(lines, 0, 'userId', 'variable.other.readwrite.ts');
    // The innermost embedded scope decides the language VS Code applies: TypeScript, not SQL.
    const inner = scopesOf(lines, 0, 'userId').filter((s) => s.startsWith('meta.embedded.'));
    assert.equal(inner[inner.length - 1], 'meta.embedded.line.ts');
    assertScope(lines, 0, "'", 'string.quoted.single.sql');
    assertScope(lines, 0, 'await', 'keyword.control.flow.ts');
  });

  it('highlights a multi-line tagged template and ends it at the closing backtick', () => {
    const lines = tokenize(ts, 'const q = sql`\n  SELECT *\n  FROM alerts\n`;\nconst n = 1;');
    assertScope(lines, 1, 'SELECT', 'keyword.other.DML.sql');
    assertScope(lines, 2, 'FROM', 'keyword.other.DML.sql');
    assertScope(lines, 4, 'const', 'storage.type.ts');
    assert.ok(!scopesOf(lines, 4, 'const').includes('meta.embedded.block.sql'), 'SQL ends at the backtick');
  });

  it('highlights template and quoted strings marked /* sql */, in JS too', () => {
    const template = tokenize(js, 'db.query(/* sql */ `UPDATE jobs SET status = $1`, [s]);');
    assertScope(template, 0, '/* sql */', 'comment.block.sql-marker.ts');
    assertScope(template, 0, 'UPDATE', 'keyword.other.DML.sql');
    const quoted = tokenize(ts, 'const q = /* sql */ "DELETE FROM audit_logs WHERE id = 5";');
    assertScope(quoted, 0, 'DELETE', 'keyword.other.DML.sql');
    assertScope(quoted, 0, '5', 'constant.numeric.sql');
  });

  it('leaves ordinary strings and templates alone', () => {
    const lines = tokenize(ts, 'const s = `SELECT ${x}`; const t = "FROM y";');
    assert.ok(!scopesOf(lines, 0, 'SELECT').includes('keyword.other.DML.sql'));
    assert.ok(scopesOf(lines, 0, 'SELECT').includes('string.template.ts'));
  });
});
