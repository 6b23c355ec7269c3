import assert from 'node:assert/strict';
import { sqlFromJsString } from '../../../src/core/sql/embedded';

describe('sql/embedded', () => {
  it('strips single and double quotes', () => {
    assert.deepEqual(sqlFromJsString(`'SELECT 1'`), { sql: 'SELECT 1', params: [] });
    assert.deepEqual(sqlFromJsString(`"SELECT * FROM users"`), { sql: 'SELECT * FROM users', params: [] });
  });

  it('strips backticks and keeps template newlines', () => {
    assert.deepEqual(sqlFromJsString('`\n  SELECT id\n  FROM users\n`'), { sql: 'SELECT id\n  FROM users', params: [] });
  });

  it('unescapes \\n \\\' \\" \\` and \\\\', () => {
    assert.equal(sqlFromJsString(`'SELECT \\'a\\'\\nFROM t'`).sql, "SELECT 'a'\nFROM t");
    assert.equal(sqlFromJsString(`"SELECT \\"Col\\" FROM t"`).sql, 'SELECT "Col" FROM t');
    assert.equal(sqlFromJsString('`SELECT \\`x\\` AS a, \'\\\\\' AS b`').sql, "SELECT `x` AS a, '\\' AS b");
  });

  it('turns ${expr} into $n, in order, with the expression texts as params', () => {
    const got = sqlFromJsString('`SELECT * FROM users WHERE id = ${userId} AND role = ${ input.role }`');
    assert.deepEqual(got, { sql: 'SELECT * FROM users WHERE id = $1 AND role = $2', params: ['userId', 'input.role'] });
  });

  it('gives a repeated expression the same number', () => {
    const got = sqlFromJsString('`SELECT * FROM t WHERE a = ${x} OR b = ${y} OR c = ${x}`');
    assert.deepEqual(got, { sql: 'SELECT * FROM t WHERE a = $1 OR b = $2 OR c = $1', params: ['x', 'y'] });
  });

  it('handles braces, strings and nested templates inside ${…}', () => {
    const got = sqlFromJsString('`SELECT ${fn({ a: "}" }, `${k}`)} FROM t`');
    assert.deepEqual(got, { sql: 'SELECT $1 FROM t', params: ['fn({ a: "}" }, `${k}`)'] });
  });

  it('strips a tag such as sql`…` or Prisma.sql`…`', () => {
    assert.deepEqual(sqlFromJsString('sql`SELECT * FROM jobs WHERE id = ${id}`'), { sql: 'SELECT * FROM jobs WHERE id = $1', params: ['id'] });
    assert.deepEqual(sqlFromJsString('Prisma.sql`SELECT 1`'), { sql: 'SELECT 1', params: [] });
  });

  it('joins a concatenation of literals across lines', () => {
    const got = sqlFromJsString(`"SELECT id, title " +\n    "FROM jobs " + // the table\n    'WHERE is_active'`);
    assert.deepEqual(got, { sql: 'SELECT id, title FROM jobs WHERE is_active', params: [] });
  });

  it('makes a concatenated variable a parameter', () => {
    const got = sqlFromJsString(`"SELECT * FROM users WHERE id = " + user.id + " AND role = " + role`);
    assert.deepEqual(got, { sql: 'SELECT * FROM users WHERE id = $1 AND role = $2', params: ['user.id', 'role'] });
  });

  it('ignores a trailing semicolon or comma selected with the literal, and a /* sql */ marker', () => {
    assert.equal(sqlFromJsString('`SELECT 1`;').sql, 'SELECT 1');
    assert.equal(sqlFromJsString("'SELECT 2',").sql, 'SELECT 2');
    assert.equal(sqlFromJsString('/* sql */ `SELECT 3`').sql, 'SELECT 3');
  });

  it('reads a selection of only the inside of a template literal', () => {
    assert.deepEqual(sqlFromJsString('SELECT * FROM t WHERE id = ${id}\\n'), { sql: 'SELECT * FROM t WHERE id = $1', params: ['id'] });
  });

  it('numbers interpolations after $n placeholders the text already has', () => {
    assert.deepEqual(sqlFromJsString('`SELECT * FROM t WHERE a = $1 AND b = ${b}`'), { sql: 'SELECT * FROM t WHERE a = $1 AND b = $2', params: ['', 'b'] });
  });

  it('leaves plain SQL alone', () => {
    assert.deepEqual(sqlFromJsString('  SELECT 1  '), { sql: 'SELECT 1', params: [] });
  });
});
