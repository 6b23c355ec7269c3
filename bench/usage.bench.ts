/**
 * Index-usage and health benchmark: a database with 10 000 indexes (2 000 tables × 5 indexes:
 * the primary key and four more), then
 *   tree    readIndexUsage() + analyzeIndexUsage(): what the Indexes view loads   (target ≤ 300 ms, one query)
 *   health  runHealthChecks(): the full health run                                (target ≤ 1 000 ms)
 * Medians of several runs after a warm-up. With pg_stat_statements available, the statements one
 * tree load sends are counted from the server's side. Writes bench/results-usage.json and exits 1
 * when a target is missed. Env: PGTUNER_BENCH_TABLES (default 2000), PGTUNER_BENCH_ROUNDS (default 9),
 * PGTUNER_USAGE_BENCH_URL (a database this benchmark loaded before: skips the cluster and the setup).
 *
 * Run: npx tsc -p . && node out/bench/usage.bench.js   (or `npm run bench` with BENCH=usage)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Database, Session } from '../src/core/db/database';
import { targetFromUrl } from '../src/core/db/profile';
import { runHealthChecks } from '../src/core/health/run';
import { defaultRun } from '../src/core/run';
import { analyzeIndexUsage } from '../src/core/usage/analyze';
import { readIndexUsage } from '../src/core/usage/load';
import { startCluster } from '../test/support/cluster';

const TABLES = Number(process.env.PGTUNER_BENCH_TABLES) || 2000;
const ROUNDS = Math.max(3, Number(process.env.PGTUNER_BENCH_ROUNDS) || 9);
const BATCH = 250;
const TREE_TARGET_MS = 300;
const HEALTH_TARGET_MS = 1000;
const RESULTS = path.join(__dirname, '..', '..', 'bench', 'results-usage.json');

/** One DO block per batch keeps the locks of one transaction well under max_locks_per_transaction. */
const CREATE_BATCH_SQL = (from: number, to: number) => `
DO $$
BEGIN
  FOR i IN ${from}..${to} LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, a int, b int, c text, d timestamptz)', i);
    EXECUTE format('INSERT INTO t%s SELECT g, g %% 7, g %% 11, md5(g::text), now() FROM generate_series(1, 20) g', i);
    EXECUTE format('CREATE INDEX t%s_a ON t%s (a)', i, i);
    EXECUTE format('CREATE INDEX t%s_b ON t%s (b)', i, i);
    EXECUTE format('CREATE INDEX t%s_a_b ON t%s (a, b)', i, i);
    EXECUTE format('CREATE INDEX t%s_c ON t%s (c)', i, i);
  END LOOP;
END $$`;

const COUNT_INDEXES_SQL = `SELECT count(*)::int AS n FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`;
const HAS_PGSS_SQL = `SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`;
const PGSS_RESET_SQL = `SELECT pg_stat_statements_reset()`;
const PGSS_SEEN_SQL = `
SELECT calls::int AS calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS query, query LIKE '%pg_index%' AS reads_indexes
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND query NOT LIKE '%pg_stat_statements%'
 ORDER BY query`;

/** CPU time (user + system, ms) a local backend has used so far; undefined when /proc is not readable. */
function backendCpuMs(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

/** timed(), plus the CPU the session's backend spent meanwhile (undefined when it is not local). */
async function timedOnServer<T>(session: Session, fn: () => Promise<T>): Promise<[[number, T], number | undefined]> {
  const before = backendCpuMs(session.pid);
  const result = await timed(fn);
  const after = backendCpuMs(session.pid);
  return [result, before !== undefined && after !== undefined ? after - before : undefined];
}

/** The statements one tree load sends, as pg_stat_statements saw them. */
async function statementsOfOneLoad(session: Session): Promise<Statement[]> {
  await session.query(PGSS_RESET_SQL);
  await readIndexUsage(session);
  return (await session.query<Statement>(PGSS_SEEN_SQL)).rows;
}
interface Statement {
  calls: number;
  query: string;
  reads_indexes: boolean;
}

/**
 * A fixed CPU-bound query, timed the same way: the machine's speed at the time of the run (the
 * bench machine may be shared), so the figures can be read against it.
 */
const CALIBRATION_SQL = `SELECT count(*) FROM generate_series(1, 1000000)`;

async function main(): Promise<void> {
  const reuse = process.env.PGTUNER_USAGE_BENCH_URL;
  const cluster = reuse ? undefined : await startCluster({ log: (l) => console.log(l) });
  try {
    const url = reuse ?? (await cluster!.createDatabase('bench_usage', { extensions: [] }));
    const admin = new Client({ connectionString: url });
    await admin.connect();
    const version = (await admin.query('SHOW server_version')).rows[0].server_version as string;
    const [setupMs] = await timed(async () => {
      if (reuse) return;
      for (let from = 1; from <= TABLES; from += BATCH) await admin.query(CREATE_BATCH_SQL(from, Math.min(TABLES, from + BATCH - 1)));
      await admin.query('ANALYZE');
      await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
    });
    const indexes = (await admin.query(COUNT_INDEXES_SQL)).rows[0].n as number;
    const pgss = (await admin.query(HAS_PGSS_SQL)).rows[0].n > 0;
    await admin.end();
    console.log(`${TABLES} tables, ${indexes} indexes created in ${(setupMs / 1000).toFixed(1)} s`);

    const db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    try {
      const treeRuns: number[] = [];
      const treeCpu: number[] = [];
      const calibration: number[] = [];
      const calibrationCpu: number[] = [];
      const healthRuns: number[] = [];
      let listed = 0;
      let slowestChecks: { id: string; ms: number }[] = [];
      await db.withSession(async (session) => {
        await readIndexUsage(session); // warm-up: catalog caches, plan
        await runHealthChecks(db, {}, defaultRun());
        // Each round times the reference query right before the tree and the health run, so that all
        // three see the machine at the same speed (a shared machine's speed drifts within seconds).
        for (let r = 0; r < ROUNDS; r++) {
          const [calibrationMs, calibrationCpuMs] = await timedOnServer(session, () => session.query(CALIBRATION_SQL));
          calibration.push(calibrationMs[0]);
          if (calibrationCpuMs !== undefined) calibrationCpu.push(calibrationCpuMs);
          const [[ms, analysis], cpuMs] = await timedOnServer(session, async () => analyzeIndexUsage(await readIndexUsage(session)));
          treeRuns.push(ms);
          if (cpuMs !== undefined) treeCpu.push(cpuMs);
          listed = analysis.indexes.length;
          const [healthMs, report] = await timed(() => runHealthChecks(db, {}, defaultRun()));
          healthRuns.push(healthMs);
          if (report.counts.error)
            throw new Error(`health checks failed: ${JSON.stringify(report.results.filter((x) => x.status === 'error'))}`);
          slowestChecks = [...report.results]
            .sort((a, b) => b.durationMs - a.durationMs)
            .slice(0, 5)
            .map((x) => ({ id: x.id, ms: x.durationMs }));
        }
      });
      const statements = pgss ? await db.withSession(statementsOfOneLoad) : undefined;
      const dataQueries = statements?.filter((s) => s.reads_indexes) ?? [];
      const ratios = (runs: number[]) => Number(median(runs.map((ms, r) => ms / calibration[r])).toFixed(2));
      const results = {
        date: new Date().toISOString(),
        server: `PostgreSQL ${version}`,
        tables: TABLES,
        indexes,
        rounds: ROUNDS,
        calibrationMs: {
          query: CALIBRATION_SQL,
          medianMs: Math.round(median(calibration)),
          serverCpuMs: calibrationCpu.length ? median(calibrationCpu) : 'unknown',
          note: 'a CPU-bound reference query timed before each round: read the other figures against it',
        },
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
        tree: {
          medianMs: Math.round(median(treeRuns)),
          runsMs: treeRuns.map(Math.round),
          targetMs: TREE_TARGET_MS,
          /** Median over rounds of (tree time ÷ the reference query's time in the same round). */
          vsCalibration: ratios(treeRuns),
          // CPU the server spent on one load (the query alone), unaffected by waiting for a shared CPU.
          serverCpuMs: treeCpu.length ? median(treeCpu) : 'unknown (server not local)',
          indexesListed: listed,
          statementsPerLoad: statements?.map(({ calls, query }) => ({ calls, query })) ?? 'pg_stat_statements not available',
          catalogQueriesPerLoad: pgss ? dataQueries.reduce((n, s) => n + s.calls, 0) : 'unknown',
        },
        health: {
          medianMs: Math.round(median(healthRuns)),
          runsMs: healthRuns.map(Math.round),
          targetMs: HEALTH_TARGET_MS,
          vsCalibration: ratios(healthRuns),
          slowestChecks,
        },
      };
      const pass =
        results.tree.medianMs <= TREE_TARGET_MS &&
        results.health.medianMs <= HEALTH_TARGET_MS &&
        listed === indexes &&
        (!pgss || results.tree.catalogQueriesPerLoad === 1);
      fs.writeFileSync(RESULTS, JSON.stringify({ ...results, pass }, null, 2) + '\n');
      console.log(JSON.stringify({ ...results, pass }, null, 2));
      console.log(
        `tree: ${results.tree.medianMs} ms (target ≤ ${TREE_TARGET_MS}), health: ${results.health.medianMs} ms (target ≤ ${HEALTH_TARGET_MS}) → ${pass ? 'PASS' : 'FAIL'}`,
      );
      process.exitCode = pass ? 0 : 1;
    } finally {
      await db.end();
    }
  } finally {
    await cluster?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
