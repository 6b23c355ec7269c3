/**
 * The workload's read cost with a set of hypothetical indexes, planned by the real planner
 * (HypoPG) and cached per (statement, the set's indexes on that statement's tables): indexes on
 * other tables cannot change its plan, so the search replans only what a change can affect.
 * Indexes HypoPG cannot simulate (GIN) were verified alone by a trial build; in a set they count
 * as the cheaper of that plan and the plan without them.
 */
import { HYPO_CREATE_SQL, HYPO_DROP_SQL, HYPO_RESET_SQL } from '../advisor/whatIf';
import { Session } from '../db/database';
import { explainInSession } from '../db/safeExplain';
import { PgTunerError } from '../errors';
import { walkPlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { SelectionItem } from './select';

/** A statement ready to plan: its text, weight, parameter sets and the tables (schema.table) it touches. */
export interface PlannedStatement {
  id: string;
  sql: string;
  calls: number;
  paramSets: (unknown[] | undefined)[];
  tables: Set<string>;
  /** Words of its text and baseline plan (lower case): an index whose leading key none of them names cannot serve it. */
  words?: Set<string>;
}

export interface IndexOption extends SelectionItem {
  table: string;
  /** CREATE INDEX <name> ON … (HypoPG takes it as is). */
  createSql: string;
  /** Verified alone by a trial build: statement id → its cost with only this index. */
  trialCosts?: Map<string, number>;
  /** Column names of its leading key (lower case); absent: it may serve any statement of its table. */
  leadingWords?: string[];
}

interface Hypothetical {
  oid: number;
  /** The name HypoPG gives it in plans. */
  planName: string;
  bytes: number;
}

export class WhatIfCosts {
  private readonly cache = new Map<string, number>();
  private readonly applied = new Map<string, Hypothetical>();
  plans = 0;
  hits = 0;
  /** Time spent building GIN indexes for real (in a rolled-back savepoint): HypoPG cannot simulate them. */
  trialBuildMs = 0;

  constructor(
    private readonly session: Session,
    private readonly signal?: AbortSignal,
  ) {}

  /** calls × cost of each statement with `set` in place. */
  async readCosts(statements: PlannedStatement[], set: IndexOption[]): Promise<number[]> {
    const out: number[] = [];
    for (const s of statements) out.push(s.calls * (await this.cost(s, set)));
    return out;
  }

  /** The statement's cost (mean over its parameter sets) with the set's indexes on its tables. */
  async cost(s: PlannedStatement, set: IndexOption[]): Promise<number> {
    const relevant = set.filter((i) => mayServe(s, i));
    const key = `${s.id}\u0000${relevant
      .map((i) => i.key)
      .sort()
      .join('\u0000')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    const plans = await this.plan(s, relevant);
    let cost = mean(plans.map((p) => p.totalCost));
    for (const i of relevant) cost = Math.min(cost, i.trialCosts?.get(s.id) ?? Infinity);
    this.cache.set(key, cost);
    return cost;
  }

  /** Plans the statement (each parameter set) with exactly these of its tables' hypothetical indexes; not cached. */
  async plan(s: PlannedStatement, relevant: IndexOption[]): Promise<Plan[]> {
    if (this.signal?.aborted) throw new PgTunerError('CANCELLED', 'The workload search was cancelled.');
    await this.arrange(
      s,
      relevant.filter((i) => !i.trialCosts),
    );
    const plans: Plan[] = [];
    for (const params of s.paramSets) {
      this.plans++;
      plans.push(await explainInSession(this.session, s.sql, { analyze: false, params, sideEffects: 'plain' }));
    }
    return plans;
  }

  /** Names of the given indexes that the plans use. */
  usedBy(plans: Plan[], indexes: IndexOption[]): IndexOption[] {
    const names = new Set(plans.flatMap((p) => [...walkPlan(p.root)].map((n) => n.index)));
    return indexes.filter((i) => {
      const h = this.applied.get(i.key);
      return h && names.has(h.planName);
    });
  }

  /** HypoPG's size estimate of an index (creating it if needed). */
  async bytes(i: IndexOption): Promise<number> {
    return (this.applied.get(i.key) ?? (await this.create(i))).bytes;
  }

  /** Hypothetical indexes on the statement's tables become exactly `wanted` (others' tables cannot matter). */
  private async arrange(s: PlannedStatement, wanted: IndexOption[]): Promise<void> {
    const keep = new Set(wanted.map((i) => i.key));
    for (const [key, h] of this.applied) {
      const table = key.slice(0, key.indexOf('\u0000'));
      if (s.tables.has(table) && !keep.has(key)) {
        await this.session.query(HYPO_DROP_SQL, [h.oid]);
        this.applied.delete(key);
      }
    }
    for (const i of wanted) if (!this.applied.has(i.key)) await this.create(i);
  }

  private async create(i: IndexOption): Promise<Hypothetical> {
    if (!i.key.startsWith(`${i.table}\u0000`)) throw new PgTunerError('INTERNAL', `index option key must start with its table: ${i.key}`);
    this.session.resetOnRelease(HYPO_RESET_SQL);
    const r = await this.session.query<{ oid: number; indexname: string; bytes: number }>(HYPO_CREATE_SQL, [i.createSql]);
    const h = { oid: r.rows[0].oid, planName: r.rows[0].indexname, bytes: r.rows[0].bytes };
    this.applied.set(i.key, h);
    return h;
  }

  /** Removes every hypothetical index this search made. */
  async dispose(): Promise<void> {
    for (const h of this.applied.values()) await this.session.query(HYPO_DROP_SQL, [h.oid]).catch(() => undefined);
    this.applied.clear();
  }
}

/**
 * An index can change a statement's plan only when it is on one of its tables and the statement
 * (its text or its plan, which names a view's underlying columns) names the index's leading key
 * column. Leaving the others out of the plan and the cache key is what keeps the search fast: an
 * index on l_partkey does not replan the queries that never touch l_partkey. (A full index-only
 * scan of an index whose leading column the statement never names is the case this gives up.)
 */
export function mayServe(s: PlannedStatement, i: IndexOption): boolean {
  return s.tables.has(i.table) && (!i.leadingWords || !s.words || i.leadingWords.some((w) => s.words!.has(w)));
}

/** The key an IndexOption must have: its table, then anything unique to it. */
export const optionKey = (table: string, body: string) => `${table}\u0000${body}`;

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
}
