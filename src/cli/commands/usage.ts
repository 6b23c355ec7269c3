import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatCount } from '../../core/format';
import { loadIndexUsage } from '../../core/usage/load';
import { AnalyzedIndex, IndexAnalysis } from '../../core/usage/types';
import { defineVerb } from '../runner';

const SORTS: Record<string, (a: AnalyzedIndex, b: AnalyzedIndex) => number> = {
  name: () => 0,
  size: (a, b) => b.bytes - a.bytes,
  scans: (a, b) => a.scans - b.scans,
};

function formatIndexesText(analysis: IndexAnalysis, indexes: AnalyzedIndex[]): string {
  const c = analysis.counts;
  const lines = [
    `${c.indexes} indexes: ${c.unused} unused, ${c.duplicate} duplicate, ${c.redundant} redundant, ${c.invalid} invalid, ${c.bloated} bloated; ` +
      `${c.droppable} droppable (${formatBytes(c.droppableBytes)})`,
    `scans counted ${analysis.statsResetAt ? `since the statistics reset on ${analysis.statsResetAt}` : 'since statistics collection began (never reset)'}`,
    '',
  ];
  // An empty list is said, not left as a blank line.
  if (!indexes.length) lines.push(c.indexes ? 'no index is flagged' : 'no index in this database');
  for (const i of indexes) {
    const badges = i.badges.map((b) => `[${b.kind}${b.other ? ` of ${b.other}` : ''}]`).join(' ');
    lines.push(
      `${i.schema}.${i.table}.${i.name}  ${formatCount(i.scans)} scans, ${formatCount(i.tuplesRead)} tuples read, ${formatBytes(i.bytes)}` +
        `${i.constraint ? `  (${i.constraint.kind} ${i.constraint.name})` : ''}${badges ? `  ${badges}` : ''}${i.droppable ? '  droppable' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** `pgtuner indexes`: index usage for the whole database with unused / duplicate / redundant / invalid / bloated badges. */
export const indexesVerb = defineVerb({
  summary: 'index usage with unused/duplicate/redundant/invalid/bloated badges; --flagged, --sort size|scans|name',
  usage: `pgtuner indexes: every index of the database with its scans, size and badges (unused, duplicate, redundant, invalid,
bloated), and whether it is safe to propose dropping. Ctrl-C stops the query on the server (exit 130).

  --flagged               list only indexes with a badge
  --sort name|size|scans  order of the list (default name; size: largest first; scans: fewest first)

Example: pgtuner indexes --db postgres://app@localhost/shop --flagged --sort size --json`,
  options: {
    flagged: { type: 'boolean', default: false },
    sort: { type: 'string', default: 'name' },
  },
  input(values) {
    if (!Object.hasOwn(SORTS, values.sort))
      throw new PgTunerError('BAD_INPUT', `--sort must be one of ${Object.keys(SORTS).join(', ')} (got "${values.sort}")`);
    return {};
  },
  run: loadIndexUsage,
  output(analysis, values, db) {
    const indexes = analysis.indexes.filter((i) => !values.flagged || i.badges.length > 0).sort(SORTS[values.sort]);
    return {
      json: { connection: describeProfile(db.profile), statsResetAt: analysis.statsResetAt ?? null, counts: analysis.counts, indexes },
      text: formatIndexesText(analysis, indexes),
    };
  },
});
