import assert from 'node:assert/strict';
import { closingParen, splitTopLevel, topLevelToken } from '../../../../src/core/plan/topLevel';

describe('EXPLAIN expression text at its top level', () => {
  it('splits on a separator outside brackets and quotes', () => {
    assert.deepEqual(splitTopLevel("a, f(b, c), 'x, y', d[1, 2]", ', '), ['a', 'f(b, c)', "'x, y'", 'd[1, 2]']);
    assert.deepEqual(splitTopLevel("(a = 1) AND (b = ' AND ') AND c", ' AND '), ['(a = 1)', "(b = ' AND ')", 'c']);
  });

  it('finds the first top-level operator and the closing parenthesis of the first one', () => {
    assert.deepEqual(topLevelToken("(x >= 1) = ('<= ' >= y)", ['>=', '<=', '=']), { index: 9, token: '=' });
    assert.equal(topLevelToken('f(a = b)', ['=']), undefined);
    assert.equal(closingParen("(a, ')', (b))::text"), 12);
    assert.equal(closingParen('(unclosed'), -1);
  });
});
