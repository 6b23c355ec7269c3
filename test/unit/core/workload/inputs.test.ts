import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PgTunerError } from '../../../../src/core/errors';
import { parseBudget } from '../../../../src/core/workload/budget';
import {
  parseWorkloadFile,
  statementsFromCode,
  statementsFromCodeText,
  statementsFromSql,
  statementsFromSqlPaths,
} from '../../../../src/core/workload/inputs';
import { tempDirs } from '../../../support/tempDirs';

const badInput = (pattern: RegExp) => (err: PgTunerError) => err.code === 'BAD_INPUT' && pattern.test(err.message);

describe('core/workload/inputs', () => {
  const tempDir = tempDirs();
  it('splits a script and weighs each statement by the calls comment before it', () => {
    const sql = "-- pgtuner: calls=500\nSELECT 1;\n\nSELECT ';' AS semi; -- pgtuner: calls=3\n/* x */ UPDATE t SET a = 1;\n";
    assert.deepEqual(statementsFromSql(sql, 'q.sql'), [
      { id: 'q.sql:2', sql: 'SELECT 1', calls: 500 },
      { id: 'q.sql:4', sql: "SELECT ';' AS semi", calls: 1 },
      { id: 'q.sql:5', sql: 'UPDATE t SET a = 1', calls: 3 },
    ]);
  });

  it('takes the SQL statements of JS/TS string and template literals, weighed by a calls comment', () => {
    const source = [
      "const title = 'Select a file';",
      "const hint = 'select the rows you want';",
      '/* pgtuner: calls=40 */',
      'await db.query(sql`SELECT id FROM users WHERE email = ${email} AND org = ${org}`);',
      "const re = /'(SELECT x FROM y)'/g;",
      'const q = "UPDATE users SET name = $1 WHERE id = $2";',
      "const partial = 'WHERE a = 1';",
    ].join('\n');
    assert.deepEqual(statementsFromCodeText(source, 'a.ts'), [
      { id: 'a.ts:4', sql: 'SELECT id FROM users WHERE email = $1 AND org = $2', calls: 40 },
      { id: 'a.ts:6', sql: 'UPDATE users SET name = $1 WHERE id = $2', calls: 1 },
    ]);
  });

  it('reads JS/TS sources of folders, skipping node_modules, declaration files and files over the size cap', () => {
    const dir = tempDir('pgtuner-workload-code-');
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'a.tsx'), "q('SELECT a FROM t');");
    fs.writeFileSync(path.join(dir, 'b.d.ts'), "q('SELECT b FROM t');");
    fs.writeFileSync(path.join(dir, 'c.py'), "q('SELECT c FROM t')");
    fs.writeFileSync(path.join(dir, 'node_modules', 'd.js'), "q('SELECT d FROM t');");
    fs.writeFileSync(path.join(dir, 'e.mjs'), `q('SELECT e FROM t');\n//${'x'.repeat(1024 * 1024)}`);
    const got = statementsFromCode([dir]);
    assert.deepEqual(
      got.statements.map((s) => s.sql),
      ['SELECT a FROM t'],
    );
    assert.deepEqual(
      got.skipped.map((f) => path.basename(f)),
      ['e.mjs'],
    );
  });

  it('reads .sql files of folders recursively, skipping node_modules', () => {
    const dir = tempDir('pgtuner-workload-');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, 'sub', 'b.sql'), '-- pgtuner: calls=7\nSELECT 2;');
    fs.writeFileSync(path.join(dir, 'node_modules', 'c.sql'), 'SELECT 3;');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'SELECT 4;');
    const got = statementsFromSqlPaths([dir]);
    assert.deepEqual(
      got.map((s) => [s.sql, s.calls]),
      [
        ['SELECT 1', 1],
        ['SELECT 2', 7],
      ],
    );
    assert.throws(() => statementsFromSqlPaths([path.join(dir, 'missing.sql')]), badInput(/Cannot read .*missing\.sql: ENOENT/));
  });

  it('reads the workload file of the CLI contract: ids, calls, one or several parameter sets', () => {
    const text = JSON.stringify({
      statements: [
        { id: 'inbox', sql: 'SELECT * FROM m WHERE r = $1', calls: 400, params: [[1], [2]] },
        { sql: 'SELECT * FROM m WHERE r = $1', params: [5] },
        { sql: 'SELECT 1' },
      ],
    });
    assert.deepEqual(parseWorkloadFile(text, 'w.json'), [
      { id: 'inbox', sql: 'SELECT * FROM m WHERE r = $1', calls: 400, params: [[1], [2]] },
      { id: '#2', sql: 'SELECT * FROM m WHERE r = $1', calls: 1, params: [[5]] },
      { id: '#3', sql: 'SELECT 1', calls: 1, params: undefined },
    ]);
  });

  it('names the statement and the field of a bad workload file', () => {
    assert.throws(() => parseWorkloadFile('{', 'w.json'), badInput(/w\.json is not valid JSON/));
    assert.throws(() => parseWorkloadFile('{"statements": []}', 'w.json'), badInput(/non-empty "statements" array/));
    assert.throws(() => parseWorkloadFile('{"statements": [{"calls": 3}]}', 'w.json'), badInput(/statements\[0\] needs "sql"/));
    assert.throws(
      () => parseWorkloadFile('{"statements": [{"sql": "SELECT 1", "calls": -1}]}', 'w.json'),
      badInput(/"calls" must be a positive number/),
    );
    assert.throws(() => parseWorkloadFile('{"statements": [{"sql": "SELECT 1", "params": 3}]}', 'w.json'), badInput(/"params" must be/));
    assert.throws(
      () => parseWorkloadFile('{"statements": [{"id": "x", "sql": "SELECT 1"}, {"id": "x", "sql": "SELECT 2"}]}', 'w.json'),
      badInput(/statements\[1\]: the id "x" is used twice/),
    );
  });

  it('reads a budget as a size or a share of the database', () => {
    assert.deepEqual(parseBudget('500MB'), { bytes: 500 * 1024 * 1024 });
    assert.deepEqual(parseBudget('1.5 GB'), { bytes: 1.5 * 1024 ** 3 });
    assert.deepEqual(parseBudget('4096'), { bytes: 4096 });
    assert.deepEqual(parseBudget('10%'), { shareOfDatabase: 0.1 });
    assert.throws(() => parseBudget('lots'), badInput(/--budget lots: give a size \(500MB/));
    assert.throws(() => parseBudget('0%'), badInput(/above 0%/));
  });
});
