/**
 * Workload advice: the index set for many statements at once, under a storage budget, weighing
 * each index's read benefit (what-if plans of every statement it may serve) against its write
 * cost, verified as a set. One session, one rolled-back transaction (read only on production);
 * statements are only ever planned (plain EXPLAIN, generic plans for $n), never run.
 */
import * as crypto from 'crypto';
import { tablesOf, toProbe, whatIfOptions } from '../advisor/advise';
import { Candidate, candidateKey, createIndexDdl, dropIndexDdl, indexName, trialBuildSql } from '../advisor/candidate';
import { DEFAULT_CANDIDATE_OPTIONS, generateCandidates } from '../advisor/generate';
import { servedByExisting } from '../advisor/served';
import { WhatIf } from '../advisor/whatIf';
import { readIndexes } from '../catalog/indexes';
import { TableInfo } from '../catalog/tables';
import { Database, Session } from '../db/database';
import { explainInSession, isProduction, rolledBack, singleStatement } from '../db/safeExplain';
import { readServerInfo } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { formatBytes } from '../format';
import { walkPlan } from '../plan/parse';
import { PlanNode } from '../plan/types';
import { Run } from '../run';
import { tryExtractShape } from '../sql/parse';
import { emptyUsage, QueryShape, TableUsage } from '../sql/shape';
import { dropStatements, readUnusedIndexes, replacedIndexes } from './drops';
import { indexableCandidates } from './indexable';
import { mergedCandidates } from './merge';
import { selectIndexes, Selection, UNLIMITED } from './select';
import { plannableStatements, readTopStatements } from './statStatements';
import { ChosenIndex, CurvePoint, ProposedDrop, StatementOutcome, WorkloadInput, WorkloadReport, WorkloadStatement } from './types';
import { IndexOption, optionKey, PlannedStatement, WhatIfCosts } from './whatIfCosts';
import { indexWriteCost, indexWrites, readWriteRates, setWriteCosts, TableWrites, updatedColumns } from './writeCost';

/** Plans cheaper than this get no candidates (as in the single-statement advisor): no index pays there. */
const MIN_PLAN_COST = 100;
/** A candidate must cut some statement's cost by this share alone to enter the search. */
const MIN_SINGLE_GAIN = 0.02;
/** Verification: a statement may not get more expensive than this share. */
const WORSE_MARGIN = 0.01;
/** Bytes per index entry beyond its columns (tuple header and item pointer). */
const ENTRY_OVERHEAD = 12;
const MAX_IDENT_BYTES = 63;

const DATABASE_SIZE_SQL = 'SELECT pg_database_size(current_database())::float8 AS bytes';
/** Rolls a failed plan back without ending the advisor's transaction (names generated here, never from input). */
const SAVEPOINT_SQL = 'SAVEPOINT pgtuner_workload';
const ROLLBACK_TO_SQL = 'ROLLBACK TO SAVEPOINT pgtuner_workload';
const RELEASE_SQL = 'RELEASE SAVEPOINT pgtuner_workload';

interface Analysed extends PlannedStatement {
  shape?: QueryShape;
  tableInfos: Map<QueryShape['tables'][number], TableInfo>;
  costBefore: number;
  /** Rows one call writes, from the plan (INSERT/UPDATE/DELETE). */
  rowsWritten: number;
  baselineIndexes: Set<string>;
  /** The plan without new indexes (the first parameter set's): where syntactic candidates come from. */
  baselinePlan: PlanNode;
}

interface Option extends IndexOption {
  candidate: Candidate;
  name: string;
}

export async function adviseWorkload(db: Database, input: WorkloadInput, run: Run): Promise<WorkloadReport> {
  const started = performance.now();
  const production = isProduction(db.profile);
  const progress = run.onProgress ?? (() => undefined);
  return db.withSession(
    (session) =>
      session.transaction(rolledBack(run.settings, production), async () => {
        const notes: string[] = [...(('inputNotes' in input && input.inputNotes) || [])];
        const info = await readServerInfo(session);
        if (!info.extensions.hypopg.installed) {
          throw new PgTunerError(
            'TOOL_MISSING',
            'The workload advisor plans every statement with many hypothetical index sets and needs HypoPG: run CREATE EXTENSION hypopg in this database (package postgresql-<major>-hypopg).',
          );
        }
        progress('Reading the workload');
        const stats =
          'fromStats' in input ? await readTopStatements(session, input.top ?? run.settings['workload.topStatements']) : undefined;
        if (stats && 'fromStats' in input) {
          const found = plannableStatements(stats.statements, input.workspace ?? []);
          if (input.workspace?.length)
            notes.push(
              `${found} of the ${stats.statements.length} recorded statements were found in the workspace and planned with its constants; the others with generic plans.`,
            );
        }
        const given = stats?.statements ?? ('statements' in input ? input.statements : []);
        if (!given.length) throw new PgTunerError('BAD_INPUT', 'The workload has no statement.');

        progress(`Planning ${given.length} statement${given.length === 1 ? '' : 's'}`);
        const statements = await analyseAll(session, given, notes, run.signal);
        if (!statements.length)
          throw new PgTunerError('BAD_INPUT', `None of the ${given.length} statements could be planned: ${notes.join(' ')}`);

        const oids = [...new Set(statements.flatMap((s) => [...s.tableInfos.values()].map((t) => t.oid)))];
        const existing = await readIndexes(session, oids);
        const writes = await tableWrites(session, statements, stats);
        const costs = new WhatIfCosts(session, run.signal);
        try {
          progress('Generating candidates');
          const options = await candidateOptions(session, statements, existing, writes, costs, run, production, notes);
          progress(`Searching ${options.length} candidate index${options.length === 1 ? '' : 'es'}`);
          const oracle = (set: Option[]) => costs.readCosts(statements, set);
          const unconstrained = await selectIndexes(options, oracle, { ...UNLIMITED, maxIndexes: input.maxIndexes ?? Infinity });
          const budgetBytes = input.budget ? await budgetOf(session, input.budget) : null;
          const selection =
            budgetBytes === null || sumBytes(unconstrained.chosen) <= budgetBytes
              ? unconstrained
              : await selectIndexes(options, oracle, { budgetBytes, maxIndexes: input.maxIndexes ?? Infinity });

          progress('Verifying the chosen set together');
          const verified = await verify(costs, statements, selection.chosen);
          const indexes = chosenIndexes(selection, verified, statements);
          const drops = [
            ...replacements(existing, selection.chosen),
            ...(await proposedDrops(session, oids, statements, verified.usedNames, writes, notes)),
          ].filter((d, i, all) => all.findIndex((x) => x.index === d.index) === i);
          if (budgetBytes !== null && selection !== unconstrained) {
            notes.push(
              `The budget (${formatBytes(budgetBytes)}) holds ${selection.chosen.length} of the ${unconstrained.chosen.length} indexes of the unconstrained set (${formatBytes(sumBytes(unconstrained.chosen))}).`,
            );
          }
          const lookups = costs.plans + costs.hits;
          return {
            budgetBytes,
            totalBytes: sumBytes(selection.chosen),
            indexes,
            drops,
            statements: verified.outcomes,
            curve: curveOf(unconstrained),
            worse: verified.outcomes.filter((o) => o.costAfter > o.costBefore * (1 + WORSE_MARGIN)).map((o) => o.id),
            search: {
              whatIfPlans: costs.plans,
              cacheHits: costs.hits,
              cacheHitRate: lookups ? costs.hits / lookups : 0,
              candidates: options.length,
              trialBuildMs: Math.round(costs.trialBuildMs),
              ms: Math.round(performance.now() - started),
            },
            notes,
          };
        } finally {
          await costs.dispose();
        }
      }),
    run.signal,
  );
}

/** Each statement: one explainable statement, its shape and tables, its baseline plan. Failures become notes. */
async function analyseAll(session: Session, given: WorkloadStatement[], notes: string[], signal?: AbortSignal): Promise<Analysed[]> {
  const out: Analysed[] = [];
  for (const w of given) {
    let sql: string;
    try {
      sql = singleStatement(w.sql);
    } catch (err) {
      notes.push(`Skipped ${w.id}: ${(err as Error).message}`);
      continue;
    }
    const paramSets = w.params?.length ? w.params : [undefined];
    await session.query(SAVEPOINT_SQL);
    try {
      const plans = [];
      for (const params of paramSets) plans.push(await explainInSession(session, sql, { analyze: false, params, sideEffects: 'plain' }));
      await session.query(RELEASE_SQL);
      const parsed = tryExtractShape(sql);
      const shape = 'shape' in parsed ? parsed.shape : undefined;
      const tableInfos = await tablesOf(session, [...(shape?.tables ?? []), ...planOnlyTables(plans[0].root, shape)]);
      const writer = plans[0].root.nodeType === 'ModifyTable' ? plans[0].root.children[0] : undefined;
      out.push({
        id: w.id,
        sql,
        calls: w.calls,
        paramSets,
        shape,
        tableInfos,
        tables: new Set([...tableInfos.values()].map((t) => `${t.schema}.${t.name}`)),
        costBefore: plans.reduce((s, p) => s + p.totalCost, 0) / plans.length,
        rowsWritten: shape?.writes ? Math.max(writer?.planRows ?? 1, 1) : 0,
        baselineIndexes: new Set(plans.flatMap((p) => [...walkPlan(p.root)].map((n) => n.index).filter((n): n is string => !!n))),
        baselinePlan: plans[0].root,
        words: wordsOf(`${sql} ${JSON.stringify(plans.map((p) => p.root))}`),
      });
    } catch (err) {
      if (signal?.aborted || (err instanceof PgTunerError && err.code === 'CANCELLED')) throw err;
      await session.query(ROLLBACK_TO_SQL);
      await session.query(RELEASE_SQL);
      notes.push(`Skipped ${w.id}: it could not be planned (${(err as Error).message}).`);
    }
  }
  return out;
}

/**
 * Tables the plan scans that the statement's shape does not name (a text the parser cannot read,
 * views, subqueries): they are the statement's tables too, for the candidates and the cache.
 */
function planOnlyTables(root: PlanNode, shape: QueryShape | undefined): TableUsage[] {
  const named = new Set(shape?.tables.map((t) => t.table) ?? []);
  const out = new Map<string, TableUsage>();
  for (const n of walkPlan(root)) {
    if (!n.relation || named.has(n.relation)) continue;
    out.set(`${n.schema}.${n.relation}`, emptyUsage({ table: n.relation, schema: n.schema }));
  }
  return [...out.values()];
}

/**
 * Rows written per table over the workload's period: from pg_stat_user_tables (per second since
 * the statistics reset, times the seconds pg_stat_statements covers) for a workload read from the
 * statistics, else from the workload's own INSERT/UPDATE/DELETE statements (calls × planned rows).
 */
async function tableWrites(
  session: Session,
  statements: Analysed[],
  stats: { windowSeconds?: number } | undefined,
): Promise<Map<string, TableWrites>> {
  const infos = new Map(statements.flatMap((s) => [...s.tableInfos.values()].map((t) => [`${t.schema}.${t.name}`, t] as const)));
  const rates = await readWriteRates(session, [...new Set([...infos.values()].map((t) => t.oid))]);
  const out = new Map<string, TableWrites>();
  for (const [table, info] of infos) {
    const rate = rates.get(info.oid);
    const w: TableWrites = {
      inserts: 0,
      updates: 0,
      deletes: 0,
      hotShare: rate?.hotShare ?? 1,
      updatedColumns: new Set(),
      indexCount: rate?.indexCount ?? 0,
    };
    if (stats && rate) {
      const seconds = stats.windowSeconds ?? rate.seconds;
      w.inserts = (rate?.insertsPerSecond ?? 0) * seconds;
      w.updates = (rate?.updatesPerSecond ?? 0) * seconds;
      w.deletes = (rate?.deletesPerSecond ?? 0) * seconds;
    }
    out.set(table, w);
  }
  for (const s of statements) {
    if (!s.shape?.writes) continue;
    const target = [...s.tableInfos.values()][0];
    const w = target && out.get(`${target.schema}.${target.name}`);
    if (!w) continue;
    const rows = s.calls * s.rowsWritten;
    if (!stats) {
      if (s.shape.kind === 'insert') w.inserts += rows;
      if (s.shape.kind === 'update') w.updates += rows;
      if (s.shape.kind === 'delete') w.deletes += rows;
    }
    for (const c of updatedColumns(s.sql)?.columns ?? []) w.updatedColumns.add(c);
  }
  return out;
}

/**
 * Every candidate the per-statement advisor would consider for the costly statements, plus merged
 * ones, each with its size and write cost; kept when it alone makes some statement cheaper.
 * Trial-build-only kinds (GIN) are verified first, before any hypothetical index exists.
 */
async function candidateOptions(
  session: Session,
  statements: Analysed[],
  existing: Awaited<ReturnType<typeof readIndexes>>,
  writes: Map<string, TableWrites>,
  costs: WhatIfCosts,
  run: Run,
  production: boolean,
  notes: string[],
): Promise<Option[]> {
  const pgTrgmInstalled = (await readServerInfo(session)).extensions.pg_trgm.installed;
  const generated = new Map<string, Candidate>();
  const syntactic = new Map<string, Candidate>();
  /** The statements each candidate was generated for: a trial build is planned only for them. */
  const origins = new Map<string, Set<string>>();
  for (const s of statements) {
    if (!s.shape || s.costBefore < MIN_PLAN_COST) continue;
    for (const c of generateCandidates(s.shape, s.tableInfos, { ...DEFAULT_CANDIDATE_OPTIONS, pgTrgmInstalled }).candidates) {
      if (servedByExisting(c, existing)) continue;
      generated.set(candidateKey(c), c);
      origins.set(candidateKey(c), (origins.get(candidateKey(c)) ?? new Set()).add(s.id));
    }
    for (const c of indexableCandidates(s.baselinePlan, [...s.tableInfos.values()], wordsOf(s.sql)))
      if (!servedByExisting(c, existing)) syntactic.set(candidateKey(c), c);
  }
  // Merging combines the advisor's proposals; the syntactic pairs already are the combinations.
  const extra = [...syntactic].filter(([key]) => !generated.has(key)).map(([, c]) => c);
  const all = [...generated.values(), ...mergedCandidates([...generated.values()]), ...extra].sort(
    (a, b) => Number(b.needsTrialBuild) - Number(a.needsTrialBuild),
  );
  const tables = new Map<string, TableInfo>(statements.flatMap((s) => [...s.tableInfos.values()].map((t) => [`${t.schema}.${t.name}`, t])));
  const out: Option[] = [];
  const names = distinctNames(all);
  for (const c of all) {
    const table = `${c.schema}.${c.table}`;
    const info = tables.get(table)!;
    const name = names.get(c)!;
    const w = writes.get(table);
    const option: Option = {
      key: optionKey(table, candidateKey(c)),
      table,
      createSql: trialBuildSql(c, name),
      bytes: 0,
      ...(w ? indexWrites(c, entryWidth(c, info), w) : { writeCost: 0 }),
      candidate: c,
      name,
      leadingWords: [...wordsOf(c.keys[0]?.column ?? c.keys[0]?.expression ?? '')],
    };
    const served = statements.filter((s) => s.tables.has(table));
    if (c.needsTrialBuild) {
      option.trialCosts = new Map();
      // Each trial build is a real CREATE INDEX: only for the statements whose predicates asked for it.
      for (const s of served.filter((x) => origins.get(candidateKey(c))?.has(x.id))) {
        const whatIf = new WhatIf(session, s.sql, whatIfOptions(run.settings, s.paramSets[0], true, production));
        const started = performance.now();
        const r = await whatIf.probe(toProbe(c, info.tableBytes));
        costs.trialBuildMs += performance.now() - started;
        costs.plans++;
        if (r.verifiedBy === 'none') {
          notes.push(`${name} was left out: ${r.note}`);
          option.trialCosts.clear();
          break;
        }
        option.bytes = r.sizeBytes ?? 0;
        if (r.used) option.trialCosts.set(s.id, r.plan.totalCost);
      }
      if (![...option.trialCosts].some(([id, cost]) => cost < served.find((s) => s.id === id)!.costBefore * (1 - MIN_SINGLE_GAIN)))
        continue;
    } else {
      const bytes = await hypotheticalBytes(session, costs, option);
      if (bytes instanceof Error) {
        notes.push(`${name} was left out: HypoPG could not simulate it (${bytes.message}).`);
        continue;
      }
      option.bytes = bytes;
      let useful = false;
      for (const s of served) if ((await costs.cost(s, [option])) < s.costBefore * (1 - MIN_SINGLE_GAIN)) useful = true;
      if (!useful) continue;
    }
    out.push(option);
  }
  return out;
}

/** HypoPG's size of the option, or the error it gave (a candidate naming a column its table lacks), rolled back alone. */
async function hypotheticalBytes(session: Session, costs: WhatIfCosts, option: Option): Promise<number | Error> {
  await session.query(SAVEPOINT_SQL);
  try {
    const bytes = await costs.bytes(option);
    await session.query(RELEASE_SQL);
    return bytes;
  } catch (err) {
    if (err instanceof PgTunerError && err.code === 'CANCELLED') throw err;
    await session.query(ROLLBACK_TO_SQL);
    await session.query(RELEASE_SQL);
    return err as Error;
  }
}

/**
 * The advisor's names leave INCLUDE lists out; candidates that differ only there get theirs
 * appended (`_incl_<columns>`, shortened with a hash to PostgreSQL's 63 bytes).
 */
function distinctNames(candidates: Candidate[]): Map<Candidate, string> {
  const byName = new Map<string, Candidate[]>();
  for (const c of candidates) byName.set(indexName(c), [...(byName.get(indexName(c)) ?? []), c]);
  const out = new Map<Candidate, string>();
  for (const [name, group] of byName) {
    for (const c of group) out.set(c, group.length > 1 && c.include.length ? fitName(`${name}_incl_${c.include.join('_')}`) : name);
  }
  return out;
}

function fitName(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENT_BYTES) return name;
  const hash = crypto.createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${Buffer.from(name)
    .subarray(0, MAX_IDENT_BYTES - 9)
    .toString()
    .replace(/[_\uFFFD]+$/, '')}_${hash}`;
}

/** Average bytes of one index entry: its key and INCLUDE columns (pg_stats avg_width) plus the tuple overhead. */
function entryWidth(c: Candidate, info: TableInfo): number {
  const width = (col: string) => info.columns.find((x) => x.name === col)?.avgWidth ?? 16;
  return (
    ENTRY_OVERHEAD +
    c.keys.reduce((s, k) => s + (k.column !== undefined ? width(k.column) : 16), 0) +
    c.include.reduce((s, col) => s + width(col), 0)
  );
}

const DATABASE_SIZE = (session: Session) => session.query<{ bytes: number }>(DATABASE_SIZE_SQL).then((r) => r.rows[0].bytes);

async function budgetOf(session: Session, budget: NonNullable<WorkloadInput['budget']>): Promise<number> {
  return 'bytes' in budget ? budget.bytes : Math.floor(budget.shareOfDatabase * (await DATABASE_SIZE(session)));
}

interface Verified {
  outcomes: StatementOutcome[];
  /** Every index name a final plan uses (existing ones included). */
  usedNames: Set<string>;
}

/** Every statement planned again with the whole set in place: its cost after and the indexes that serve it. */
async function verify(costs: WhatIfCosts, statements: Analysed[], chosen: Option[]): Promise<Verified> {
  const outcomes: StatementOutcome[] = [];
  const usedNames = new Set<string>();
  for (const s of statements) {
    const relevant = chosen.filter((i) => s.tables.has(i.table));
    const plans = await costs.plan(s, relevant);
    for (const p of plans) for (const n of walkPlan(p.root)) if (n.index) usedNames.add(n.index);
    for (const n of s.baselineIndexes) usedNames.add(n);
    let costAfter = plans.reduce((sum, p) => sum + p.totalCost, 0) / plans.length;
    const servedBy = costs.usedBy(plans, relevant).map((i) => (i as Option).name);
    for (const i of relevant) {
      const trial = i.trialCosts?.get(s.id);
      if (trial !== undefined && trial < costAfter) {
        costAfter = trial;
        servedBy.push((i as Option).name);
      }
    }
    const params = s.paramSets.filter((p): p is unknown[] => p !== undefined);
    outcomes.push({
      id: s.id,
      sql: s.sql,
      calls: s.calls,
      ...(params.length ? { params } : {}),
      costBefore: s.costBefore,
      costAfter,
      servedBy,
    });
  }
  return { outcomes, usedNames };
}

function chosenIndexes(selection: Selection<Option>, verified: Verified, statements: Analysed[]): ChosenIndex[] {
  const writeCosts = setWriteCosts(selection.chosen);
  return selection.chosen.map((o, i) => {
    const served = verified.outcomes.filter((v) => v.servedBy.includes(o.name));
    // A statement served by several indexes of the set credits each with an equal share of its saving.
    const readBenefit = served.reduce((sum, v) => sum + (v.calls * (v.costBefore - v.costAfter)) / v.servedBy.length, 0);
    const c = o.candidate;
    return {
      table: o.table,
      name: o.name,
      ddl: createIndexDdl(c, o.name),
      down: dropIndexDdl(c, o.name),
      method: c.method,
      kinds: c.kinds,
      bytes: o.bytes,
      serves: served.map((v) => v.id),
      writeCost: writeCosts[i],
      readBenefit,
      requires: c.requires,
      reason: `${c.reason}. Serves ${served.length} of ${statements.length} statements; saves ≈ ${Math.round(readBenefit)} weighted cost for ≈ ${Math.round(writeCosts[i])} of index maintenance${hotNote(o, selection.chosen)}.`,
    };
  });
}

/** Why an index's maintenance includes the table's updates: HOT updates lost to it or to another index of the set. */
function hotNote(o: Option, set: Option[]): string {
  if (!o.hot) return '';
  if (o.hot.breaks)
    return ` (it indexes a column the workload's updates set, so those updates stop being HOT and write into every index of ${o.table})`;
  const breaker = set.find((x) => x.table === o.table && x.hot?.breaks);
  return breaker ? ` (the table's updates are no longer HOT with ${breaker.name} in the set, so they write into this index too)` : '';
}

/** Existing plain btrees whose keys begin a chosen index's: the set replaces them (built first, then dropped). */
function replacements(existing: Awaited<ReturnType<typeof readIndexes>>, chosen: Option[]): ProposedDrop[] {
  return replacedIndexes(existing, chosen).map(({ index, by }) => ({
    index: `${index.schema}.${index.name}`,
    ...dropStatements(index),
    reason: `Replaced by ${by}: its key columns begin that index's, so every scan of it is a scan of the new one, and its writers stop paying for two. Not unique and no constraint uses it.`,
  }));
}

async function proposedDrops(
  session: Session,
  oids: number[],
  statements: Analysed[],
  usedNames: Set<string>,
  writes: Map<string, TableWrites>,
  notes: string[],
): Promise<ProposedDrop[]> {
  const drops: ProposedDrop[] = [];
  for (const ix of await readUnusedIndexes(session, oids)) {
    if (usedNames.has(ix.name)) continue;
    const table = `${ix.schema}.${ix.table}`;
    const w = writes.get(table);
    const writeCost = w
      ? indexWriteCost(
          {
            method: ix.method as Candidate['method'],
            keys: ix.columns.map((column) => ({ column })),
            include: [],
            where: ix.partial ? ['?'] : [],
          },
          ENTRY_OVERHEAD + 8 * ix.columns.length,
          w,
        )
      : 0;
    if (writeCost <= 0) continue;
    const readers = statements.filter((s) => s.tables.has(table)).length;
    drops.push({
      index: `${ix.schema}.${ix.name}`,
      ...dropStatements(ix),
      reason: `Never scanned since the statistics were reset, used by none of the ${readers} workload statement${readers === 1 ? '' : 's'} on ${table}, and it costs its writers ≈ ${Math.round(writeCost)} (${formatBytes(ix.bytes)}). Not unique and no constraint uses it.`,
    });
  }
  if (drops.length)
    notes.push('Drops are proposed from usage statistics: check that no other application or report needs the index first.');
  return drops;
}

/** The unconstrained search's picks in order: each point is the best set found that fits in that many bytes. */
function curveOf(unconstrained: Selection<Option>): CurvePoint[] {
  return [
    { budgetBytes: 0, cost: unconstrained.baseCost },
    ...unconstrained.steps.map((s) => ({ budgetBytes: s.bytes, cost: s.readCost + s.writeCost })),
  ];
}

/** Lower-case identifiers of a text (quoted ones unquoted). */
function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? []);
}

const sumBytes = (set: Option[]) => set.reduce((s, o) => s + o.bytes, 0);
