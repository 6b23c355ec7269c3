import { Session } from '../db/database';
import { explainInSession } from '../db/safeExplain';
import { formatBytes } from '../format';
import { qualifiedName } from '../sql/ident';
import { walkPlan } from '../plan/parse';
import { Plan } from '../plan/types';
import { VerifiedBy } from './types';

/** An index to try: a plain `CREATE INDEX <name> ON …` plus what the verifier needs to know. */
export interface IndexProbe {
  name: string;
  /** CREATE INDEX <name> ON … (no CONCURRENTLY) */
  createSql: string;
  table: string;
  /** HypoPG cannot simulate it (GIN): only a trial build can. */
  needsTrialBuild: boolean;
  /** Bytes of the table, to respect the trial-build limit. */
  tableBytes: number;
  /**
   * Statements the index needs first (CREATE EXTENSION pg_trgm): a trial build runs them in its
   * savepoint, so an extension available on the server but not installed is rolled back with it.
   */
  requires?: string[];
}

export interface WhatIfOptions {
  hypopg: boolean;
  /** Trial builds (real CREATE INDEX inside a rolled-back savepoint) are allowed here. */
  trialBuilds: boolean;
  trialBuildMaxBytes: number;
  /** statement_timeout for one trial build, and the statement's own to restore afterwards. */
  trialBuildTimeoutMs: number;
  statementTimeoutMs: number;
  params?: unknown[];
}

export interface Probed {
  plan: Plan;
  /** Whether the planner used the probe in that plan. */
  used: boolean;
  /** The probe's name in the plan (HypoPG's <oid>btree_… for a hypothetical index). */
  planName?: string;
  sizeBytes: number | null;
  verifiedBy: VerifiedBy;
  note?: string;
}

export const HYPO_CREATE_SQL =
  'SELECT indexrelid::int AS oid, indexname, hypopg_relation_size(indexrelid)::float8 AS bytes FROM hypopg_create_index($1)';
export const HYPO_DROP_SQL = 'SELECT hypopg_drop_index($1::oid)';
/**
 * A probe's hypothetical index is dropped in the same round trip that creates the next one (or
 * before the next plan): $2 the earlier oids. A scalar subquery, so it runs once, with the create.
 */
const HYPO_DROP_AND_CREATE_SQL = `
SELECT h.indexrelid::int AS oid, h.indexname, hypopg_relation_size(h.indexrelid)::float8 AS bytes,
       (SELECT count(hypopg_drop_index(d)) FROM unnest($2::oid[]) AS d) AS dropped
  FROM hypopg_create_index($1) AS h`;
const HYPO_DROP_MANY_SQL = 'SELECT count(hypopg_drop_index(d)) AS dropped FROM unnest($1::oid[]) AS d';
/** Hypothetical indexes live in the backend, outside any transaction: cleared when the session is released. */
export const HYPO_RESET_SQL = 'SELECT hypopg_reset()';
/**
 * $1: the index's schema-qualified, quoted name (a bare name fails for quoted names and other schemas).
 * Summed over its partition tree: a partitioned index has no storage of its own, its partitions' do.
 */
const INDEX_SIZE_SQL = `
SELECT (pg_relation_size(to_regclass($1))
        + coalesce((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree(to_regclass($1)) WHERE level > 0), 0))::float8 AS bytes`;
/** The indexes a trial build on a partitioned table made on its partitions (named by PostgreSQL): plans show those. */
const PARTITION_INDEX_NAMES_SQL =
  'SELECT c.relname AS name FROM pg_partition_tree(to_regclass($1)) t JOIN pg_class c ON c.oid = t.relid WHERE t.level > 0';
/**
 * A trial build waits for a SHARE lock on its table, and while it waits every later writer queues
 * behind it: it gives up after this long instead (a production writer must never wait on a probe).
 */
export const TRIAL_BUILD_LOCK_TIMEOUT_MS = 3000;
const LOCK_NOT_AVAILABLE = '55P03';
const lockTimeoutSql = (ms: number) => `SET LOCAL lock_timeout = ${Math.round(ms)}`;
const RESET_LOCK_TIMEOUT_SQL = 'SET LOCAL lock_timeout = DEFAULT';
/** Trial builds sort in memory when they can: the default 64 MB makes GIN builds several times slower. */
const TRIAL_BUILD_MEMORY = '256MB';
/** Raises maintenance_work_mem for this transaction to $1, never lowering the server's value. */
const TRIAL_BUILD_MEMORY_SQL =
  "SELECT set_config('maintenance_work_mem', greatest(pg_size_bytes(current_setting('maintenance_work_mem')), pg_size_bytes($1)) / 1024 || 'kB', true)";
const statementTimeoutSql = (ms: number) => `SET LOCAL statement_timeout = ${Math.round(ms)}`;
/** Savepoint names are generated here (pgtuner_whatif_<n>), never taken from input. */
const savepointSql = (name: string) => `SAVEPOINT ${name}`;
const rollbackToSavepointSql = (name: string) => `ROLLBACK TO SAVEPOINT ${name}`;
const releaseSavepointSql = (name: string) => `RELEASE SAVEPOINT ${name}`;

interface Applied {
  probe: IndexProbe;
  /** HypoPG oid, or undefined for a trial build. */
  hypoOid?: number;
  sizeBytes?: number;
  /** The name the planner shows in its plans. */
  planName: string;
  /** A trial build on a partitioned table: its partitions' indexes, which plans name instead. */
  partitionNames?: string[];
}

/**
 * Asks the real planner "what if these indexes existed?" on one session inside the advisor's
 * transaction: HypoPG hypothetical indexes where it can, otherwise a real CREATE INDEX inside a
 * savepoint that is rolled back (it holds a SHARE lock on the table — writes wait — for the
 * build's duration, so only on non-production profiles and below a size limit).
 */
export class WhatIf {
  private readonly applied: Applied[] = [];
  /** Hypothetical indexes taken out but not yet dropped: they go with the next create or before the next plan. */
  private toDrop: number[] = [];
  private savepoints = 0;
  private memorySet = false;

  constructor(
    private readonly session: Session,
    private readonly statement: string,
    private readonly options: WhatIfOptions,
  ) {}

  /** How a probe would be verified, or why it cannot be. */
  method(probe: IndexProbe): { by: VerifiedBy; why?: string } {
    if (this.options.hypopg && !probe.needsTrialBuild) return { by: 'hypopg' };
    if (!this.options.trialBuilds) {
      return {
        by: 'none',
        why: probe.needsTrialBuild
          ? 'HypoPG cannot simulate this index type and trial builds are off for this profile (production).'
          : 'HypoPG is not installed and trial builds are off for this profile (production).',
      };
    }
    if (probe.tableBytes > this.options.trialBuildMaxBytes) {
      return {
        by: 'none',
        why: `the table (${formatBytes(probe.tableBytes)}) is above the trial-build limit (${formatBytes(this.options.trialBuildMaxBytes)}, setting pgtuner.advisor.trialBuildMaxMB).`,
      };
    }
    return { by: 'trial-build' };
  }

  /** Plans the statement with the applied probes plus `extra`, which is removed again afterwards. */
  async probe(extra: IndexProbe, analyze = false): Promise<Probed> {
    const how = this.method(extra);
    if (how.by === 'none') return { plan: await this.plan(false), used: false, sizeBytes: null, verifiedBy: 'none', note: how.why };
    // HypoPG indexes live in backend memory: no savepoint needed. A trial build is undone by one.
    const savepoint = how.by === 'trial-build' ? await this.savepoint() : undefined;
    let applied: Applied | undefined;
    try {
      const started = Date.now();
      applied = await this.create(extra, how.by);
      const buildMs = Date.now() - started;
      const sizeBytes = await this.size(applied);
      const plan = await this.plan(analyze);
      const used = usesIndex(plan, applied);
      const note =
        how.by === 'trial-build'
          ? `trial build took ${buildMs} ms holding a SHARE lock on ${extra.table} (writes to it waited), then was rolled back`
          : undefined;
      return { plan, used, planName: applied.planName, sizeBytes, verifiedBy: how.by, note };
    } catch (err) {
      if (savepoint) await this.rollbackTo(savepoint);
      const why =
        (err as { sqlState?: string }).sqlState === LOCK_NOT_AVAILABLE
          ? `not verified: the trial build could not take its SHARE lock on ${extra.table} within ${TRIAL_BUILD_LOCK_TIMEOUT_MS / 1000} s (other sessions are writing to it), and it gives up rather than make writers wait`
          : `could not be built for verification: ${(err as Error).message}`;
      return { plan: await this.plan(false), used: false, sizeBytes: null, verifiedBy: 'none', note: why };
    } finally {
      if (applied) this.remove(applied);
      if (savepoint) await this.release(savepoint);
    }
  }

  /**
   * Runs the statement (EXPLAIN ANALYZE) without and then with the probe really built, each inside
   * a savepoint rolled back at once, so both start from the same rows: what a write costs with
   * one more index, which EXPLAIN's estimate leaves out. `why` when that is not allowed or possible.
   */
  async measure(probe: IndexProbe): Promise<{ without: Plan; with: Plan } | { why: string }> {
    const how = this.method({ ...probe, needsTrialBuild: true });
    if (how.by !== 'trial-build') return { why: how.why ?? 'trial builds are not possible here' };
    const run = async (build: boolean) => {
      const savepoint = await this.savepoint();
      try {
        if (build) await this.create(probe, 'trial-build');
        return await this.plan(true);
      } finally {
        await this.release(savepoint);
      }
    };
    try {
      // Interleaved and twice each, keeping the faster run: one run each let the first pay for a cold cache.
      const runs: { without: Plan; with: Plan }[] = [];
      for (let i = 0; i < MEASURE_ROUNDS; i++) runs.push({ without: await run(false), with: await run(true) });
      if (runs.some((r) => !r.without.analyzed || !r.with.analyzed))
        return { why: 'the statement calls functions with side effects and is not run again' };
      return { without: fastest(runs.map((r) => r.without)), with: fastest(runs.map((r) => r.with)) };
    } catch (err) {
      return { why: `the trial build failed: ${(err as Error).message}` };
    }
  }

  /** Keeps a probe in place for the following probes and plans (greedy multi-index choice). */
  async apply(probe: IndexProbe): Promise<void> {
    const how = this.method(probe);
    if (how.by === 'none' || this.applied.some((a) => a.probe.name === probe.name)) return;
    if (how.by === 'trial-build') await this.savepoint();
    this.applied.push(await this.create(probe, how.by));
  }

  /**
   * Takes an applied probe out again (apply puts it back), to ask what it adds given the others;
   * false when it cannot be (a trial build stays until its savepoint is rolled back).
   */
  async unapply(probe: IndexProbe): Promise<boolean> {
    const i = this.applied.findIndex((a) => a.probe.name === probe.name);
    if (i < 0 || this.applied[i].hypoOid === undefined) return false;
    this.remove(this.applied[i]);
    this.applied.splice(i, 1);
    return true;
  }

  /** The plan with only the applied probes. */
  async plan(analyze: boolean): Promise<Plan> {
    await this.dropPending();
    // A measurement never executes side effects a second time: it falls back to plain EXPLAIN.
    return explainInSession(this.session, this.statement, { analyze, params: this.options.params, sideEffects: 'plain' });
  }

  private async create(probe: IndexProbe, by: VerifiedBy): Promise<Applied> {
    if (by === 'hypopg') {
      this.session.resetOnRelease(HYPO_RESET_SQL);
      const dropping = this.toDrop;
      this.toDrop = [];
      const r = await this.session.query<{ oid: number; indexname: string; bytes: number }>(
        dropping.length ? HYPO_DROP_AND_CREATE_SQL : HYPO_CREATE_SQL,
        dropping.length ? [probe.createSql, dropping] : [probe.createSql],
      );
      return { probe, hypoOid: r.rows[0].oid, planName: r.rows[0].indexname, sizeBytes: r.rows[0].bytes };
    }
    if (!this.memorySet) {
      await this.session.query(TRIAL_BUILD_MEMORY_SQL, [TRIAL_BUILD_MEMORY]);
      this.memorySet = true;
    }
    await this.session.query(statementTimeoutSql(this.options.trialBuildTimeoutMs));
    await this.session.query(lockTimeoutSql(TRIAL_BUILD_LOCK_TIMEOUT_MS));
    try {
      for (const statement of probe.requires ?? []) await this.session.query(statement);
      await this.session.query(probe.createSql);
    } finally {
      await this.session.query(statementTimeoutSql(this.options.statementTimeoutMs)).catch(() => undefined);
      await this.session.query(RESET_LOCK_TIMEOUT_SQL).catch(() => undefined);
    }
    const names = await this.session.query<{ name: string }>(PARTITION_INDEX_NAMES_SQL, [indexText(probe)]);
    return { probe, planName: probe.name, partitionNames: names.rows.map((r) => r.name) };
  }

  /** A hypothetical index is only marked for dropping: the next create or plan drops it, in its own round trip. */
  private remove(a: Applied): void {
    if (a.hypoOid !== undefined) this.toDrop.push(a.hypoOid);
  }

  private async dropPending(): Promise<void> {
    if (!this.toDrop.length) return;
    const dropping = this.toDrop;
    this.toDrop = [];
    await this.session.query(HYPO_DROP_MANY_SQL, [dropping]);
  }

  private async size(a: Applied): Promise<number | null> {
    if (a.sizeBytes !== undefined) return a.sizeBytes;
    const r = await this.session.query<{ bytes: number }>(INDEX_SIZE_SQL, [indexText(a.probe)]);
    return r.rows[0]?.bytes ?? null;
  }

  /** Drops every hypothetical index this object made (trial builds vanish with the transaction). */
  async dispose(): Promise<void> {
    for (const a of this.applied) this.remove(a);
    this.applied.length = 0;
    await this.dropPending().catch(() => undefined);
  }

  private async savepoint(): Promise<string> {
    const name = `pgtuner_whatif_${++this.savepoints}`;
    await this.session.query(savepointSql(name));
    return name;
  }

  private async rollbackTo(name: string): Promise<void> {
    await this.session.query(rollbackToSavepointSql(name)).catch(() => undefined);
  }

  /** Undo a probe's trial build and its locks (a no-op for HypoPG probes, already dropped). */
  private async release(name: string): Promise<void> {
    await this.rollbackTo(name);
    await this.session.query(releaseSavepointSql(name)).catch(() => undefined);
  }
}

/** Each side of a write-cost measurement runs this many times. */
const MEASURE_ROUNDS = 2;

function fastest(plans: Plan[]): Plan {
  return plans.reduce((best, p) => ((p.executionMs ?? Infinity) < (best.executionMs ?? Infinity) ? p : best));
}

function usesIndex(plan: Plan, applied: Applied): boolean {
  const names = new Set([applied.planName, ...(applied.partitionNames ?? [])]);
  for (const n of walkPlan(plan.root)) if (n.index !== undefined && names.has(n.index)) return true;
  return false;
}

/** The probe's index as to_regclass reads it: built in its table's schema; probe.table is `schema.table` (split at the first dot, as advise does). */
function indexText(probe: IndexProbe): string {
  const dot = probe.table.indexOf('.');
  return qualifiedName(dot < 0 ? undefined : probe.table.slice(0, dot), probe.name);
}
