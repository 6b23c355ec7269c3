import assert from 'node:assert/strict';
import { highestParam, splitStatements, statementAt } from '../../../../src/core/sql/split';

const texts = (sql: string) => splitStatements(sql).map((s) => s.text);

describe('sql/split', () => {
  it('splits on semicolons and trims each statement', () => {
    assert.deepEqual(texts('SELECT 1;\n  SELECT 2 ;\nSELECT 3'), ['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('reports offsets into the original text', () => {
    const sql = '  SELECT 1;\n\nUPDATE t SET a = 1;';
    for (const s of splitStatements(sql)) assert.equal(sql.slice(s.start, s.end), s.text);
    assert.deepEqual(
      splitStatements(sql).map((s) => [s.start, s.end]),
      [
        [2, 10],
        [13, 31],
      ],
    );
  });

  it('drops empty statements and comment-only ones', () => {
    assert.deepEqual(texts(';;  ; SELECT 1;; -- done\n/* bye */'), ['SELECT 1']);
    assert.deepEqual(texts(''), []);
    assert.deepEqual(texts('   \n'), []);
  });

  it('starts a statement at its first token, after leading comments', () => {
    const sql = '-- newest users\n/* really */ SELECT 1';
    assert.deepEqual(texts(sql), ['SELECT 1']);
  });

  it('keeps comments inside a statement', () => {
    assert.deepEqual(texts('SELECT 1 -- one; two\n, 2; SELECT 3'), ['SELECT 1 -- one; two\n, 2', 'SELECT 3']);
  });

  it('does not split inside string literals, including doubled quotes', () => {
    assert.deepEqual(texts("SELECT 'a;b', 'it''s;'; SELECT 2"), ["SELECT 'a;b', 'it''s;'", 'SELECT 2']);
  });

  it('honours backslash escapes in E strings only', () => {
    assert.deepEqual(texts("SELECT E'a\\';b'; SELECT 2"), ["SELECT E'a\\';b'", 'SELECT 2']);
    assert.deepEqual(texts("SELECT 'a\\'; SELECT 2"), ["SELECT 'a\\'", 'SELECT 2']);
  });

  it('does not split inside quoted identifiers', () => {
    assert.deepEqual(texts('SELECT "a;""b" FROM t; SELECT 2'), ['SELECT "a;""b" FROM t', 'SELECT 2']);
  });

  it('does not split inside nested block comments', () => {
    assert.deepEqual(texts('SELECT 1 /* a /* b; */ c; */ + 1; SELECT 2'), ['SELECT 1 /* a /* b; */ c; */ + 1', 'SELECT 2']);
  });

  it('does not split inside dollar-quoted bodies, tagged or not', () => {
    const fn = 'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql';
    assert.deepEqual(texts(`${fn}; SELECT 2`), [fn, 'SELECT 2']);
    assert.deepEqual(texts('DO $$ BEGIN PERFORM 1; END $$; SELECT 2'), ['DO $$ BEGIN PERFORM 1; END $$', 'SELECT 2']);
    assert.deepEqual(texts('SELECT $a$ $b$; $a$; SELECT 2'), ['SELECT $a$ $b$; $a$', 'SELECT 2']);
  });

  it('treats $n as a parameter, not a dollar quote', () => {
    assert.deepEqual(texts('SELECT * FROM t WHERE a = $1; SELECT $2'), ['SELECT * FROM t WHERE a = $1', 'SELECT $2']);
  });

  it('runs an unterminated string to the end rather than splitting inside it', () => {
    assert.deepEqual(texts("SELECT 'abc; SELECT 2"), ["SELECT 'abc; SELECT 2"]);
  });

  describe("follows PostgreSQL's lexer where a mistake would hide a statement (issue 11)", () => {
    it('ends a -- comment at a carriage return, as the server does', () => {
      assert.deepEqual(texts('SELECT 1 --x\r; COMMIT; DELETE FROM t; SELECT 2'), ['SELECT 1', 'COMMIT', 'DELETE FROM t', 'SELECT 2']);
      assert.deepEqual(texts('SELECT 1 --x\r\n; SELECT 2'), ['SELECT 1', 'SELECT 2']);
    });

    it('reads backslash escapes in plain strings when standard_conforming_strings is off', () => {
      const sql = "SELECT 'x\\'; COMMIT; DELETE FROM t; SELECT 1'";
      assert.deepEqual(texts(sql), ["SELECT 'x\\'", 'COMMIT', 'DELETE FROM t', "SELECT 1'"]);
      assert.deepEqual(
        splitStatements(sql, { standardConformingStrings: false }).map((s) => s.text),
        [sql],
      );
    });

    it('reads an E string after an operator or a parenthesis, not only after a space', () => {
      assert.deepEqual(texts("SELECT (E'a\\';b'); SELECT 2"), ["SELECT (E'a\\';b')", 'SELECT 2']);
      assert.deepEqual(texts("SELECT 1=E'\\';'; SELECT 2"), ["SELECT 1=E'\\';'", 'SELECT 2']);
    });

    it('keeps a SQL-standard function body (BEGIN ATOMIC … END) in its CREATE statement', () => {
      const fn =
        'CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT 2; END';
      assert.deepEqual(texts(`${fn}; SELECT 3`), [fn, 'SELECT 3']);
      const proc = 'CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END';
      assert.deepEqual(texts(`${proc};\nBEGIN; END`), [proc, 'BEGIN', 'END']);
    });

    it('counts $n parameters outside strings, identifiers and comments of either line ending', () => {
      assert.equal(highestParam("SELECT $2 -- $9\r, '$7', \"$8\", $$ $6 $$, $tag$ $5 $tag$, E'\\' $4', $3"), 3);
    });
  });

  describe('statementAt', () => {
    const sql = 'SELECT 1;  \n\n-- second\nSELECT 2\n  FROM t;\n\n';
    const at = (offset: number) => statementAt(sql, offset)?.text;

    it('picks the statement containing the cursor', () => {
      assert.equal(at(sql.indexOf('1')), 'SELECT 1');
      assert.equal(at(sql.indexOf('FROM')), 'SELECT 2\n  FROM t');
      assert.equal(at(sql.indexOf('SELECT 2')), 'SELECT 2\n  FROM t');
    });

    it('picks the preceding statement right after its semicolon and in trailing whitespace on that line', () => {
      assert.equal(at(sql.indexOf(';') + 1), 'SELECT 1');
      assert.equal(at(sql.indexOf(';') + 3), 'SELECT 1');
      assert.equal(at(sql.length), 'SELECT 2\n  FROM t');
    });

    it('picks the next statement from a later line, e.g. its leading comment', () => {
      assert.equal(at(sql.indexOf('-- second') + 3), 'SELECT 2\n  FROM t');
    });

    it('picks the first statement before it and nothing in an empty text', () => {
      assert.equal(statementAt('\n\nSELECT 1; SELECT 2', 0)?.text, 'SELECT 1');
      assert.equal(statementAt('  -- nothing', 3), undefined);
    });
  });
});
