import assert from 'node:assert/strict';
import { functionNamesIn } from '../../../../src/core/db/sideEffects';

describe('db/sideEffects: the function names a statement calls', () => {
  it('finds plain, qualified and quoted calls, lower-casing unquoted names', () => {
    assert.deepEqual(functionNamesIn("SELECT NextVal('s'), public.dblink_exec('x', 'y'), \"Audit Me\"(1) FROM t"), [
      'nextval',
      'dblink_exec',
      'Audit Me',
    ]);
  });

  it('ignores names inside strings, comments and dollar quotes', () => {
    assert.deepEqual(functionNamesIn("SELECT 'setval(1)', $$pg_notify(1)$$ /* lo_unlink(1) */ -- set_config(1)\r, count(*)"), ['count']);
  });

  it('reads the expressions EXPLAIN VERBOSE prints (a column default)', () => {
    assert.deepEqual(functionNamesIn("nextval('orders_id_seq'::regclass)"), ['nextval']);
  });
});
