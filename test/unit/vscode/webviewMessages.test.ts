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

  it('keeps the views report (format, selection, graph) only when it is well formed', () => {
    const view = {
      format: 'graph',
      selected: 'before-3',
      marked: ['before-3'],
      graph: { nodes: 9, edges: 8, shown: 9, transform: 'scale(1)' },
    };
    assert.deepEqual(checkFromWebview({ type: 'rendered', text: 'x', view }, 0), { type: 'rendered', text: 'x', view });
    for (const bad of [
      { ...view, marked: 'before-3' },
      { ...view, marked: [3] },
      { ...view, selected: 3 },
      { ...view, format: undefined },
      { ...view, graph: { ...view.graph, nodes: '9' } },
      { ...view, graph: { ...view.graph, shown: 1.5 } },
      null,
    ]) {
      assert.deepEqual(
        checkFromWebview({ type: 'rendered', text: 'x', view: bad }, 0),
        { type: 'rendered', text: 'x' },
        JSON.stringify(bad),
      );
    }
  });
});
