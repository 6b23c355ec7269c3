import { readAdviceCatalog } from '../catalog/forAdvice';
import { readTables, TableInfo } from '../catalog/tables';
import { Database, Session } from '../db/database';
import { formatBytes } from '../format';
import { isProduction, rolledBack, singleStatement, StatementInput } from '../db/safeExplain';
import { Plan } from '../plan/types';
import { Run } from '../run';
import { secondsToMs, Settings } from '../settings/schema';
import { qualifiedName } from '../sql/ident';
import { TableUsage } from '../sql/shape';
import { Candidate, createIndexDdl, dropIndexDdl, indexName, trialBuildSql } from './candidate';
import { baselinePlan } from './baseline';
import { keepThoseThatEarnTheirPlace, repeatsExistingKeys } from './earnsPlace';
import { DEFAULT_CANDIDATE_OPTIONS, generateCandidates } from './generate';
import { withPartitionedDdl } from './partitioned';
import { PhaseClock, PhaseTimings } from './phases';
import { statementShape } from './planShape';
import { servedByExisting } from './served';
import { Advice, Alternative, Suggestion } from './types';
import { uniqueIndexNames } from './uniqueName';
import { verifiedReason } from './verifiedReason';
import { whyNoIndex } from './whyNot';
import { weighWriteCost, writesOf } from './writeCost';
import { IndexProbe, Probed, WhatIf, WhatIfOptions } from './whatIf';

/**
 * The statement to advise on. Limits come from the run's settings (advisor.*, statementTimeoutSeconds)
 * and the safeguards from the profile's environment (production: read-only, no trial builds).
 */
export interface AdviseInput extends StatementInput {
  /** EXPLAIN ANALYZE for the baseline (default true). */
  analyze?: boolean;
  /** Plans cheaper than this are left alone: no index is worth its upkeep there (default 100 cost units). */
  minPlanCost?: number;
}

/** "Explain again with these indexes": the statement and the suggestions to put in place. */
export interface WithIndexesInput extends Omit<StatementInput, 'sideEffects'> {
  suggestions: Suggestion[];
}

/** A candidate the planner was asked about, for the "why not that index?" question. */
export interface Considered {
  ddl: string;
  round: number;
  costAfter: number;
  used: boolean;
  verifiedBy: Probed['verifiedBy'];
}

export interface AdviseTimings {
  /** Wall time of the baseline EXPLAIN [ANALYZE] as the client saw it. */
  baselineMs: number;
  /** Wall time of the whole advise() call; the difference is the advisor's own overhead. */
  totalMs: number;
  /** That overhead phase by phase (they add up to totalMs − baselineMs). */
  phases: PhaseTimings;
}

export type AdviseResult = Advice & { before: Plan; considered: Considered[]; timings: AdviseTimings };

const DEFAULT_MIN_PLAN_COST = 100;
/** Costs this close count as a tie, decided by the smaller index. */
const TIE = 0.05;
/** Greedy rounds: one per table that still benefits (joins need an index on each side). */
const MAX_ROUNDS = 3;

const TABLE_BYTES_SQL = 'SELECT pg_table_size(to_regclass($1)) AS bytes';

/**
 * The advisor's path: safe baseline EXPLAIN, query shape, catalog, candidates, verification
 * against the real planner, ranking. All in one session and one transaction that is rolled back.
 */
export async function advise(db: Database, input: AdviseInput, run: Run): Promise<AdviseResult> {
  const started = performance.now();
  const clock = new PhaseClock(started);
  /** Tables whose chosen index a note already says was left out (the write cost): no second, generic why-not. */
  const leftOut: string[] = [];
  const statement = singleStatement(input.sql);
  const progress = run.onProgress ?? (() => undefined);
  const production = isProduction(db.profile);
  const analyze = input.analyze !== false;
  const result = await db.withSession(
    (session) =>
      session.transaction(rolledBack(run.settings, production), async () => {
        clock.lap('session');
        progress(analyze ? 'Running EXPLAIN ANALYZE (rolled back afterwards)' : 'Running EXPLAIN');
        const baselineStarted = performance.now();
        const before = await baselinePlan(session, statement, {
          analyze,
          params: input.params,
          sideEffects: input.sideEffects,
          production,
          timeoutSeconds: run.settings.statementTimeoutSeconds,
        });
        const timings = { baselineMs: performance.now() - baselineStarted, totalMs: 0, phases: clock.phases };
        clock.skip();
        const base: AdviseResult = {
          statement,
          plan: summary(before),
          suggestions: [],
          notes: [...(before.notes ?? [])],
          before,
          considered: [],
          timings,
        };
        if (before.totalCost < (input.minPlanCost ?? DEFAULT_MIN_PLAN_COST)) {
          base.notes.push(
            `The plan is already cheap (cost ${before.totalCost.toFixed(1)}): no index would make a difference worth its upkeep.`,
          );
          return base;
        }
        const { shape, note } = statementShape(statement, before);
        if (note) base.notes.push(note);
        clock.lap('shape');
        progress('Reading statistics and existing indexes');
        const catalog = await readAdviceCatalog(session, [...new Set(shape.tables.map(nameOfUsage))], columnsUsed(shape.tables));
        const caps = capabilities(catalog.extensions);
        const tables = byUsage(shape.tables, catalog.tables);
        const existing = catalog.indexes;
        clock.lap('catalog');
        const generated = generateCandidates(shape, tables, {
          ...DEFAULT_CANDIDATE_OPTIONS,
          pgTrgmInstalled: caps.pg_trgm,
          partialMinExcluded: run.settings['advisor.partialMinExcludedPercent'] / 100,
        });
        base.notes.push(...generated.notes);
        const candidates = generated.candidates.filter((c) => {
          const served = servedByExisting(c, existing);
          if (served) base.notes.push(`${served.name} already serves ${indexName(c)}.`);
          return !served;
        });
        if (!caps.hypopg)
          base.notes.push(
            'HypoPG is not installed in this database: candidates are verified by trial builds inside a rolled-back transaction (CREATE EXTENSION hypopg makes this instant).',
          );
        clock.lap('candidates');
        if (!candidates.length) return base;

        progress(`Verifying ${candidates.length} candidate index${candidates.length === 1 ? '' : 'es'} against the planner`);
        const whatIf = new WhatIf(session, statement, whatIfOptions(run.settings, input.params, caps.hypopg, production));
        const nameOf = uniqueIndexNames(catalog.takenNames);
        try {
          const repeats = (c: Candidate, r: Probed, name: string) => repeatsExistingKeys(c, r, existing, before, name);
          const chosen = await chooseGreedily(
            whatIf,
            candidates,
            tables,
            before.totalCost,
            minImprovementOf(run.settings),
            base,
            repeats,
            nameOf,
            clock,
          );
          const writes = writesOf(before, shape.kind, shape.setColumns);
          const rowsOf = (c: Candidate) => [...tables.values()].find((t) => t.schema === c.schema && t.name === c.table)?.rows ?? 0;
          const weighed = writes
            ? await weighWriteCost(whatIf, chosen, writes, rowsOf, minImprovementOf(run.settings), base.notes)
            : chosen;
          for (const { candidate: c, probe } of chosen)
            if (!weighed.some((w) => w.probe.name === probe.name)) leftOut.push(c.table, `${c.schema}.${c.table}`);
          const partitioned = new Set([...tables.values()].filter((t) => t.kind === 'p').map((t) => `${t.schema}.${t.name}`));
          base.suggestions = await withPartitionedDdl(session, await toSuggestions(weighed, whatIf, before), (t) => partitioned.has(t));
        } finally {
          await whatIf.dispose();
          clock.lap('judgement');
        }
        return base;
      }),
    run.signal,
  );
  if (!result.suggestions.length) result.notes.push(...whyNoIndex(result.before, new Set(leftOut)));
  clock.lap('release');
  result.timings.totalMs = performance.now() - started;
  return result;
}

interface Choice {
  candidate: Candidate;
  probe: IndexProbe;
  result: Probed;
  /** Another index that also qualifies, shown beside it for the user to pick (the btree beside a BRIN). */
  alternative?: Choice;
}

/**
 * Greedy selection: each round, try every remaining candidate with the already chosen ones in
 * place and keep the cheapest plan that uses it; one index per table. The final set must cut the
 * cost by `minImprovement`, and any member whose removal costs nothing is dropped.
 */
async function chooseGreedily(
  whatIf: WhatIf,
  candidates: Candidate[],
  tables: Map<TableUsage, TableInfo>,
  baseCost: number,
  minImprovement: number,
  out: Pick<AdviseResult, 'notes' | 'considered'>,
  /** Why a candidate may not be chosen whatever its cost (it repeats an existing index's keys), or undefined. */
  refused: (c: Candidate, result: Probed, name: string) => string | undefined,
  nameOf: (c: Candidate) => string,
  clock: PhaseClock,
): Promise<Choice[]> {
  const notes = out.notes;
  const tableBytes = new Map([...tables.values()].map((t) => [`${t.schema}.${t.name}`, t.tableBytes]));
  const probes = new Map(candidates.map((c) => [c, toProbe(c, tableBytes.get(`${c.schema}.${c.table}`) ?? 0, nameOf(c))]));
  const chosen: Choice[] = [];
  const unverifiable: Choice[] = [];
  let current = baseCost;
  let remaining = candidates;
  for (let round = 0; round < MAX_ROUNDS && remaining.length; round++) {
    const tried: Choice[] = [];
    for (const c of remaining) {
      const result = await whatIf.probe(probes.get(c)!);
      out.considered.push({
        ddl: createIndexDdl(c, probes.get(c)!.name),
        round,
        costAfter: result.plan.totalCost,
        used: result.used,
        verifiedBy: result.verifiedBy,
      });
      if (result.verifiedBy === 'none' && round === 0 && result.note) unverifiable.push({ candidate: c, probe: probes.get(c)!, result });
      const refusal = result.used ? refused(c, result, probes.get(c)!.name) : undefined;
      if (refusal && !notes.includes(refusal)) notes.push(refusal);
      if (result.used && !refusal && result.plan.totalCost < current * (1 - 0.02))
        tried.push({ candidate: c, probe: probes.get(c)!, result });
    }
    const best = preferBrin(pickBest(tried), tried, baseCost * (1 - minImprovement));
    if (!best) break;
    chosen.push(best);
    current = best.result.plan.totalCost;
    remaining = remaining.filter((c) => !(c.schema === best.candidate.schema && c.table === best.candidate.table));
    // Later rounds plan with the chosen indexes in place; a single-table statement has none.
    if (remaining.length) await whatIf.apply(best.probe);
  }
  clock.lap('whatIf');
  const earning = await keepThoseThatEarnTheirPlace(whatIf, chosen, minImprovement, notes);
  if (earning.length < chosen.length) {
    chosen.splice(0, chosen.length, ...earning);
    current = chosen[chosen.length - 1].result.plan.totalCost;
  }
  const enough = chosen.length > 0 && current <= baseCost * (1 - minImprovement);
  if (chosen.length && !enough) {
    notes.push(
      `The best index set only cut the estimated cost from ${baseCost.toFixed(0)} to ${current.toFixed(0)} (less than ${Math.round(minImprovement * 100)}%): not worth its upkeep.`,
    );
  } else if (!chosen.length && !unverifiable.length) {
    notes.push('No candidate index made the planner choose a cheaper plan.');
  }
  // Indexes nobody could verify are still shown (marked so) for tables without a verified choice.
  const verified = enough ? chosen : [];
  const unverifiedTables = new Set<string>();
  for (const u of unverifiable) {
    const key = `${u.candidate.schema}.${u.candidate.table}`;
    if (verified.some((c) => `${c.candidate.schema}.${c.candidate.table}` === key) || unverifiedTables.has(key)) continue;
    unverifiedTables.add(key);
    verified.push(u);
  }
  return verified;
}

/**
 * Lowest cost wins. Among near-ties, the index that serves more of the query (more key columns:
 * it also avoids a sort or filters more) wins, then the smaller one (no INCLUDE baggage).
 */
function pickBest(tried: Choice[]): Choice | undefined {
  const cost = (c: Choice) => c.result.plan.totalCost;
  const cheapest = Math.min(...tried.map(cost));
  const close = tried.filter((c) => cost(c) <= cheapest * (1 + TIE) + 0.01);
  return close.sort(
    (a, b) =>
      b.candidate.keys.length - a.candidate.keys.length ||
      (a.result.sizeBytes ?? Infinity) - (b.result.sizeBytes ?? Infinity) ||
      cost(a) - cost(b),
  )[0];
}

/**
 * When the winner is a btree led by a range column and a BRIN index on that column also cuts the
 * cost by the required margin, take the BRIN: the planner costs lossy bitmap scans pessimistically,
 * while on a column stored in its own order BRIN reads about as few blocks at a fraction of a
 * percent of the btree's size and almost no write overhead.
 */
function preferBrin(best: Choice | undefined, tried: Choice[], goodEnoughCost: number): Choice | undefined {
  if (!best || best.candidate.method !== 'btree') return best;
  const lead = best.candidate.keys[0]?.column;
  const brin = tried.find(
    (c) =>
      c.candidate.method === 'brin' &&
      c.candidate.table === best.candidate.table &&
      c.candidate.keys[0].column === lead &&
      c.result.plan.totalCost <= goodEnoughCost,
  );
  if (!brin) return best;
  const sizes =
    brin.result.sizeBytes && best.result.sizeBytes
      ? ` (${formatBytes(brin.result.sizeBytes)} instead of ${formatBytes(best.result.sizeBytes)})`
      : '';
  const why =
    `. BRIN is the default: a fraction of the btree's size${sizes} and almost no write overhead. ` +
    `The btree is the alternative: the planner estimates it cheaper (${fmt(best.result.plan.totalCost)} vs ${fmt(brin.result.plan.totalCost)}), ` +
    'partly because it costs BRIN’s lossy bitmap scan pessimistically; pick it when read speed matters more than size';
  return { ...brin, alternative: best, candidate: { ...brin.candidate, reason: brin.candidate.reason + why } };
}

async function toSuggestions(chosen: Choice[], whatIf: WhatIf, before: Plan): Promise<Suggestion[]> {
  // Real timings exist only for trial builds (HypoPG indexes cannot execute): measure once with all of them.
  const measurable = before.analyzed && chosen.length > 0 && chosen.every((c) => c.result.verifiedBy === 'trial-build');
  let msAfter: number | null = null;
  if (measurable) {
    for (const c of chosen) await whatIf.apply(c.probe);
    const after = await whatIf.plan(true);
    msAfter = after.analyzed ? after.executionMs : null;
  }
  return chosen.map((choice, i) => {
    const { candidate: c, probe, result } = choice;
    const unverified = result.verifiedBy === 'none';
    const together = i > 0 ? ` Together with the suggestion${i > 1 ? 's' : ''} above.` : '';
    const gain = unverified ? '' : ` Estimated cost ${fmt(before.totalCost)} → ${fmt(result.plan.totalCost)}.`;
    const verified = unverified ? '' : verifiedReason(before, result.plan, result.planName, c.table);
    return {
      table: `${c.schema}.${c.table}`,
      method: c.method,
      kinds: c.kinds,
      name: probe.name,
      ddl: createIndexDdl(c, probe.name),
      down: dropIndexDdl(c, probe.name),
      requires: c.requires,
      reason: `${capitalize(c.reason)}.${verified ? ` ${verified}` : ''}${gain}${together}${unverified ? ` Not verified: ${result.note}` : ''}`,
      evidence: {
        costBefore: before.totalCost,
        costAfter: unverified ? before.totalCost : result.plan.totalCost,
        msBefore: before.executionMs,
        msAfter,
        sizeBytes: result.sizeBytes,
        verifiedBy: result.verifiedBy,
        ...(result.note ? { note: result.note } : {}),
      },
      ...(choice.alternative ? { alternatives: [alternativeOf(choice.alternative)] } : {}),
    };
  });
}

function alternativeOf({ candidate: c, probe, result }: Choice): Alternative {
  return {
    method: c.method,
    kinds: c.kinds,
    name: probe.name,
    ddl: createIndexDdl(c, probe.name),
    down: dropIndexDdl(c, probe.name),
    costAfter: result.plan.totalCost,
    sizeBytes: result.sizeBytes,
    verifiedBy: result.verifiedBy,
  };
}

/** The same verification settings for advising and for "explain again with this index"; production never builds. */
export function whatIfOptions(settings: Settings, params: unknown[] | undefined, hypopg: boolean, production: boolean): WhatIfOptions {
  return {
    hypopg,
    trialBuilds: !production,
    trialBuildMaxBytes: settings['advisor.trialBuildMaxMB'] * 1024 * 1024,
    trialBuildTimeoutMs: secondsToMs(settings['advisor.trialBuildTimeoutSeconds']),
    statementTimeoutMs: secondsToMs(settings.statementTimeoutSeconds),
    params,
  };
}

/** A suggestion must cut the plan's cost by at least this share. */
const minImprovementOf = (settings: Settings) => settings['advisor.minImprovementPercent'] / 100;

export function toProbe(c: Candidate, tableBytes: number, name = indexName(c)): IndexProbe {
  return {
    name,
    createSql: trialBuildSql(c, name),
    table: `${c.schema}.${c.table}`,
    needsTrialBuild: c.needsTrialBuild,
    tableBytes,
    requires: c.requires,
  };
}

/** Catalog facts for each table usage (names resolved through search_path like the query's). */
export async function tablesOf(session: Session, usages: TableUsage[]): Promise<Map<TableUsage, TableInfo>> {
  return byUsage(usages, await readTables(session, [...new Set(usages.map(nameOfUsage))], columnsUsed(usages)));
}

/** The name of a usage's table as the catalog query resolves it (through search_path when unqualified). */
const nameOfUsage = (u: TableUsage) => qualifiedName(u.schema, u.table);

/** The columns whose statistics matter: those the statement reads, tests or joins on. */
function columnsUsed(usages: TableUsage[]): string[] {
  const used = usages.flatMap((u) => [
    ...u.columnsRead,
    ...u.predicates.flatMap((p) => p.target.columns),
    ...u.joinKeys.map((j) => j.column),
  ]);
  return [...new Set(used)];
}

function byUsage(usages: TableUsage[], infos: TableInfo[]): Map<TableUsage, TableInfo> {
  const byName = new Map(infos.map((t) => [t.wanted, t]));
  const out = new Map<TableUsage, TableInfo>();
  for (const u of usages) {
    const info = byName.get(nameOfUsage(u));
    if (info) out.set(u, info);
  }
  return out;
}

/** "schema.table" as a suggestion names it → text to_regclass reads (quoted where needed). */
function regclassText(table: string): string {
  const dot = table.indexOf('.');
  return qualifiedName(table.slice(0, dot), table.slice(dot + 1));
}

/** Whether HypoPG and pg_trgm are installed in this database (their state can change between two runs). */
function capabilities(installed: ReadonlySet<string>): { hypopg: boolean; pg_trgm: boolean } {
  return { hypopg: installed.has('hypopg'), pg_trgm: installed.has('pg_trgm') };
}

function summary(plan: Plan): Advice['plan'] {
  return { totalCost: plan.totalCost, executionMs: plan.executionMs, planningMs: plan.planningMs };
}

/**
 * "Explain again with this index": the plan with the given suggestions in place (HypoPG, or
 * trial builds where HypoPG cannot), inside a rolled-back transaction.
 */
export async function explainWithIndexes(db: Database, input: WithIndexesInput, run: Run): Promise<Plan> {
  const statement = singleStatement(input.sql);
  const production = isProduction(db.profile);
  return db.withSession(
    (session) =>
      session.transaction(rolledBack(run.settings, production), async () => {
        const caps = capabilities((await readAdviceCatalog(session, [], [])).extensions);
        const whatIf = new WhatIf(session, statement, whatIfOptions(run.settings, input.params, caps.hypopg, production));
        try {
          for (const s of input.suggestions) await whatIf.apply(await probeOfSuggestion(session, s));
          return await whatIf.plan(false);
        } finally {
          await whatIf.dispose();
        }
      }),
    run.signal,
  );
}

/** A suggested index (or an alternative, given its suggestion's table and requires) as a what-if probe. */
export async function probeOfSuggestion(
  session: Session,
  s: Pick<Suggestion, 'name' | 'ddl' | 'table' | 'method' | 'requires'>,
): Promise<IndexProbe> {
  const tableBytes = Number((await session.query<{ bytes: string }>(TABLE_BYTES_SQL, [regclassText(s.table)])).rows[0]?.bytes ?? 0);
  return { name: s.name, createSql: plainCreate(s), table: s.table, needsTrialBuild: s.method === 'gin', tableBytes, requires: s.requires };
}

/** The suggestion's DDL without CONCURRENTLY / IF NOT EXISTS, for a probe inside a transaction. */
function plainCreate(s: Pick<Suggestion, 'ddl'>): string {
  // A partitioned table's DDL is several statements; the first, without ONLY, is the index (HypoPG takes the parent).
  const first = s.ddl.split(';\n')[0];
  return first
    .replace(/^CREATE INDEX (CONCURRENTLY )?IF NOT EXISTS /, 'CREATE INDEX ')
    .replace(/ ON ONLY /, ' ON ')
    .replace(/;\s*$/, '');
}

const fmt = (n: number) => n.toFixed(n < 100 ? 2 : 0);
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
