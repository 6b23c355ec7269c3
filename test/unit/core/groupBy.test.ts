import assert from 'node:assert/strict';
import { groupBy } from '../../../src/core/groupBy';

describe('groupBy', () => {
  it('keeps groups and their items in first-seen order', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    assert.deepEqual(
      [...groups],
      [
        ['b', ['b1', 'b2']],
        ['a', ['a1', 'a2']],
        ['c', ['c1']],
      ],
    );
  });

  it('gives an empty map for no items', () => {
    assert.equal(groupBy([], (x) => x).size, 0);
  });
});
