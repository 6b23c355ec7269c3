import assert from 'node:assert/strict';
import { VERBS } from '../../../src/cli/verbs';

describe('CLI: every verb explains itself', () => {
  for (const [name, verb] of Object.entries(VERBS)) {
    it(`pgtuner ${name} --help names each of its options and gives an example`, () => {
      assert.ok(verb.usage, `${name} has no usage text`);
      assert.ok(verb.options, `${name} does not list its options`);
      for (const option of verb.options)
        assert.match(verb.usage, new RegExp(`--${option}\\b`), `${name} --help does not mention --${option}`);
      assert.match(verb.usage, new RegExp(`pgtuner ${name} `), `${name} --help has no example`);
    });
  }
});
