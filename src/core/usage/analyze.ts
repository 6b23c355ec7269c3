import { groupBy } from '../groupBy';
import { estimateBtreeBloat } from './bloat';
import {
  AnalyzedIndex,
  BadgeKind,
  DEFAULT_USAGE_OPTIONS,
  IndexAnalysis,
  IndexUsage,
  IndexUsageReport,
  UsageKey,
  UsageOptions,
} from './types';

const DROP_REASONS: readonly BadgeKind[] = ['unused', 'duplicate', 'redundant', 'invalid'];

const keySignature = (k: UsageKey) => `${k.text}\u0000${k.opclass}\u0000${k.desc}\u0000${k.nullsFirst}\u0000${k.collation ?? ''}`;
const fullName = (i: IndexUsage) => `${i.schema}.${i.name}`;
const protectsData = (i: IndexUsage) => i.unique || i.constraint !== undefined;

/** An index with its comparison keys computed once (the analysis runs over tens of thousands of indexes). */
interface Candidate {
  index: AnalyzedIndex;
  keys: string[];
  /** Identical indexes share this: same method, keys (opclass, order, collation), INCLUDE list and predicate. */
  signature: string;
}

function candidate(index: AnalyzedIndex): Candidate {
  const keys = index.keys.map(keySignature);
  const signature = [index.method, keys.join('\u0001'), index.include.join('\u0001'), index.predicate ?? ''].join('\u0002');
  return { index, keys, signature };
}

/** Of identical indexes, the one to keep: the constraint's, else a unique one, else the most scanned, else the first by name. */
function keepFirst(x: Candidate, y: Candidate): number {
  const [a, b] = [x.index, y.index];
  return (
    Number(!!b.constraint) - Number(!!a.constraint) ||
    Number(b.unique) - Number(a.unique) ||
    b.scans - a.scans ||
    a.name.localeCompare(b.name)
  );
}

/**
 * A is redundant when B starts with all of A's keys (same opclass, order and collation), has
 * more, uses the same method and predicate, and stores every column A's INCLUDE list adds:
 * any scan A serves, B serves. A unique A is never redundant (it enforces something B does not).
 */
function coveredBy(a: Candidate, b: Candidate): boolean {
  const [x, y] = [a.index, b.index];
  if (a === b || x.unique || x.method !== y.method || (x.predicate ?? '') !== (y.predicate ?? '')) return false;
  if (b.keys.length <= a.keys.length || !a.keys.every((k, n) => k === b.keys[n])) return false;
  return x.include.every((c) => y.include.includes(c) || y.keys.some((k) => k.text === c));
}

function since(statsResetAt: string | undefined): string {
  return statsResetAt ? `since the statistics reset on ${statsResetAt.slice(0, 10)}` : 'since statistics collection began';
}

/** Badges for every index (unused, duplicate, redundant, invalid, bloated) and whether it may be proposed for dropping. */
export function analyzeIndexUsage(report: IndexUsageReport, options: UsageOptions = DEFAULT_USAGE_OPTIONS): IndexAnalysis {
  // The report's rows become the analysed rows in place: copying tens of thousands of wide objects
  // cost more than the analysis itself.
  const indexes = report.indexes as AnalyzedIndex[];
  for (const i of indexes) {
    i.badges = [];
    i.droppable = false;
    i.bloatBytes = undefined;
  }
  // Locked indexes have no keys to compare.
  const comparable = indexes.filter((i) => i.valid && !i.locked);
  for (const sameTable of groupBy(comparable, (i) => `${i.schema}\u0000${i.table}`).values()) {
    if (sameTable.length < 2) continue;
    const usable = sameTable.map(candidate);
    const duplicates = new Set<Candidate>();
    for (const group of groupBy(usable, (c) => c.signature).values()) {
      if (group.length < 2) continue;
      const [keep, ...others] = group.sort(keepFirst);
      for (const c of others) {
        duplicates.add(c);
        c.index.badges.push({ kind: 'duplicate', other: fullName(keep.index), reason: `same definition as ${keep.index.name}` });
      }
    }
    for (const a of usable) {
      if (duplicates.has(a)) continue;
      const wider = usable.find((b) => !duplicates.has(b) && coveredBy(a, b));
      if (wider)
        a.index.badges.push({
          kind: 'redundant',
          other: fullName(wider.index),
          reason: `its keys are a prefix of ${wider.index.name}, which serves the same scans`,
        });
    }
  }

  const counts = {
    indexes: indexes.length,
    unused: 0,
    duplicate: 0,
    redundant: 0,
    invalid: 0,
    bloated: 0,
    droppable: 0,
    droppableBytes: 0,
  };
  for (const i of indexes) {
    if (!i.valid && !i.beingBuilt) {
      i.badges.push({
        kind: 'invalid',
        reason: 'invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX left it): updated on every write, never used by queries',
      });
    }
    if (i.valid && !protectsData(i) && i.scans === 0)
      i.badges.push({ kind: 'unused', reason: `no index scans ${since(report.statsResetAt)}` });
    if (i.method === 'btree' && !i.locked && i.rows !== undefined && i.storedWidth !== undefined) {
      const estimate = estimateBtreeBloat({
        bytes: i.bytes,
        rows: i.rows,
        storedWidth: i.storedWidth,
        fillfactor: i.fillfactor,
        blockSize: report.blockSize,
      });
      i.bloatBytes = estimate.wastedBytes;
      if (estimate.wastedPercent >= options.bloatedPercent && estimate.wastedBytes >= options.bloatedMinBytes) {
        i.badges.push({
          kind: 'bloated',
          reason: `about ${Math.round(estimate.wastedPercent)}% of it is estimated free space; REINDEX CONCURRENTLY would shrink it`,
        });
      }
    }
    i.droppable = !protectsData(i) && i.badges.some((b) => DROP_REASONS.includes(b.kind));
    for (const b of i.badges) counts[b.kind]++;
    if (i.droppable) {
      counts.droppable++;
      counts.droppableBytes += i.bytes;
    }
  }
  return { statsResetAt: report.statsResetAt, indexes, counts };
}
