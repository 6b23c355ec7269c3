import assert from 'node:assert/strict';
import { ConnectionLostError, connectionLossIn, toPgTunerError } from '../../../../src/core/db/connectionErrors';
import { PgTunerError } from '../../../../src/core/errors';

describe('connection errors: a connection lost while in use', () => {
  const profile = { name: 'app', host: 'db.example', port: 5432, database: 'shop', user: 'app', environment: 'development' as const };

  it('pg_terminate_backend (57P01), a crash (57P02) and a dead socket become one ConnectionLostError naming the command', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    for (const raw of [
      terminated,
      { code: '57P02', message: 'terminating connection because of crash of another server process' },
      new Error('Connection terminated unexpectedly'),
    ]) {
      const err = toPgTunerError(raw, profile);
      assert.ok(err instanceof ConnectionLostError, String(raw));
      assert.equal(err.code, 'SERVER_DOWN');
      assert.match(err.during('"pgtuner advise"'), /^The server closed the connection during "pgtuner advise" \(.+\): .+ Run it again/);
    }
    assert.equal(toPgTunerError(terminated, profile).sqlState, '57P01');
  });

  it('is found inside a wrapping error, and not in other failures', () => {
    const raw = new Error('Client has encountered a connection error and is not queryable');
    assert.equal(connectionLossIn(new PgTunerError('QUERY_FAILED', 'EXPLAIN failed', { cause: raw })), raw);
    assert.equal(connectionLossIn(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })), undefined);
    assert.equal(connectionLossIn(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), undefined);
    assert.ok(!(toPgTunerError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, profile) instanceof ConnectionLostError));
  });

  it('keeps the password out of the reason', () => {
    const err = toPgTunerError(new Error('Connection terminated unexpectedly (s3cret)'), profile, ['s3cret']);
    assert.ok(!err.message.includes('s3cret'));
  });
});
