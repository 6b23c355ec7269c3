import assert from 'node:assert/strict';
import { checkFromWebview } from '../../../src/vscode/explain/messages';

describe('plan webview messages (untrusted)', () => {
  it('accepts a suggestion index only when it is an integer within the suggestions shown', () => {
    assert.deepEqual(checkFromWebview({ type: 'createMigration', suggestionIndex: 1 }, 2), { type: 'createMigration', suggestionIndex: 1 });
    for (const bad of [2, -1, 1.5, NaN, Infinity, '0', 'constructor', '__proto__', 'length', null, undefined, [0], { valueOf: () => 0 }]) {
      for (const type of ['createMigration', 'copyDdl', 'explainWithIndex']) {
        assert.equal(checkFromWebview({ type, suggestionIndex: bad }, 2), undefined, `${type} ${String(bad)}`);
      }
    }
    assert.equal(checkFromWebview({ type: 'copyDdl', suggestionIndex: 0 }, 0), undefined, 'no suggestions: no index is valid');
  });

  it('refuses unknown types and malformed fields, and keeps only known fields', () => {
    assert.equal(checkFromWebview({ type: 'runSql', sql: 'DROP TABLE t' }, 1), undefined);
    assert.equal(checkFromWebview(null, 1), undefined);
    assert.equal(checkFromWebview('ready', 1), undefined);
    assert.equal(checkFromWebview({ type: 'savePlan', which: '../../etc/passwd' }, 1), undefined);
    assert.deepEqual(checkFromWebview({ type: 'savePlan', which: 'after', path: '/tmp/x' }, 1), { type: 'savePlan', which: 'after' });
    assert.equal(checkFromWebview({ type: 'rendered', text: 42 }, 1), undefined);
    assert.deepEqual(checkFromWebview({ type: 'rendered', text: 'x', renderMs: 12.5 }, 0), { type: 'rendered', text: 'x', renderMs: 12.5 });
    assert.deepEqual(checkFromWebview({ type: 'rendered', text: 'x', renderMs: 'slow' }, 0), { type: 'rendered', text: 'x' });
    assert.deepEqual(checkFromWebview({ type: 'ready', extra: 1 }, 0), { type: 'ready' });
  });
});
