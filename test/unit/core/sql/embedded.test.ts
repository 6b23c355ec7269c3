import assert from 'node:assert/strict';
import { literalAt, sqlFromJsString } from '../../../../src/core/sql/embedded';

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
    assert.equal(sqlFromJsString("`SELECT \\`x\\` AS a, '\\\\' AS b`").sql, "SELECT `x` AS a, '\\' AS b");
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
    assert.deepEqual(sqlFromJsString('sql`SELECT * FROM jobs WHERE id = ${id}`'), {
      sql: 'SELECT * FROM jobs WHERE id = $1',
      params: ['id'],
    });
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
    assert.deepEqual(sqlFromJsString('`SELECT * FROM t WHERE a = $1 AND b = ${b}`'), {
      sql: 'SELECT * FROM t WHERE a = $1 AND b = $2',
      params: ['', 'b'],
    });
  });

  it('leaves plain SQL alone', () => {
    assert.deepEqual(sqlFromJsString('  SELECT 1  '), { sql: 'SELECT 1', params: [] });
  });
});

describe('literalAt (the JS/TS literal under the cursor)', () => {
  /** The literal found with the cursor at the first `|` of the source (the `|` removed). */
  const at = (marked: string) => {
    const offset = marked.indexOf('|');
    const source = marked.slice(0, offset) + marked.slice(offset + 1);
    const found = literalAt(source, offset);
    return found && source.slice(found.start, found.end);
  };

  it('finds a string or template literal around the cursor, quotes included', () => {
    assert.equal(at(`db.query('SELECT | 1', [])`), `'SELECT  1'`);
    assert.equal(at(`db.query("SELECT |1")`), `"SELECT 1"`);
    assert.equal(at('const q = sql`SELECT * FROM t WHERE |id = ${id}`;'), '`SELECT * FROM t WHERE id = ${id}`');
  });

  it('gives the whole template when the cursor is inside one of its ${…} expressions', () => {
    assert.equal(at("q(`SELECT ${fn('a}', |b)} FROM t`)"), "`SELECT ${fn('a}', b)} FROM t`");
  });

  it('finds nothing in code or comments, and is not fooled by quotes in comments or regexes', () => {
    assert.equal(at(`const |x = 'SELECT 1'`), undefined);
    assert.equal(at(`// it's a comment\nconst x = 'SELECT |1'`), `'SELECT 1'`);
    assert.equal(at(`/* don't */ f|('x')`), undefined, 'the cursor is before the literal');
    assert.equal(at(`const re = /'[^']*'/g;\nrun('SELECT |2')`), `'SELECT 2'`);
    assert.equal(at(`const half = total / 2; const s = 'SELECT |3'`), `'SELECT 3'`, 'a division is not a regex');
    assert.equal(at(`return /a"b/.test(x) ? 'SELECT |4' : ''`), `'SELECT 4'`);
  });

  it('handles escaped quotes and a cursor on the quote itself', () => {
    assert.equal(at(`q('it\\'s |here')`), `'it\\'s here'`);
    assert.equal(at(`q(|'SELECT 5')`), `'SELECT 5'`);
    assert.equal(at(`q('SELECT 5'|)`), undefined, 'just past the closing quote is outside');
  });
});
