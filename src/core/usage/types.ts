/** Index usage as the tree view, the health checks and `pgtuner indexes --json` see it. */

export interface UsageKey {
  /** pg_get_indexdef's text for this key alone: a column name or an expression. */
  text: string;
  /** Operator class name (key columns only; empty for INCLUDE columns). */
  opclass: string;
  desc: boolean;
  nullsFirst: boolean;
  /** Collation name, when the key has one. */
  collation?: string;
}

export interface IndexUsage {
  schema: string;
  table: string;
  name: string;
  /** Access method: btree, hash, gin, gist, brin, spgist… */
  method: string;
  /**
   * Another session holds (or waits for) an ACCESS EXCLUSIVE lock on the table or index, so its
   * definition, predicate and keys were not read (reading them would wait for that lock).
   */
  locked: boolean;
  /** pg_get_indexdef: the exact CREATE INDEX statement (what a drop migration's .down recreates); absent when locked. */
  definition?: string;
  /** WHERE clause of a partial index. */
  predicate?: string;
  keys: UsageKey[];
  /** INCLUDE columns. */
  include: string[];
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** A CREATE INDEX [CONCURRENTLY] is building it right now (pg_stat_progress_create_index). */
  beingBuilt: boolean;
  /** The constraint this index backs (primary key, unique or exclusion), if any. */
  constraint?: { name: string; kind: 'primary key' | 'unique' | 'exclusion' };
  scans: number;
  tuplesRead: number;
  bytes: number;
  /** Index entries as of the last VACUUM/ANALYZE/CREATE INDEX (reltuples); undefined when unknown. */
  rows?: number;
  /** Sum of pg_stats.avg_width over every column stored in the index; undefined when any is unknown. */
  storedWidth?: number;
  /** Index fillfactor (reloption), when set. */
  fillfactor?: number;
}

export interface IndexUsageReport {
  /** When the statistics (scans, tuples read) were last reset; undefined when never reset. */
  statsResetAt?: string;
  /** The server's page size (block_size), for size estimates. */
  blockSize: number;
  indexes: IndexUsage[];
}

export type BadgeKind = 'unused' | 'duplicate' | 'redundant' | 'invalid' | 'bloated';

export interface Badge {
  kind: BadgeKind;
  /** One line for people: why the badge is there. */
  reason: string;
  /** The other index involved (duplicate / redundant), as schema.name. */
  other?: string;
}

export interface AnalyzedIndex extends IndexUsage {
  badges: Badge[];
  /** Flagged and safe to propose dropping: never for unique or constraint-backing indexes. */
  droppable: boolean;
  /** Estimated wasted bytes (bloat), when an estimate exists. */
  bloatBytes?: number;
}

export interface IndexAnalysis {
  statsResetAt?: string;
  indexes: AnalyzedIndex[];
  counts: Record<BadgeKind, number> & { indexes: number; droppable: number; droppableBytes: number };
}

export interface UsageOptions {
  /** An index is bloated when at least this share of it (percent) is estimated wasted… */
  bloatedPercent: number;
  /** …and the waste is at least this many bytes. */
  bloatedMinBytes: number;
}

export const DEFAULT_USAGE_OPTIONS: UsageOptions = { bloatedPercent: 50, bloatedMinBytes: 10 * 1024 * 1024 };
