import { estimateBtreeBloat } from './bloat';
import { AnalyzedIndex, Badge, BadgeKind, DEFAULT_USAGE_OPTIONS, IndexAnalysis, IndexUsage, IndexUsageReport, UsageKey, UsageOptions } from './types';

const DROP_REASONS: readonly BadgeKind[] = ['unused', 'duplicate', 'redundant', 'invalid'];

const keySignature = (k: UsageKey) => `${k.text}\u0000${k.opclass}\u0000${k.desc}\u0000${k.nullsFirst}\u0000${k.collation ?? ''}`;
const fullName = (i: IndexUsage) => `${i.schema}.${i.name}`;
const protectsData = (i: IndexUsage) => i.unique || i.constraint !== undefined;

/** Identical indexes share this: same method, keys (opclass, order, collation), INCLUDE list and predicate. */
function signature(i: IndexUsage): string {
  return [i.method, i.keys.map(keySignature).join('\u0001'), i.include.join('\u0001'), i.predicate ?? ''].join('\u0002');
}

/** Of identical indexes, the one to keep: the constraint's, else a unique one, else the most scanned, else the first by name. */
function keepFirst(a: IndexUsage, b: IndexUsage): number {
  return Number(!!b.constraint) - Number(!!a.constraint) || Number(b.unique) - Number(a.unique) || b.scans - a.scans || a.name.localeCompare(b.name);
}

/**
 * A is redundant when B starts with all of A's keys (same opclass, order and collation), has
 * more, uses the same method and predicate, and stores every column A's INCLUDE list adds:
 * any scan A serves, B serves. A unique A is never redundant (it enforces something B does not).
 */
function coveredBy(a: IndexUsage, b: IndexUsage): boolean {
  if (a === b || a.unique || a.method !== b.method || (a.predicate ?? '') !== (b.predicate ?? '')) return false;
  if (b.keys.length <= a.keys.length || !a.keys.every((k, n) => keySignature(k) === keySignature(b.keys[n]))) return false;
  const stored = new Set([...b.keys.map((k) => k.text), ...b.include]);
  return a.include.every((c) => stored.has(c));
}

function since(statsResetAt: string | undefined): string {
  return statsResetAt ? `since the statistics reset on ${statsResetAt.slice(0, 10)}` : 'since statistics collection began';
}

/** Badges for every index (unused, duplicate, redundant, invalid, bloated) and whether it may be proposed for dropping. */
export function analyzeIndexUsage(report: IndexUsageReport, options: UsageOptions = DEFAULT_USAGE_OPTIONS): IndexAnalysis {
  const badges = new Map<IndexUsage, Badge[]>(report.indexes.map((i) => [i, []]));
  const bloat = new Map<IndexUsage, number>();
  const byTable = new Map<string, IndexUsage[]>();
  for (const i of report.indexes) {
    const key = `${i.schema}\u0000${i.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), i]);
  }

  for (const indexes of byTable.values()) {
    // Locked indexes have no keys to compare.
    const usable = indexes.filter((i) => i.valid && !i.locked);
    const groups = new Map<string, IndexUsage[]>();
    for (const i of usable) groups.set(signature(i), [...(groups.get(signature(i)) ?? []), i]);
    const duplicates = new Set<IndexUsage>();
    for (const group of groups.values()) {
      const [keep, ...others] = [...group].sort(keepFirst);
      for (const i of others) {
        duplicates.add(i);
        badges.get(i)!.push({ kind: 'duplicate', other: fullName(keep), reason: `same definition as ${keep.name}` });
      }
    }
    for (const a of usable) {
      if (duplicates.has(a)) continue;
      const wider = usable.find((b) => !duplicates.has(b) && coveredBy(a, b));
      if (wider) badges.get(a)!.push({ kind: 'redundant', other: fullName(wider), reason: `its keys are a prefix of ${wider.name}, which serves the same scans` });
    }
  }

  for (const i of report.indexes) {
    const own = badges.get(i)!;
    if (!i.valid && !i.beingBuilt) {
      own.push({ kind: 'invalid', reason: 'invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX left it): updated on every write, never used by queries' });
    }
    if (i.valid && !protectsData(i) && i.scans === 0) own.push({ kind: 'unused', reason: `no index scans ${since(report.statsResetAt)}` });
    if (i.method === 'btree' && !i.locked && i.rows !== undefined && i.storedWidth !== undefined) {
      const estimate = estimateBtreeBloat({ bytes: i.bytes, rows: i.rows, storedWidth: i.storedWidth, fillfactor: i.fillfactor, blockSize: report.blockSize });
      bloat.set(i, estimate.wastedBytes);
      if (estimate.wastedPercent >= options.bloatedPercent && estimate.wastedBytes >= options.bloatedMinBytes) {
        own.push({ kind: 'bloated', reason: `about ${Math.round(estimate.wastedPercent)}% of it is estimated free space; REINDEX CONCURRENTLY would shrink it` });
      }
    }
  }

  const indexes = report.indexes.map((i): AnalyzedIndex => {
    const own = badges.get(i)!;
    return { ...i, badges: own, droppable: !protectsData(i) && own.some((b) => DROP_REASONS.includes(b.kind)), bloatBytes: bloat.get(i) };
  });
  const count = (kind: BadgeKind) => indexes.filter((i) => i.badges.some((b) => b.kind === kind)).length;
  const droppable = indexes.filter((i) => i.droppable);
  return {
    statsResetAt: report.statsResetAt,
    indexes,
    counts: {
      indexes: indexes.length,
      unused: count('unused'),
      duplicate: count('duplicate'),
      redundant: count('redundant'),
      invalid: count('invalid'),
      bloated: count('bloated'),
      droppable: droppable.length,
      droppableBytes: droppable.reduce((sum, i) => sum + i.bytes, 0),
    },
  };
}
