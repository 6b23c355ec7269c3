/**
 * Merged candidates: one index where the per-statement advisor proposed several. Two btree
 * candidates of one table with the same partial predicate and the same leading key merge into the
 * one with more keys, carrying every other column either needs in one INCLUDE list, so a single
 * index serves (and covers) both statements.
 */
import { Candidate, CandidateKey, candidateKey } from '../advisor/candidate';

/** An INCLUDE list longer than this costs more in width than index-only scans save. */
const MAX_MERGED_INCLUDE = 5;

export function mergedCandidates(candidates: Candidate[]): Candidate[] {
  const btree = candidates.filter((c) => c.method === 'btree' && c.keys.every((k) => k.column !== undefined));
  const known = new Set(candidates.map(candidateKey));
  const out = new Map<string, Candidate>();
  for (const a of btree) {
    for (const b of btree) {
      if (a === b || !mergeable(a, b) || a.keys.length < b.keys.length) continue;
      const merged = merge(a, b);
      const key = candidateKey(merged);
      if (merged && !known.has(key)) out.set(key, merged);
    }
  }
  return [...out.values()];
}

function mergeable(a: Candidate, b: Candidate): boolean {
  return a.schema === b.schema && a.table === b.table && a.where.join(' AND ') === b.where.join(' AND ') && sameKey(a.keys[0], b.keys[0]);
}

/** a's keys, then INCLUDE everything else either reads: b's other keys and both INCLUDE lists. */
function merge(a: Candidate, b: Candidate): Candidate {
  const keyColumns = new Set(a.keys.map((k) => k.column!));
  const include = [...new Set([...a.include, ...b.keys.map((k) => k.column!), ...b.include])].filter((c) => !keyColumns.has(c)).sort();
  const wide = include.length > MAX_MERGED_INCLUDE;
  return {
    ...a,
    include: wide ? a.include : include,
    kinds: [...new Set([...a.kinds.filter((k) => k !== 'covering'), ...(include.length && !wide ? (['covering'] as const) : [])])],
    reason: `merged for several statements: ${a.reason}; also serves ${b.reason}`,
  };
}

function sameKey(x: CandidateKey, y: CandidateKey): boolean {
  return x.column === y.column && x.opclass === y.opclass && !!x.desc === !!y.desc && x.nulls === y.nulls;
}
