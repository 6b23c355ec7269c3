import { formatBytes } from '../../format';
import { outcome, plural } from '../grade';
import { HealthCheck } from '../types';

export const invalidIndexes: HealthCheck = {
  id: 'invalid-indexes',
  title: 'Invalid indexes',
  category: 'indexes',
  async run({ indexAnalysis }) {
    const invalid = (await indexAnalysis()).indexes.filter((i) => i.badges.some((b) => b.kind === 'invalid'));
    return outcome(invalid.length ? 'warning' : 'ok', {
      figure: invalid.length
        ? `${plural(invalid.length, 'invalid index', 'invalid indexes')} (indexes being built right now are not counted)`
        : 'no invalid index',
      threshold: 'warning when any index is invalid',
      advice:
        'A failed CREATE INDEX CONCURRENTLY or REINDEX left these: they slow every write and serve no query. Fix the cause (for a unique index: the duplicate rows), then REINDEX INDEX CONCURRENTLY it, or drop it (DROP INDEX CONCURRENTLY) and create it again.',
      details: invalid.map((i) => ({
        schema: i.schema,
        table: i.table,
        index: i.name,
        unique: i.unique,
        size: formatBytes(i.bytes),
        definition: i.definition ?? null,
      })),
    });
  },
};

export const unusedAndDuplicateIndexes: HealthCheck = {
  id: 'unused-duplicate-indexes',
  title: 'Unused, duplicate and redundant indexes',
  category: 'indexes',
  async run({ indexAnalysis }) {
    const analysis = await indexAnalysis();
    const { counts } = analysis;
    const droppable = analysis.indexes.filter((i) => i.droppable && i.valid);
    return outcome(droppable.length ? 'warning' : 'ok', {
      figure:
        `${counts.unused} unused, ${counts.duplicate} duplicate, ${counts.redundant} redundant of ${plural(counts.indexes, 'index', 'indexes')}; ` +
        `${plural(droppable.length, 'index', 'indexes')} (${formatBytes(droppable.reduce((s, i) => s + i.bytes, 0))}) could be dropped` +
        ` (scans counted ${analysis.statsResetAt ? `since ${analysis.statsResetAt.slice(0, 10)}` : 'since statistics began'})`,
      threshold: 'warning when any index other than a unique or constraint one is unused, duplicate or redundant',
      advice:
        'Every index slows writes and takes space. Review them in the PG Tuner "Indexes" view (or `pgtuner indexes`) and generate drop migrations; check that replicas and rare reports do not use an "unused" one first.',
      details: droppable.map((i) => ({
        schema: i.schema,
        table: i.table,
        index: i.name,
        size: formatBytes(i.bytes),
        scans: i.scans,
        why: i.badges.map((b) => b.reason).join('; '),
      })),
    });
  },
};
