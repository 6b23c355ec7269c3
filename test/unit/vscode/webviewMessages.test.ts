import assert from 'node:assert/strict';
import type { Suggestion } from '../../../src/core/advisor/types';
import { checkFromWebview, chosenSuggestion, suggestionView, withMeasured } from '../../../src/vscode/explain/messages';

describe('plan webview messages (untrusted)', () => {
  it('accepts a suggestion index only when it is an integer within the suggestions shown', () => {
    assert.deepEqual(checkFromWebview({ type: 'createMigration', suggestionIndex: 1 }, 2), { type: 'createMigration', suggestionIndex: 1 });
    for (const bad of [2, -1, 1.5, NaN, Infinity, '0', 'constructor', '__proto__', 'length', null, undefined, [0], { valueOf: () => 0 }]) {
      for (const type of ['createMigration', 'copyDdl', 'explainWithIndex', 'measure']) {
        assert.equal(checkFromWebview({ type, suggestionIndex: bad }, 2), undefined, `${type} ${String(bad)}`);
      }
    }
    assert.equal(checkFromWebview({ type: 'copyDdl', suggestionIndex: 0 }, 0), undefined, 'no suggestions: no index is valid');
  });

  it('accepts an alternative pick only as an integer from -1 (the default) up; the card checks the upper bound', () => {
    assert.deepEqual(checkFromWebview({ type: 'pickAlternative', suggestionIndex: 0, alternative: -1, ddl: 'DROP TABLE t' }, 1), {
      type: 'pickAlternative',
      suggestionIndex: 0,
      alternative: -1,
    });
    for (const alternative of [-2, 0.5, '0', null, undefined, NaN, 'constructor', [0]]) {
      assert.equal(checkFromWebview({ type: 'pickAlternative', suggestionIndex: 0, alternative }, 1), undefined, String(alternative));
    }
    assert.equal(checkFromWebview({ type: 'pickAlternative', suggestionIndex: 1, alternative: 0 }, 1), undefined);
  });

  it('the picked alternative replaces the index Create Migration, Measure and Explain Again use; a measurement lands on its index', () => {
    const brin: Suggestion = {
      table: 'public.events',
      method: 'brin',
      kinds: ['brin'],
      name: 'idx_events_created_at_brin',
      ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_created_at_brin ON public.events USING brin (created_at);',
      down: 'DROP INDEX CONCURRENTLY IF EXISTS public.idx_events_created_at_brin;',
      requires: [],
      reason: 'BRIN is the default',
      evidence: { costBefore: 1000, costAfter: 400, msBefore: 50, msAfter: null, sizeBytes: 24576, verifiedBy: 'hypopg' },
      alternatives: [
        {
          method: 'btree',
          kinds: ['btree'],
          name: 'idx_events_created_at',
          ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_created_at ON public.events (created_at);',
          down: 'DROP INDEX CONCURRENTLY IF EXISTS public.idx_events_created_at;',
          costAfter: 200,
          sizeBytes: 13_000_000,
          verifiedBy: 'hypopg',
        },
      ],
    };
    const view = suggestionView(brin);
    assert.deepEqual(chosenSuggestion(view), brin, 'no pick: the suggestion as the engine gave it, without the view fields');
    const picked = chosenSuggestion({ ...view, picked: 0 });
    assert.equal(picked.name, 'idx_events_created_at');
    assert.equal(picked.ddl, brin.alternatives![0].ddl);
    assert.equal(picked.down, brin.alternatives![0].down);
    assert.equal(picked.method, 'btree');
    assert.equal(picked.evidence.costAfter, 200);
    assert.equal(picked.alternatives, undefined);
    assert.match(picked.reason, /^idx_events_created_at \(btree\), picked instead of the default idx_events_created_at_brin\./);

    const measured = { name: 'idx_events_created_at', msBefore: 50, msAfter: 2, buildMs: 300, runs: 2, notes: [] };
    const after = withMeasured({ ...view, picked: 0 }, 0, measured);
    assert.equal(after.evidence.measured, undefined);
    assert.deepEqual(after.alternatives![0].measured, measured);
    assert.deepEqual(chosenSuggestion(after).evidence.measured, measured);
    assert.deepEqual(withMeasured(view, undefined, { ...measured, name: brin.name }).evidence.measured?.name, brin.name);
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
