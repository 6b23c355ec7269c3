import { PgTunerError } from '../errors';

/**
 * Every threshold the health checks use. The VS Code settings pgtuner.health.<name> and the
 * CLI map one to one onto these names; anything left out takes the default.
 */
export interface HealthOptions {
  connectionsWarningPercent: number;
  connectionsCriticalPercent: number;
  idleInTransactionWarningSeconds: number;
  idleInTransactionCriticalSeconds: number;
  longQueryWarningSeconds: number;
  longQueryCriticalSeconds: number;
  blockedWarningSeconds: number;
  blockedCriticalSeconds: number;
  cacheHitWarningPercent: number;
  cacheHitCriticalPercent: number;
  /** Fewer block reads than this since the stats reset: too little activity to judge the cache. */
  cacheHitMinBlocks: number;
  /**
   * Oldest unfrozen transaction ID age, as a percent of autovacuum_freeze_max_age (and multixact ID
   * age, of autovacuum_multixact_freeze_max_age).
   */
  xidAgeWarningPercent: number;
  /** …and in millions of IDs, for both (PostgreSQL stops accepting writes near 2 147 million). */
  xidAgeCriticalMillions: number;
  sequenceWarningPercent: number;
  sequenceCriticalPercent: number;
  deadTuplesWarningPercent: number;
  deadTuplesCriticalPercent: number;
  /** Tables with fewer dead rows than this are never flagged. */
  deadTuplesMinRows: number;
  /** A table that changed is stale when not (auto)vacuumed / analyzed for this many days… */
  maintenanceStaleDays: number;
  /** …and has at least this many rows. */
  maintenanceMinRows: number;
  bloatWarningPercent: number;
  bloatCriticalPercent: number;
  /** Estimated waste below this is never reported. */
  bloatMinMegabytes: number;
  replicationLagWarningSeconds: number;
  replicationLagCriticalSeconds: number;
  slotRetainedWarningMegabytes: number;
  slotRetainedCriticalMegabytes: number;
  slowStatementWarningMs: number;
  slowStatementCriticalMs: number;
  /** How many of the slowest statements to list. */
  slowStatementsTop: number;
  /** Statements called fewer times than this are ignored (one-off admin queries). */
  slowStatementMinCalls: number;
  /** shared_buffers at or below this (the server's default is 128 MB) on a larger database: a warning. */
  sharedBuffersWarningMegabytes: number;
  /** work_mem at or below this (the default is 4 MB) while queries spill to temp files: a warning. */
  workMemWarningMegabytes: number;
  /** random_page_cost at or above this (4 is the default, priced for spinning disks): a warning. */
  randomPageCostWarning: number;
  /** A completed WAL segment waiting this long to be archived: a warning… */
  walArchiveWarningMinutes: number;
  /** …and critical. */
  walArchiveCriticalMinutes: number;
  /** 1: archive_mode off is critical (the runbook expects a WAL archive); 0: it is only noted. */
  walArchivingRequired: number;
  /** The newest backup that passed a restore-test older than this (the recovery-point objective): a warning… */
  backupRpoWarningHours: number;
  /** …and critical. */
  backupRpoCriticalHours: number;
}

export const DEFAULT_HEALTH_OPTIONS: Readonly<HealthOptions> = Object.freeze({
  connectionsWarningPercent: 70,
  connectionsCriticalPercent: 90,
  idleInTransactionWarningSeconds: 60,
  idleInTransactionCriticalSeconds: 600,
  longQueryWarningSeconds: 60,
  longQueryCriticalSeconds: 600,
  blockedWarningSeconds: 5,
  blockedCriticalSeconds: 60,
  cacheHitWarningPercent: 99,
  cacheHitCriticalPercent: 95,
  cacheHitMinBlocks: 10_000,
  xidAgeWarningPercent: 100,
  xidAgeCriticalMillions: 1_500,
  sequenceWarningPercent: 75,
  sequenceCriticalPercent: 90,
  deadTuplesWarningPercent: 20,
  deadTuplesCriticalPercent: 50,
  deadTuplesMinRows: 1_000,
  maintenanceStaleDays: 7,
  maintenanceMinRows: 10_000,
  bloatWarningPercent: 50,
  bloatCriticalPercent: 80,
  bloatMinMegabytes: 10,
  replicationLagWarningSeconds: 60,
  replicationLagCriticalSeconds: 600,
  slotRetainedWarningMegabytes: 1_024,
  slotRetainedCriticalMegabytes: 10_240,
  slowStatementWarningMs: 100,
  slowStatementCriticalMs: 1_000,
  slowStatementsTop: 10,
  slowStatementMinCalls: 2,
  sharedBuffersWarningMegabytes: 128,
  workMemWarningMegabytes: 4,
  randomPageCostWarning: 4,
  walArchiveWarningMinutes: 30,
  walArchiveCriticalMinutes: 120,
  walArchivingRequired: 0,
  backupRpoWarningHours: 24,
  backupRpoCriticalHours: 48,
});

/** The defaults overlaid with `given`; unknown names and non-numbers are bad input, named in the message. */
export function resolveHealthOptions(given: Record<string, unknown> = {}): HealthOptions {
  const problems: string[] = [];
  const merged: Record<string, number> = { ...DEFAULT_HEALTH_OPTIONS };
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || value === null) continue;
    // Own properties only: `in` also accepts toString, constructor… inherited from Object.prototype.
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_HEALTH_OPTIONS, name)) problems.push(`unknown threshold "${name}"`);
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      problems.push(`"${name}" must be a number ≥ 0 (got ${JSON.stringify(value)})`);
    else merged[name] = value;
  }
  if (problems.length)
    throw new PgTunerError(
      'BAD_INPUT',
      `Health thresholds: ${problems.join('; ')}. Known thresholds: ${Object.keys(DEFAULT_HEALTH_OPTIONS).join(', ')}.`,
    );
  return merged as unknown as HealthOptions;
}
