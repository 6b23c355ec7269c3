import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatCount } from '../../core/format';
import { analyzeIndexUsage } from '../../core/usage/analyze';
import { loadIndexUsage } from '../../core/usage/load';
import { AnalyzedIndex, IndexAnalysis } from '../../core/usage/types';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';

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
  for (const i of indexes) {
    const badges = i.badges.map((b) => `[${b.kind}${b.other ? ` of ${b.other}` : ''}]`).join(' ');
    lines.push(`${i.schema}.${i.table}.${i.name}  ${formatCount(i.scans)} scans, ${formatCount(i.tuplesRead)} tuples read, ${formatBytes(i.bytes)}` +
      `${i.constraint ? `  (${i.constraint.kind} ${i.constraint.name})` : ''}${badges ? `  ${badges}` : ''}${i.droppable ? '  droppable' : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** `pgtuner indexes`: index usage for the whole database with unused / duplicate / redundant / invalid / bloated badges. */
export const indexesVerb: CliVerb = {
  summary: 'index usage with unused/duplicate/redundant/invalid/bloated badges; --flagged, --sort size|scans|name',
  async run(argv) {
    const { values } = parseVerbArgs(argv, {
      flagged: { type: 'boolean', default: false },
      sort: { type: 'string', default: 'name' },
    });
    const sort = SORTS[String(values.sort)];
    if (!sort) throw new PgTunerError('BAD_INPUT', `--sort must be one of ${Object.keys(SORTS).join(', ')} (got "${values.sort}")`);
    const db = openDatabase(values);
    try {
      const analysis = analyzeIndexUsage(await db.withSession(loadIndexUsage));
      const indexes = analysis.indexes.filter((i) => !values.flagged || i.badges.length > 0).sort(sort);
      if (values.json) printJson({ connection: describeProfile(db.profile), statsResetAt: analysis.statsResetAt ?? null, counts: analysis.counts, indexes });
      else process.stdout.write(formatIndexesText(analysis, indexes));
      return 0;
    } finally {
      await db.end();
    }
  },
};
