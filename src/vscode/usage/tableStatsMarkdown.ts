import { formatBytes, formatCount } from '../../core/format';
import { TableStats } from '../../core/usage/tableStats';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : 'never');

/** "Show Table Stats" as a Markdown document. */
export function tableStatsMarkdown(s: TableStats): string {
  const rows: [string, string][] = [
    ['Table size (heap + TOAST)', formatBytes(s.tableBytes)],
    ['Indexes', formatBytes(s.indexesBytes)],
    ['Total', formatBytes(s.totalBytes)],
    ['Estimated rows (reltuples)', formatCount(s.estimatedRows)],
    ['Live / dead rows', `${formatCount(s.liveRows)} / ${formatCount(s.deadRows)}`],
    ['Sequential scans (rows read)', `${formatCount(s.seqScans)} (${formatCount(s.seqRowsRead)})`],
    ['Index scans', formatCount(s.indexScans)],
    [
      'Inserts / updates (HOT) / deletes',
      `${formatCount(s.inserts)} / ${formatCount(s.updates)} (${formatCount(s.hotUpdates)}) / ${formatCount(s.deletes)}`,
    ],
    ['Rows changed since last analyze', formatCount(s.modifiedSinceAnalyze)],
    ['Last vacuum / autovacuum', `${when(s.lastVacuum)} / ${when(s.lastAutovacuum)}`],
    ['Last analyze / autoanalyze', `${when(s.lastAnalyze)} / ${when(s.lastAutoanalyze)}`],
    ['Vacuums / autovacuums', `${s.vacuumCount} / ${s.autovacuumCount}`],
  ];
  return [`# ${s.schema}.${s.table}`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''].join('\n');
}
