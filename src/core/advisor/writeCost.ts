import { walkPlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { Candidate } from './candidate';
import { IndexProbe, Probed, WhatIf } from './whatIf';

interface Chosen {
  candidate: Candidate;
  probe: IndexProbe;
  result: Probed;
}

/** What a DML statement writes, from its baseline plan and text. */
export interface Writes {
  /** The relation the ModifyTable node writes (its name as the plan prints it). */
  relation: string;
  operation: string;
  /** Rows it changed (measured) or would change (estimated). */
  rows: number;
  /** Columns an UPDATE sets; undefined when unknown (statement the parser cannot read). */
  setColumns: string[] | undefined;
}

/** A statement writes "many" rows of a table from this share on: each also goes into every index. */
const MANY_ROWS_SHARE = 0.1;

/** The table a DML statement writes and how many rows, from the baseline plan's ModifyTable node. */
export function writesOf(before: Plan, kind: string, setColumns: string[] | undefined): Writes | undefined {
  for (const n of walkPlan(before.root)) {
    if (n.nodeType !== 'ModifyTable' || !n.relation) continue;
    const source = n.children[0];
    const rows = source ? (source.actualRows !== undefined ? source.actualRows * (source.loops ?? 1) : source.planRows) : 0;
    return { relation: n.relation, operation: kind === 'select' ? 'statement' : kind.toUpperCase(), rows, setColumns };
  }
  return undefined;
}

/**
 * Write cost of DML: EXPLAIN's cost of an UPDATE, DELETE, INSERT … SELECT or MERGE leaves out index
 * maintenance, so an index that makes the plan cheaper can make the statement slower. An index on
 * the written table that covers a column the statement sets, or a statement that changes many of
 * its rows, is measured: a trial build and EXPLAIN ANALYZE inside the rolled-back transaction, the
 * statement run with and without it. It stays only when it makes the statement faster by the margin;
 * when it cannot be measured it is left out. Notes say why, and when an index breaks HOT updates.
 */
export async function weighWriteCost<C extends Chosen>(
  whatIf: WhatIf,
  chosen: C[],
  writes: Writes,
  tableRows: (c: Candidate) => number,
  minImprovement: number,
  notes: string[],
): Promise<C[]> {
  const kept: C[] = [];
  for (const choice of chosen) {
    const c = choice.candidate;
    if (c.table !== writes.relation) {
      kept.push(choice);
      continue;
    }
    const written = indexedColumns(c).filter((col) => writes.setColumns?.includes(col));
    const many = writes.rows >= tableRows(c) * MANY_ROWS_SHARE;
    const hot = written.length
      ? `; it indexes ${written.join(', ')}, which this UPDATE sets: updates of ${c.table} that change it can no longer be HOT (heap-only tuple) updates, and every such row is written into every index of the table`
      : '';
    if (!written.length && !many) {
      kept.push(choice);
      continue;
    }
    const what = `${writes.operation} changes about ${Math.round(writes.rows)} rows of ${c.table}`;
    const m = await whatIf.measure(choice.probe);
    if ('why' in m) {
      notes.push(
        `${choice.probe.name} is left out: the ${what}, and EXPLAIN's cost leaves out the upkeep of the index for each of them; ` +
          `it could not be measured (${m.why})${hot}.`,
      );
      continue;
    }
    const msWithout = m.without.executionMs ?? 0;
    const msWith = m.with.executionMs ?? 0;
    const timing = `measured with a trial build (faster of 2 runs each): ${msWithout.toFixed(1)} ms without it, ${msWith.toFixed(1)} ms with it`;
    if (msWith > msWithout * (1 - minImprovement)) {
      notes.push(
        `${choice.probe.name} is left out: the ${what}, each also written into the index, and the statement does not get faster ` +
          `(${timing}; EXPLAIN's cost leaves out index upkeep)${hot}.`,
      );
      continue;
    }
    kept.push({ ...choice, candidate: { ...c, reason: `${c.reason}; the ${what} and is faster with it (${timing})${hot}` } });
  }
  return kept;
}

/** Every column the index stores or tests: keys, INCLUDE, and the columns of expressions and of its WHERE. */
function indexedColumns(c: Candidate): string[] {
  const words = [...c.keys.map((k) => k.expression ?? ''), ...c.where].flatMap((sql) => sql.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []);
  return [...new Set([...c.keys.flatMap((k) => (k.column ? [k.column] : [])), ...c.include, ...words])];
}
