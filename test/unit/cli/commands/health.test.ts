import assert from 'node:assert/strict';
import { healthVerb } from '../../../../src/cli/commands/health';
import { PgTunerError } from '../../../../src/core/errors';
import { resolveHealthOptions } from '../../../../src/core/health/options';

/** Port 9 on localhost: nothing listens there, so a verb that gets as far as connecting fails differently. */
const NO_SERVER = 'postgres://nobody@127.0.0.1:9/none?connect_timeout=1';

describe('CLI: pgtuner health --threshold', () => {
  for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
    it(`refuses "${name}" (inherited from Object.prototype, not a threshold) before connecting`, async () => {
      await assert.rejects(healthVerb.run(['--db', NO_SERVER, '--threshold', `${name}=1`]), (err: PgTunerError) => {
        assert.equal(err.code, 'BAD_INPUT', err.message);
        assert.match(err.message, new RegExp(`unknown threshold "${name}"`));
        return true;
      });
      assert.throws(() => resolveHealthOptions({ [name]: 1 }), new RegExp(`unknown threshold "${name}"`));
    });
  }

  it('still takes a real threshold', () => {
    assert.equal(resolveHealthOptions({ longQueryWarningSeconds: 7 }).longQueryWarningSeconds, 7);
  });
});
