/**
 * Index selection under a storage budget: greedy by net benefit per byte (the "Extend"/DB2Advis
 * family evaluated by Kossmann et al., VLDB 2020), guarded against the greedy's knapsack blind spot
 * by a second greedy run seeded with the best single index, then consolidated (one index replacing one or two of the same table for
 * the same value in fewer bytes: a merged index instead of two separate ones) and pruned of members
 * the rest of the set made useless. Pure: the
 * workload's read cost comes from an oracle (what-if plans in production, a table in unit tests);
 * the write cost is the set's (`setWriteCosts`): one index that breaks HOT makes every index of its
 * table pay for the updates.
 */
import { IndexWrites, setWriteCosts } from './writeCost';

export interface SelectionItem extends IndexWrites {
  key: string;
  bytes: number;
  /** Its table: consolidation replaces indexes of one table only, and HOT updates are lost per table. */
  table: string;
}

/** Weighted read cost of each statement of the workload with `set` in place (and nothing else new). */
export type ReadCostOracle<T extends SelectionItem> = (set: T[]) => Promise<number[]>;

export interface Limits {
  budgetBytes: number;
  maxIndexes: number;
}

export interface SelectionStep {
  bytes: number;
  readCost: number;
  writeCost: number;
}

export interface Selection<T> {
  chosen: T[];
  baseCost: number;
  readCost: number;
  writeCost: number;
  /** After each greedy pick: the set's bytes and costs (the budget curve of an unconstrained run). */
  steps: SelectionStep[];
}

export const UNLIMITED: Limits = { budgetBytes: Infinity, maxIndexes: Infinity };

/** Below this many bytes an index still costs a page or so: keeps the per-byte ratio finite. */
const MIN_BYTES = 8192;
/**
 * What counts as a difference: the smaller of two shares of the statements whose cost it changes.
 * This one of what they cost before any new index, measured per statement, so that a rarely run
 * statement still gets its index ...
 */
const MIN_STATEMENT_GAIN = 0.01;
/**
 * ... or a share of what they cost now (with the better of the two sets), so that a statement
 * that cost orders of magnitude more than the rest before its first index (TPC-H's Q20) cannot
 * make every later difference on it look like noise. A pick (or a member kept by pruning) must
 * save at least half: less is the width of an index, a slightly narrower copy of one already
 * chosen (an index-only scan of a few pages costs a fifth more through a wider INCLUDE), not a need.
 */
const WIDTH_SLACK = 0.5;
/**
 * Consolidation's tie: one merged index serving two statements is wider than the narrow ones, and
 * an index-only scan of a few pages can cost twice as much through it, which is still nothing
 * against the scan it replaced; a loss beyond that is a need given up, not width.
 */
const MERGE_SLACK = 1;
/** Benefits this close to zero are planner noise, not a reason to build an index. */
const NOISE = 1e-6;

export async function selectIndexes<T extends SelectionItem>(
  candidates: T[],
  readCost: ReadCostOracle<T>,
  limits: Limits,
): Promise<Selection<T>> {
  const base = await readCost([]);
  const baseCost = sum(base, (x) => x);
  const difference = (slack: number) => (from: number[], to: number[]) =>
    Math.min(MIN_STATEMENT_GAIN * sum(base, (x, i) => (to[i] !== from[i] ? x : 0)), slack * changedCost(from, to)) + NOISE;
  const minGain = difference(WIDTH_SLACK);
  const fits = (c: T, used: number) => c.bytes <= limits.budgetBytes - used;
  const value = (r: Costed<T>) => baseCost - total(r.costs) - writeCostOf(r.chosen);
  let bestSingle: Costed<T> | undefined;

  /** Greedy by net benefit per byte from `seed`; the first round also finds the best single index. */
  const greedy = async (seed: Costed<T>) => {
    const chosen = [...seed.chosen];
    let current = seed.costs;
    let used = sum(chosen, (c) => c.bytes);
    const steps: SelectionStep[] = [];
    while (chosen.length < limits.maxIndexes) {
      let best: { item: T; costs: number[]; score: number } | undefined;
      for (const c of candidates) {
        if (chosen.includes(c) || !fits(c, used)) continue;
        const costs = await readCost([...chosen, c]);
        const net = total(current) - total(costs) - (writeCostOf([...chosen, c]) - writeCostOf(chosen));
        if (net <= minGain(current, costs)) continue;
        if (!chosen.length && (!bestSingle || net > value(bestSingle))) bestSingle = { chosen: [c], costs };
        const score = net / Math.max(c.bytes, MIN_BYTES);
        if (!best || score > best.score) best = { item: c, costs, score };
      }
      if (!best) break;
      chosen.push(best.item);
      current = best.costs;
      used += best.item.bytes;
      steps.push({ bytes: used, readCost: total(current), writeCost: writeCostOf(chosen) });
    }
    return { result: { chosen, costs: current }, steps };
  };
  const plain = await greedy({ chosen: [], costs: base });
  const steps = plain.steps;
  let result = plain.result;
  // Value per byte can fill a small budget with small indexes worth less than the best one alone:
  // the greedy then also runs from that index, and the better of the two sets is kept.
  if (bestSingle && !result.chosen.includes(bestSingle.chosen[0])) {
    const seeded = (await greedy(bestSingle)).result;
    if (value(seeded) > value(result) + NOISE) result = seeded;
  }
  result = await consolidate(result, candidates, readCost, limits, difference(MERGE_SLACK));
  result = await prune(result, readCost, minGain);
  return { chosen: result.chosen, baseCost, readCost: total(result.costs), writeCost: writeCostOf(result.chosen), steps };
}

type Costed<T> = { chosen: T[]; costs: number[] };

/**
 * Replaces one or two chosen indexes of a table by one other candidate of that table when the set
 * then is worth at least as much (read cost saved minus write cost) in fewer bytes. Greedy by
 * value per byte picks two narrow single-statement indexes before the merged one that serves both.
 */
async function consolidate<T extends SelectionItem>(
  set: Costed<T>,
  candidates: T[],
  readCost: ReadCostOracle<T>,
  limits: Limits,
  tie: (from: number[], to: number[]) => number,
): Promise<Costed<T>> {
  let { chosen, costs: current } = set;
  const value = (costs: number[], s: T[]) => -total(costs) - writeCostOf(s);
  for (const m of candidates) {
    if (chosen.includes(m)) continue;
    const sameTable = chosen.filter((c) => c.table === m.table);
    const replaceable = [...sameTable.map((a) => [a]), ...sameTable.flatMap((a, i) => sameTable.slice(i + 1).map((b) => [a, b]))];
    for (const out of replaceable) {
      const next = [...chosen.filter((c) => !out.includes(c)), m];
      const bytes = sum(next, (c) => c.bytes);
      if (bytes >= sum(chosen, (c) => c.bytes) || bytes > limits.budgetBytes || next.length > limits.maxIndexes) continue;
      const costs = await readCost(next);
      // A wider merged index costs a little more to scan than the narrow one it replaces: a tie when
      // the loss is that width (never a share of the whole workload).
      if (value(costs, next) >= value(current, chosen) - tie(current, costs)) {
        chosen = next;
        current = costs;
        break;
      }
    }
  }
  return { chosen, costs: current };
}

/** Drops members whose removal does not lower the set's value (a merged index later made a single one useless). */
async function prune<T extends SelectionItem>(
  set: Costed<T>,
  readCost: ReadCostOracle<T>,
  minGain: (from: number[], to: number[]) => number,
): Promise<Costed<T>> {
  let { chosen, costs: current } = set;
  for (const c of [...chosen]) {
    if (chosen.length < 2) break;
    const without = chosen.filter((x) => x !== c);
    const costs = await readCost(without);
    if (total(costs) - total(current) <= writeCostOf(chosen) - writeCostOf(without) + minGain(current, costs)) {
      chosen = without;
      current = costs;
    }
  }
  return { chosen, costs: current };
}

const total = (costs: number[]) => sum(costs, (x) => x);
const writeCostOf = (set: SelectionItem[]) => total(setWriteCosts(set));

/** What the statements whose cost differs between two sets cost with the better of the two. */
const changedCost = (from: number[], to: number[]) => sum(from, (x, i) => (to[i] !== x ? Math.min(x, to[i]) : 0));

function sum<T>(list: T[], f: (x: T, i: number) => number): number {
  return list.reduce((s, x, i) => s + f(x, i), 0);
}
