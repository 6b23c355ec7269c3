/** The advisor's output, as `pgtuner advise --json` prints it. */

export type IndexKind = 'btree' | 'composite' | 'partial' | 'covering' | 'gin' | 'brin' | 'trigram' | 'expression';
export type IndexMethod = 'btree' | 'gin' | 'brin' | 'gist' | 'hash';
export type VerifiedBy = 'hypopg' | 'trial-build' | 'none';

export interface Evidence {
  costBefore: number;
  costAfter: number;
  msBefore: number | null;
  msAfter: number | null;
  sizeBytes: number | null;
  verifiedBy: VerifiedBy;
  /** Why it could not be verified, or the lock a trial build took. */
  note?: string;
  /** Real timings with the index built, when measured on request (`advise --measure`, the card's Measure). */
  measured?: Measured;
}

/** The statement run without and with the index really built, inside a rolled-back transaction. */
export interface Measured {
  /** The index measured: the suggestion's, or one of its alternatives. */
  name: string;
  msBefore: number | null;
  msAfter: number | null;
  /** How long the trial build took; null when nothing was built. */
  buildMs: number | null;
  /** Each side ran this many times and the faster run counts (the first pays for a cold cache). */
  runs: number;
  /** Why a side has no time (ran past the statement timeout, side effects), or that the planner did not use the index. */
  notes: string[];
}

export interface Suggestion {
  /** schema.table */
  table: string;
  method: IndexMethod;
  kinds: IndexKind[];
  /** Deterministic readable index name (≤ 63 bytes). */
  name: string;
  /**
   * CREATE INDEX CONCURRENTLY IF NOT EXISTS … ; (with quoted identifiers). On a partitioned table,
   * one statement per line: CREATE INDEX … ON ONLY the parent, CONCURRENTLY on each partition, ATTACH.
   */
  ddl: string;
  /** DROP INDEX CONCURRENTLY IF EXISTS … ; */
  down: string;
  /** Statements that must run before the index (e.g. CREATE EXTENSION IF NOT EXISTS pg_trgm;). */
  requires: string[];
  reason: string;
  evidence: Evidence;
  /** Other indexes that also qualify, for the user to pick instead (the btree beside a BRIN); the reason says why this one is the default. */
  alternatives?: Alternative[];
}

export interface Alternative {
  method: IndexMethod;
  kinds: IndexKind[];
  name: string;
  ddl: string;
  down: string;
  /** The verified plan's estimated cost with it instead. */
  costAfter: number;
  sizeBytes: number | null;
  verifiedBy: VerifiedBy;
  /** Real timings with it built, when measured on request. */
  measured?: Measured;
}

export interface PlanSummary {
  totalCost: number;
  executionMs: number | null;
  planningMs: number | null;
}

export interface Advice {
  statement: string;
  plan: PlanSummary;
  suggestions: Suggestion[];
  /** Why nothing was suggested, or what limited the analysis (fallbacks, unverified kinds). */
  notes: string[];
}
