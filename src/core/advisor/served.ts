import { ExistingIndex } from '../catalog/indexes';
import { Candidate, CandidateKey } from './candidate';

/**
 * True when a valid existing index already does what the candidate would: same method, the
 * candidate's keys are a prefix of its keys (same columns or expressions, same opclass, same
 * order or its exact reverse), the same partial predicate or none, and its INCLUDE/key columns
 * cover the candidate's INCLUDE list.
 */
export function servedByExisting(c: Candidate, existing: ExistingIndex[]): ExistingIndex | undefined {
  return existing.find((ix) => ix.valid && ix.schema === c.schema && ix.table === c.table && serves(ix, c));
}

function serves(ix: ExistingIndex, c: Candidate): boolean {
  if (!keysServedBy(ix, c)) return false;
  const available = new Set([...ix.keys.map((k) => k.column), ...ix.include]);
  return c.include.every((col) => available.has(col));
}

/** The existing index has the candidate's keys (as a prefix, either direction) and its predicate: INCLUDE aside, it is the same index. */
export function keysServedBy(ix: ExistingIndex, c: Candidate): boolean {
  if (ix.method !== c.method || ix.keys.length < c.keys.length) return false;
  if (!samePredicate(ix.predicate, c.where)) return false;
  const forward = c.keys.every((k, i) => sameKey(ix, i, k, false));
  const backward = c.method === 'btree' && c.keys.every((k, i) => sameKey(ix, i, k, true));
  return forward || backward;
}

function sameKey(ix: ExistingIndex, i: number, k: CandidateKey, reversed: boolean): boolean {
  const ek = ix.keys[i];
  const target = k.column !== undefined ? ek.column === k.column : normalize(ek.text) === normalize(k.expression ?? '');
  if (!target) return false;
  if (k.opclass ? ek.opclass !== k.opclass : !ek.defaultOpclass) return false;
  if (ix.method !== 'btree') return true;
  const wantDesc = !!k.desc !== reversed;
  const wantNullsFirst = (k.nulls ? k.nulls === 'FIRST' : !!k.desc) !== reversed;
  return ek.desc === wantDesc && ek.nullsFirst === wantNullsFirst;
}

function samePredicate(existing: string | undefined, where: string[]): boolean {
  if (!existing) return where.length === 0;
  if (!where.length) return false;
  const parts = (s: string) =>
    s
      .split(/\s+and\s+/i)
      .map(normalize)
      .sort()
      .join('&');
  return parts(existing) === parts(where.join(' AND '));
}

/** Compares expression texts the way pg_get_expr and a user might write them. */
function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/::[a-z_ ]+(\[\])?/g, '')
    .replace(/[()\s"]/g, '');
}
