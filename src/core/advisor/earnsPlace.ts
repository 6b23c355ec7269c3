import { ExistingIndex } from '../catalog/indexes';
import { walkPlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { Candidate } from './candidate';
import { keysServedBy } from './served';
import { IndexProbe, Probed, WhatIf } from './whatIf';

interface Chosen {
  candidate: Candidate;
  probe: IndexProbe;
  result: Probed;
}

/**
 * Marginal benefit: with every other chosen index in place, taking one out must raise the
 * estimated cost by the margin, or it rides along for nothing but upkeep. The weakest such index
 * is dropped and the rest asked again; the survivors' costs are then planned anew, cumulatively in
 * their order. Only sets verified wholly with HypoPG are asked: a trial build cannot be taken out
 * again, and building one just to ask would cost more than the question is worth.
 */
export async function keepThoseThatEarnTheirPlace<C extends Chosen>(
  whatIf: WhatIf,
  chosen: C[],
  minImprovement: number,
  notes: string[],
): Promise<C[]> {
  let set = chosen.filter((c) => c.result.verifiedBy !== 'none');
  if (set.length < 2 || set.some((c) => c.result.verifiedBy !== 'hypopg')) return chosen;
  for (const c of set) await whatIf.apply(c.probe);
  let dropped = false;
  while (set.length > 1) {
    const full = (await whatIf.plan(false)).totalCost;
    let weakest: { choice: C; without: number } | undefined;
    for (const c of set) {
      if (!(await whatIf.unapply(c.probe))) continue;
      const without = (await whatIf.plan(false)).totalCost;
      await whatIf.apply(c.probe);
      if (!weakest || without < weakest.without) weakest = { choice: c, without };
    }
    if (!weakest || full <= weakest.without * (1 - minImprovement)) break;
    notes.push(
      `${weakest.choice.probe.name} is left out: with the other suggestion${set.length > 2 ? 's' : ''} in place it cuts the estimated cost ` +
        `only from ${weakest.without.toFixed(0)} to ${full.toFixed(0)} (less than ${Math.round(minImprovement * 100)}%), not worth its upkeep.`,
    );
    await whatIf.unapply(weakest.choice.probe);
    set = set.filter((c) => c !== weakest!.choice);
    dropped = true;
  }
  if (dropped) {
    for (const c of set) await whatIf.unapply(c.probe);
    for (const c of set) {
      await whatIf.apply(c.probe);
      c.result = { ...c.result, plan: await whatIf.plan(false) };
    }
  }
  return chosen.filter((c) => c.result.verifiedBy === 'none' || set.includes(c));
}

/**
 * A candidate that repeats an existing index's keys (the primary key included) only earns its
 * place when its INCLUDE list turns a heap-fetching scan of that index, measured in the baseline
 * plan, into an index-only scan in its own plan. Returns why it does not, or undefined when it may stay.
 */
export function repeatsExistingKeys(
  c: Candidate,
  result: Probed,
  existing: ExistingIndex[],
  before: Plan,
  name: string,
): string | undefined {
  const repeated = existing.find((ix) => ix.valid && ix.schema === c.schema && ix.table === c.table && keysServedBy(ix, c));
  if (!repeated) return undefined;
  const heapFetching =
    before.analyzed &&
    [...walkPlan(before.root)].some(
      (n) => n.index === repeated.name && (n.nodeType === 'Index Scan' || (n.nodeType === 'Index Only Scan' && (n.heapFetches ?? 0) > 0)),
    );
  const indexOnly = [...walkPlan(result.plan.root)].some((n) => n.nodeType === 'Index Only Scan' && n.index === result.planName);
  if (c.include.length && heapFetching && indexOnly) return undefined;
  return (
    `${name} repeats the keys of ${repeated.name}` +
    (c.include.length
      ? `: its INCLUDE (${c.include.join(', ')}) does not turn a measured heap-fetching scan of ${repeated.name} into an index-only scan, so it is left out.`
      : ', so it is left out.')
  );
}
