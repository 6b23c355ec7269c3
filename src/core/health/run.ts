import { Database, Session } from '../db/database';
import { rememberServerInfo, SERVER_FACTS_PARAMS, SERVER_FACTS_SQL } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { healthOptionsOf } from '../settings/schema';
import { readIndexUsage } from '../usage/load';
import { analyzeIndexUsage } from '../usage/analyze';
import { IndexAnalysis } from '../usage/types';
import { BackupKeyring } from '../backup/keys';
import { listRemoteEntries } from '../backup/remote';
import { readBackupSource } from '../backup/source';
import { blockedQueries, connections, idleInTransaction, longQueries } from './checks/activity';
import { walArchiving } from './checks/archiving';
import { backupFreshness } from './checks/backupFreshness';
import { cacheHit } from './checks/caching';
import { invalidIndexes, unusedAndDuplicateIndexes } from './checks/indexes';
import { bloat, deadTuples, multixactWraparound, staleMaintenance, wraparound } from './checks/maintenance';
import { replicationLag, replicationSlots } from './checks/replication';
import { invalidConstraints, noPrimaryKey } from './checks/schema';
import { sequencesNearMax } from './checks/sequences';
import { randomPageCost, sharedBuffers, workMem } from './checks/settings';
import { slowestStatements } from './checks/statements';
import { HealthOptions } from './options';
import { CheckContext, CheckResult, CheckStatus, HealthCheck, HealthReport, Outcome, Requirement } from './types';

/** Every check, in report order. */
export const HEALTH_CHECKS: readonly HealthCheck[] = [
  connections,
  idleInTransaction,
  longQueries,
  blockedQueries,
  cacheHit,
  wraparound,
  multixactWraparound,
  deadTuples,
  staleMaintenance,
  bloat,
  sequencesNearMax,
  invalidIndexes,
  unusedAndDuplicateIndexes,
  invalidConstraints,
  noPrimaryKey,
  replicationLag,
  replicationSlots,
  walArchiving,
  backupFreshness,
  slowestStatements,
  sharedBuffers,
  workMem,
  randomPageCost,
];

/**
 * No check may hang behind another session's lock: it fails (reported as an error) instead. No
 * JIT either: on big catalogs the checks' estimated costs pass jit_above_cost, and compiling
 * takes seconds for queries that run in milliseconds.
 */
const START_SQL = `
SELECT set_config('lock_timeout', '2s', false) AS lock_timeout, set_config('jit', 'off', false) AS jit, facts.*
  FROM (${SERVER_FACTS_SQL}) facts`;
const RESET_RUN_SETTINGS_SQL = `SELECT set_config(name, reset_val, false) FROM pg_settings WHERE name IN ('lock_timeout', 'jit')`;

const REQUIREMENT_TEXT: Record<Requirement, string> = {
  pg_read_all_stats: "membership in pg_read_all_stats (or pg_monitor) to see other roles' sessions: GRANT pg_monitor TO <role>",
};

const PERMISSION_DENIED = '42501';

export interface HealthInput {
  /** Run only these check ids (all when absent). */
  only?: string[];
  /** The folder of this database's backups and the keys that sign them: the backup-freshness check reads it. */
  backups?: { directory: string; keys?: BackupKeyring; remote?: boolean };
}

/**
 * Runs the health checks one after the other on one session, with the thresholds of
 * run.settings (health.*). A check that lacks a privilege is skipped with what it needs; one that
 * fails for another reason is reported as an error; neither stops the run. Only a lost connection
 * or a cancel ends it early.
 */
export async function runHealthChecks(db: Database, input: HealthInput, run: Run): Promise<HealthReport> {
  const checks = selectChecks(input.only);
  const options = healthOptionsOf(run.settings);
  return db.withSession(
    (session) =>
      runChecks(
        session,
        checks,
        options,
        run,
        input.backups && {
          ...input.backups,
          source: async () => (await readBackupSource(db, session)).identity,
          // remote: also the copies in the bucket of pgtuner.backup.s3.*.
          remote: input.backups.remote ? () => listRemoteEntries({ keys: input.backups!.keys }, run) : undefined,
        },
      ),
    run.signal,
  );
}

/** The checks to run, in report order; an unknown id is bad input (before anything connects). */
function selectChecks(only: string[] | undefined): readonly HealthCheck[] {
  const unknown = (only ?? []).filter((id) => !HEALTH_CHECKS.some((c) => c.id === id));
  if (unknown.length)
    throw new PgTunerError('BAD_INPUT', `Unknown health check ${unknown.join(', ')}; known: ${HEALTH_CHECKS.map((c) => c.id).join(', ')}.`);
  return only ? HEALTH_CHECKS.filter((c) => only.includes(c.id)) : HEALTH_CHECKS;
}

async function runChecks(
  session: Session,
  checks: readonly HealthCheck[],
  options: HealthOptions,
  run: Run,
  backups: CheckContext['backups'],
): Promise<HealthReport> {
  const started = Date.now();
  // Start-up is one round trip: the run's settings and the server's facts together.
  const server = rememberServerInfo(session, (await session.query(START_SQL, SERVER_FACTS_PARAMS)).rows[0]);
  let analysis: Promise<IndexAnalysis> | undefined;
  const ctx: CheckContext = {
    session,
    options,
    server,
    backups,
    indexAnalysis: () =>
      (analysis ??= readIndexUsage(session).then((report) =>
        analyzeIndexUsage(report, {
          bloatedPercent: options.bloatWarningPercent,
          bloatedMinBytes: options.bloatMinMegabytes * 1024 * 1024,
        }),
      )),
  };

  const results: CheckResult[] = [];
  try {
    for (const [n, check] of checks.entries()) {
      run.onProgress?.(check.title, n / checks.length);
      const t0 = Date.now();
      const found = await runOne(check, ctx);
      results.push({ id: check.id, title: check.title, category: check.category, ...found, durationMs: Date.now() - t0 });
    }
  } finally {
    await session.query(RESET_RUN_SETTINGS_SQL);
  }
  const counts = { ok: 0, warning: 0, critical: 0, skipped: 0, error: 0 } as Record<CheckStatus, number>;
  for (const r of results) counts[r.status]++;
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    server: { version: server.version, database: server.database, user: server.user },
    counts,
    results,
  };
}

async function runOne(check: HealthCheck, ctx: CheckContext): Promise<Outcome> {
  if (check.needs && !ctx.server.readsAllStats) return skipped(REQUIREMENT_TEXT[check.needs]);
  try {
    return await check.run(ctx);
  } catch (err) {
    if (err instanceof PgTunerError && (err.code === 'SERVER_DOWN' || err.code === 'CANCELLED')) throw err;
    if (err instanceof PgTunerError && err.sqlState === PERMISSION_DENIED) return skipped(`a privilege this role lacks (${err.message})`);
    return {
      status: 'error',
      figure: `the check failed: ${(err as Error).message}`,
      threshold: '',
      advice: 'Look at the message; the other checks still ran.',
      details: [],
    };
  }
}

function skipped(needs: string): Outcome {
  return { status: 'skipped', figure: `skipped: needs ${needs}`, threshold: '', advice: '', details: [] };
}

/** Whether a report should fail a CI run: any critical finding or a check that errored. */
export function reportFailed(report: HealthReport, failOn: 'critical' | 'warning' = 'critical'): boolean {
  return report.counts.error > 0 || report.counts.critical > 0 || (failOn === 'warning' && report.counts.warning > 0);
}
