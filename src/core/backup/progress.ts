/**
 * Progress of pg_dump / pg_restore, read from their --verbose lines. Both name each table as
 * its data is handled; the total is the number of tables the manifest counts.
 */
import { Run } from '../run';

export interface ToolProgress {
  phase: 'preparing' | 'dumping' | 'checksum' | 'listing' | 'restoring' | 'verifying' | 'cleaning up';
  tablesDone: number;
  tablesTotal: number;
  /** The table just handled, "schema.name" as the tool printed it. */
  table?: string;
}

// pg_dump: dumping contents of table "public.orders"
const DUMP_TABLE = /^pg_dump: dumping contents of table "(.+)"$/;
// pg_restore (serial): processing data for table "public.orders"
// pg_restore -j: finished item 3402 TABLE DATA orders
const RESTORE_TABLE = /^pg_restore: (?:processing data for table "(.+)"|finished item \d+ TABLE DATA (.+))$/;

/** The table named by a verbose line that marks one table's data as handled, if it is one. */
export function tableFromVerboseLine(line: string): string | undefined {
  const m = DUMP_TABLE.exec(line) ?? RESTORE_TABLE.exec(line);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Counts handled tables from verbose lines and reports each step, never beyond the total. */
export function tableCounter(
  phase: ToolProgress['phase'],
  tablesTotal: number,
  report?: (p: ToolProgress) => void,
): (line: string) => void {
  let tablesDone = 0;
  return (line) => {
    const table = tableFromVerboseLine(line);
    if (table === undefined) return;
    tablesDone = Math.min(tablesDone + 1, tablesTotal);
    report?.({ phase, tablesDone, tablesTotal, table });
  };
}

/** Progress as Run.onProgress takes it: a line for people and the share of tables done. */
export function reportTo(onProgress: Run['onProgress']): ((p: ToolProgress) => void) | undefined {
  if (!onProgress) return undefined;
  return (p) =>
    onProgress(
      `${p.phase} ${p.tablesDone}/${p.tablesTotal} tables${p.table ? ` (${p.table})` : ''}`,
      p.tablesTotal ? p.tablesDone / p.tablesTotal : undefined,
    );
}
