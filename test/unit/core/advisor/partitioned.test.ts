import assert from 'node:assert/strict';
import { partitionedSuggestion } from '../../../../src/core/advisor/partitioned';
import { Suggestion } from '../../../../src/core/advisor/types';

const suggestion: Suggestion = {
  table: 'app.events',
  method: 'btree',
  kinds: ['btree'],
  name: 'idx_events_kind',
  ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_kind ON app.events (kind);',
  down: 'DROP INDEX CONCURRENTLY IF EXISTS app.idx_events_kind;',
  requires: [],
  reason: 'equality on kind.',
  evidence: { costBefore: 100, costAfter: 10, msBefore: null, msAfter: null, sizeBytes: 1, verifiedBy: 'hypopg' },
};

describe('indexes on partitioned tables', () => {
  it('builds ON ONLY each partitioned level, concurrently on each leaf, attaches deepest first; the down drops the parent index', () => {
    const s = partitionedSuggestion(suggestion, [
      { schema: 'app', name: 'events_2024', parentSchema: 'app', parentName: 'events', partitioned: true, level: 1 },
      { schema: 'app', name: 'events_2024_01', parentSchema: 'app', parentName: 'events_2024', partitioned: false, level: 2 },
      { schema: 'app', name: 'events_old', parentSchema: 'app', parentName: 'events', partitioned: false, level: 1 },
    ]);
    assert.deepEqual(s.ddl.split('\n'), [
      'CREATE INDEX IF NOT EXISTS idx_events_kind ON ONLY app.events (kind);',
      'CREATE INDEX IF NOT EXISTS idx_events_2024_kind ON ONLY app.events_2024 (kind);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_2024_01_kind ON app.events_2024_01 (kind);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_old_kind ON app.events_old (kind);',
      'ALTER INDEX app.idx_events_2024_kind ATTACH PARTITION app.idx_events_2024_01_kind;',
      'ALTER INDEX app.idx_events_kind ATTACH PARTITION app.idx_events_2024_kind;',
      'ALTER INDEX app.idx_events_kind ATTACH PARTITION app.idx_events_old_kind;',
    ]);
    assert.equal(s.down, 'DROP INDEX IF EXISTS app.idx_events_kind;');
  });
});
