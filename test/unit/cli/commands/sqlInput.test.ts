import assert from 'node:assert/strict';
import { adviseVerb } from '../../../../src/cli/commands/advise';
import { explainVerb } from '../../../../src/cli/commands/explain';
import { readStatement, SQL_INPUT_OPTIONS } from '../../../../src/cli/commands/sqlInput';
import { PgTunerError } from '../../../../src/core/errors';

describe('cli/commands/sqlInput: the statement flags of explain and advise', () => {
  it('--help of both verbs names every option, with examples', () => {
    for (const verb of [explainVerb, adviseVerb]) {
      for (const option of Object.keys(SQL_INPUT_OPTIONS)) assert.ok(verb.usage?.includes(`--${option}`), `${verb.summary}: --${option}`);
      assert.match(verb.usage ?? '', /Examples: pgtuner /);
    }
  });

  it('maps the flags onto the engine input; side effects only with --allow-side-effects', () => {
    assert.deepEqual(readStatement({ sql: 'SELECT $1', param: ['7'] }), {
      sql: 'SELECT $1',
      params: ['7'],
      analyze: true,
      sideEffects: 'plain',
    });
    assert.deepEqual(readStatement({ sql: 'SELECT 1', 'no-analyze': true, 'allow-side-effects': true }), {
      sql: 'SELECT 1',
      params: undefined,
      analyze: false,
      sideEffects: 'allow',
    });
  });

  it('wants exactly one of --sql and --file (bad input, exit 2)', () => {
    const badInput = (e: PgTunerError) => e.code === 'BAD_INPUT';
    assert.throws(() => readStatement({}), badInput);
    assert.throws(() => readStatement({ sql: 'SELECT 1', file: 'q.sql' }), badInput);
    assert.throws(
      () => readStatement({ file: '/nonexistent/q.sql' }),
      (e: PgTunerError) => badInput(e) && /ENOENT/.test(e.message),
    );
  });
});
