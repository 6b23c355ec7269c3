import assert from 'node:assert/strict';
import { isPlannableStatement } from '../../../../src/core/sql/explainable';

describe('sql/explainable: which statements get a plan', () => {
  it('queries and DML do, whatever their case and leading parentheses or comments', () => {
    for (const sql of [
      'SELECT 1',
      'select * from t',
      '(SELECT 1) UNION (SELECT 2)',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'INSERT INTO t VALUES (1)',
      'UPDATE t SET a = 1',
      'DELETE FROM t',
      'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
      '/* note */ SELECT 1',
    ]) {
      assert.ok(isPlannableStatement(sql), sql);
    }
  });

  it('DDL, session and transaction commands do not', () => {
    for (const sql of [
      'CREATE INDEX i ON t (a)',
      'ALTER TABLE t ADD b int',
      'DROP TABLE t',
      'SET search_path = x',
      'BEGIN',
      'VACUUM t',
      'COPY t FROM STDIN',
      '',
    ]) {
      assert.ok(!isPlannableStatement(sql), sql);
    }
  });
});
