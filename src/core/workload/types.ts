/** The workload advisor's input and output (`pgtuner workload --json` prints WorkloadReport). */
import { IndexKind, IndexMethod } from '../advisor/types';

/** One statement of the workload and how often it runs. */
export interface WorkloadStatement {
  id: string;
  sql: string;
  /** Weight: how many times it runs in the period the workload describes. */
  calls: number;
  /** Value sets for $1..$n, each planned (costs are averaged); none: a generic plan. */
  params?: unknown[][];
}

/** Where the statements come from: pg_stat_statements (top N by total time) or given ones (files, a workload file). */
export type WorkloadSource =
  /** workspace: statements of the SQL files and code that lend their constants to the recorded ones. */
  | { fromStats: true; top?: number; workspace?: WorkloadStatement[] }
  /** inputNotes: what reading the input left out, reported with the advice's notes. */
  | { statements: WorkloadStatement[]; inputNotes?: string[] };

/** The storage the new indexes may take: bytes, or a share of the database's size. */
export type Budget = { bytes: number } | { shareOfDatabase: number };

export type WorkloadInput = WorkloadSource & {
  budget?: Budget;
  /** At most this many new indexes. */
  maxIndexes?: number;
};

export interface ChosenIndex {
  table: string;
  name: string;
  ddl: string;
  down: string;
  method: IndexMethod;
  kinds: IndexKind[];
  bytes: number;
  /** Ids of the statements whose final plan uses it. */
  serves: string[];
  /** Estimated index maintenance over the workload's period, in planner cost units. */
  writeCost: number;
  /** Weighted read cost it saves (in the final set), in planner cost units. */
  readBenefit: number;
  requires: string[];
  reason: string;
}

export interface ProposedDrop {
  index: string;
  ddl: string;
  down: string;
  reason: string;
}

export interface StatementOutcome {
  id: string;
  /** The statement as planned (pg_stat_statements' normalised text for --from-stats). */
  sql: string;
  calls: number;
  /** The value sets it was planned with (absent: a generic plan), so that it can be run to measure. */
  params?: unknown[][];
  costBefore: number;
  costAfter: number;
  /** Names of the chosen indexes its final plan uses. */
  servedBy: string[];
  /** Execution times without and with the set built (pgtuner workload --measure; null: not run). */
  msBefore?: number | null;
  msAfter?: number | null;
}

export interface CurvePoint {
  budgetBytes: number;
  /** Weighted workload cost with the best set found within that budget. */
  cost: number;
}

export interface SearchStats {
  /** Plans asked of the planner with hypothetical indexes in place. */
  whatIfPlans: number;
  cacheHits: number;
  /** cacheHits / (cacheHits + whatIfPlans). */
  cacheHitRate: number;
  candidates: number;
  /** Of ms, the trial builds (GIN: real CREATE INDEX, rolled back). */
  trialBuildMs: number;
  ms: number;
}

export interface WorkloadReport {
  /** null: no budget given (the unconstrained set). */
  budgetBytes: number | null;
  totalBytes: number;
  indexes: ChosenIndex[];
  drops: ProposedDrop[];
  statements: StatementOutcome[];
  curve: CurvePoint[];
  /** Statements whose verified cost rose beyond the margin (always empty unless the planner surprises). */
  worse: string[];
  search: SearchStats;
  notes: string[];
}
