import assert from 'node:assert/strict';
import { constantFreeKey, plannableStatements, plannableText } from '../../../../src/core/workload/statStatements';
import { WorkloadStatement } from '../../../../src/core/workload/types';

describe('core/workload/statStatements: recorded statements made plannable', () => {
  it('turns the placeholders of typed literals into casts PostgreSQL can parse', () => {
    assert.equal(
      plannableText('SELECT a FROM t WHERE d >= DATE $2 AND d < date $3 AND at > TIMESTAMP WITH TIME ZONE $4 LIMIT $5'),
      'SELECT a FROM t WHERE d >= $2::date AND d < $3::date AND at > $4::timestamp with time zone LIMIT $5',
    );
    assert.equal(
      plannableText('SELECT 1 FROM t WHERE d <= $1 - INTERVAL $2 DAY AND j @> jsonb $3'),
      'SELECT 1 FROM t WHERE d <= $1 - $2::interval AND j @> $3::jsonb',
    );
    assert.equal(plannableText('SELECT date, $1 FROM t WHERE x BETWEEN $2 AND $3'), 'SELECT date, $1 FROM t WHERE x BETWEEN $2 AND $3');
  });

  it('gives a recorded statement and its workspace text one key, constants or not', () => {
    const recorded = 'SELECT id FROM t WHERE to_tsvector($1, title || $2 || body) @@ to_tsquery($3, $4) AND d >= DATE $5 LIMIT $6';
    const source =
      "select id\n  from t where to_tsvector('english', title || ' ' || body) @@ to_tsquery('english', 'a & b') and d >= date '2024-01-01' limit 20;";
    assert.equal(constantFreeKey(recorded), constantFreeKey(source));
    assert.equal(constantFreeKey('SELECT a FROM t WHERE b = -1.5e3'), constantFreeKey('SELECT a FROM t WHERE b = $1'));
    assert.notEqual(constantFreeKey('SELECT a FROM t WHERE b = $1'), constantFreeKey('SELECT a FROM t2 WHERE b = $1'));
    assert.notEqual(constantFreeKey('SELECT a FROM t1 WHERE b = 1'), constantFreeKey('SELECT a FROM t WHERE b = 1'));
    // pg_stat_statements records a boolean literal as a parameter too.
    assert.equal(
      constantFreeKey('SELECT id FROM users WHERE is_active = false ORDER BY last_login_at LIMIT 50'),
      constantFreeKey('SELECT id FROM users WHERE is_active = $1 ORDER BY last_login_at LIMIT $2'),
    );
    assert.notEqual(constantFreeKey('SELECT true_count FROM t'), constantFreeKey('SELECT ? FROM t'));
  });

  it('plans a recorded statement with the workspace text found for it, the others generically', () => {
    const recorded: WorkloadStatement[] = [
      { id: '1', sql: 'SELECT a FROM t WHERE s = $1 AND d >= DATE $2', calls: 9 },
      { id: '2', sql: 'SELECT b FROM u WHERE d >= DATE $1', calls: 4 },
    ];
    const workspace: WorkloadStatement[] = [
      { id: 'app.sql:1', sql: "SELECT a FROM t WHERE s = 'pending' AND d >= DATE '2024-01-01'", calls: 1 },
      { id: 'app.sql:2', sql: 'SELECT c FROM v', calls: 1 },
    ];
    assert.equal(plannableStatements(recorded, workspace), 1);
    assert.deepEqual(recorded, [
      { id: '1', sql: "SELECT a FROM t WHERE s = 'pending' AND d >= DATE '2024-01-01'", calls: 9 },
      { id: '2', sql: 'SELECT b FROM u WHERE d >= $1::date', calls: 4 },
    ]);
  });
});
