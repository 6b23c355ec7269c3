/**
 * Workload benchmark (issue 13) on bench/workload: replays workload.json's reads and writes (their
 * calls, parameters in turn) so pg_stat_statements holds a real workload, runs `pgtuner workload
 * --from-stats --file <the workload's statements as an .sql file>` (the built CLI, as a user with the
 * application's SQL in the repository would: the constants pg_stat_statements drops come from
 * there), then for every budget in the file (a fraction of
 * the unconstrained set's size) builds the chosen set, replays the workload and measures the read
 * and write time; the same for the union of the per-query oracle_ddl (the hand-written reference).
 * The oracle's set lives in a copy of the database (<name>_oracle, dropped at the end), built anew
 * for every set, and every set, no index included, is replayed call by call beside it: each figure
 * against the oracle is a ratio of times taken in the same moments. Writes bench/results-workload.json.
 *
 *   node out/bench/workload.bench.js [--db <url of a loaded bench database>] [--scale 0.1] [--search-only]
 *
 * Last, the advisor's search on 50 statements is timed (search50 in the results); --search-only
 * runs only that.
 *
 * --scale multiplies every call count (at least 1 call each) for a quicker, noisier run. A statement's
 * time is the median of its calls times their number: a shared machine's stalls do not land on
 * whichever set happened to be measured then. Each measured set (no index and the oracle's too)
 * replays its writes five times and keeps the median; the recorded replay, the one the advice
 * reads, writes once, as the file says.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client, escapeIdentifier } from 'pg';
import { queryUrl } from '../test/support/sql';
import { asNamedIndex, benchDatabase, dropIndexesNamed, median, WORKLOAD } from './support';

interface Query {
  id: string;
  sql: string;
  params?: unknown[];
  oracle_ddl: (string | string[])[];
}
interface Entry {
  id: string;
  calls: number;
  sql?: string;
  params?: unknown[][];
}
interface WorkloadFile {
  reads: Entry[];
  writes: Entry[];
  budgets: number[];
}
interface Replay {
  readMs: number;
  writeMs: number;
  /** Time of each statement's calls (read or write id → ms): what a set serves and what it does not. */
  byStatement: Record<string, number>;
}

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const RESULTS = path.join(__dirname, '..', '..', 'bench', 'results-workload.json');
/** Index names this benchmark builds (dropped before each set). */
const PREFIX = 'bench_wl_';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const file: WorkloadFile = JSON.parse(fs.readFileSync(path.join(WORKLOAD, 'workload.json'), 'utf8'));
  const queries = new Map<string, Query>(
    (JSON.parse(fs.readFileSync(path.join(WORKLOAD, 'queries.json'), 'utf8')).queries as Query[]).map((q) => [q.id, q]),
  );
  const scaled = (e: Entry) => Math.max(1, Math.round(e.calls * args.scale));
  const reads = file.reads.map((e) => ({
    ...e,
    calls: scaled(e),
    sql: queries.get(e.id)!.sql,
    params: e.params ?? paramsOf(queries.get(e.id)!),
  }));
  const writes = file.writes.map((e) => ({ ...e, calls: scaled(e) }));

  const { url, stop } = await benchDatabase(args.db, 'pgtuner_bench_workload');
  let client = new Client({ connectionString: url });
  let oracleClient: Client | undefined;
  await client.connect();
  const results: Record<string, unknown> = { scale: args.scale, budgets: [] as unknown[] };
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await dropBenchIndexes(client);
    if (args.searchOnly) {
      const previous = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
      fs.writeFileSync(RESULTS, JSON.stringify({ ...previous, search50: search50(url, reads, writes) }, null, 2) + '\n');
      return;
    }
    console.log('replaying the workload without indexes, recorded …');
    await client.query('SELECT pg_stat_statements_reset(), pg_stat_reset()');
    const [recorded] = await replay([client], reads, writes, 1);
    console.log(`  reads ${recorded.readMs.toFixed(0)} ms, writes ${recorded.writeMs.toFixed(0)} ms`);

    // The application's statements as its repository holds them (constants included): pg_stat_statements
    // keeps none, and the advisor takes them from the workspace (--file) for the statements it recorded.
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-bench-workload-'));
    fs.writeFileSync(path.join(workspace, 'app.sql'), [...reads, ...writes].map((e) => `${e.sql!.trim()};\n`).join('\n'));
    const advise = (budget?: number) => {
      const t0 = Date.now();
      const out = execFileSync(
        process.execPath,
        [CLI, 'workload', '--from-stats', '50', '--file', workspace, '--json', ...(budget ? ['--budget', String(budget)] : [])],
        {
          env: { ...process.env, DATABASE_URL: url },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return { report: JSON.parse(out), wallMs: Date.now() - t0 };
    };
    // Every advice reads the statistics of the replay without indexes, before any index is built.
    const free = advise();
    console.log(
      `unconstrained: ${free.report.indexes.length} indexes, ${mb(free.report.totalBytes)} MB, ${free.wallMs} ms, ` +
        `${free.report.search.whatIfPlans} what-if plans, cache hit rate ${(free.report.search.cacheHitRate * 100).toFixed(0)}%`,
    );
    results.unconstrained = {
      ...summary(free.report),
      wallMs: free.wallMs,
      search: free.report.search,
      statements: free.report.statements.length,
    };
    const advised = file.budgets.map((fraction) => {
      const budget = Math.floor(fraction * free.report.totalBytes);
      return { fraction, budget, r: fraction >= 1 ? free : advise(budget) };
    });

    // The oracle's set lives in a copy of the database, measured beside every set (see replay).
    await client.end();
    const oracleUrl = await copyDatabase(url, `${new URL(url).pathname.slice(1)}_oracle`);
    client = new Client({ connectionString: url });
    await client.connect();
    oracleClient = new Client({ connectionString: oracleUrl });
    await oracleClient.connect();
    const oracleDdl = [...new Set(file.reads.flatMap((e) => toSet(queries.get(e.id)!.oracle_ddl[0])))];
    const sides = { set: client, oracle: oracleClient, oracleDdl };

    // Measured like every set, after the advice: its repeated write replays must not reach the statistics.
    const none = await measureSet(sides, [], reads, writes);
    console.log(`no index: reads ${none.readMs.toFixed(0)} ms, writes ${none.writeMs.toFixed(0)} ms`);
    console.log(
      `oracle union beside it: ${oracleDdl.length} indexes, ${mb(none.oracle.bytes)} MB, reads ${none.oracle.readMs.toFixed(0)} ms, writes ${none.oracle.writeMs.toFixed(0)} ms`,
    );
    results.oracle = { indexes: oracleDdl.length, ...none.oracle };
    results.none = { ...none, oracle: undefined };
    // In the oracle's time of the same moments: how many times the oracle's reads a set's reads take.
    const noneVsOracle = none.readMs / none.oracle.readMs;

    for (const { fraction, budget, r } of advised) {
      const measured = await measureSet(
        sides,
        r.report.indexes.map((i: { ddl: string }) => i.ddl),
        reads,
        writes,
      );
      const readVsOracle = measured.readMs / measured.oracle.readMs;
      const writeVsOracle = measured.writeMs / measured.oracle.writeMs;
      const saving = (noneVsOracle - readVsOracle) / Math.max(noneVsOracle - 1, 1e-9);
      console.log(
        `budget ${fraction} (${mb(budget)} MB): ${r.report.indexes.length} indexes, ${mb(measured.bytes)} MB, reads ${measured.readMs.toFixed(0)} ms ` +
          `(${readVsOracle.toFixed(2)}× the oracle's ${measured.oracle.readMs.toFixed(0)} ms beside it, ${(saving * 100).toFixed(0)}% of its saving), ` +
          `writes ${measured.writeMs.toFixed(0)} ms (${writeVsOracle.toFixed(2)}× the oracle's ${measured.oracle.writeMs.toFixed(0)} ms)`,
      );
      (results.budgets as unknown[]).push({
        fraction,
        budgetBytes: budget,
        adviseMs: r.wallMs,
        ...summary(r.report),
        ...measured,
        readVsOracle,
        writeVsOracle,
        shareOfOracleSaving: saving,
      });
    }
    await dropBenchIndexes(client);
    results.search50 = search50(url, reads, writes);
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    console.log(`→ ${RESULTS}`);
  } finally {
    await client.end();
    if (oracleClient) {
      await oracleClient.end();
      await queryUrl(onDatabase(url, 'postgres'), `DROP DATABASE IF EXISTS ${escapeIdentifier(oracleClient.database!)}`);
    }
    await stop();
  }
}

/** Statements in the search-time check (the acceptance: ≤ 30 s for 50 with HypoPG). */
const SEARCH_STATEMENTS = 50;

/**
 * The advisor's search on 50 statements, timed: the workload's reads and writes, then variants of
 * the reads with other integer constants (outside string literals), each a statement of its own,
 * given as a workload file (so nothing depends on pg_stat_statements). Reports the wall time of the
 * CLI, the search's own time, its what-if plans and cache hit rate.
 */
function search50(url: string, reads: Entry[], writes: Entry[]) {
  const statements: { id: string; sql: string; calls: number; params?: unknown[][] }[] = [...reads, ...writes].map((e) => ({
    id: e.id,
    sql: e.sql!,
    calls: e.calls,
    params: e.params,
  }));
  const variable = reads.filter((e) => /\b\d+\b/.test(outsideStrings(e.sql!)));
  for (let k = 1; statements.length < SEARCH_STATEMENTS; k++) {
    for (const e of variable) {
      if (statements.length >= SEARCH_STATEMENTS) break;
      statements.push({ id: `${e.id}~${k}`, sql: shiftIntegers(e.sql!, k), calls: e.calls, params: e.params });
    }
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-bench-search-')), 'workload.json');
  fs.writeFileSync(file, JSON.stringify({ statements }));
  const t0 = Date.now();
  const out = execFileSync(process.execPath, [CLI, 'workload', '--workload', file, '--json'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Date.now() - t0;
  const report = JSON.parse(out);
  console.log(
    `search on ${statements.length} statements: ${(wallMs / 1000).toFixed(1)} s wall (search ${(report.search.ms / 1000).toFixed(1)} s, of it GIN trial builds ${(report.search.trialBuildMs / 1000).toFixed(1)} s), ` +
      `${report.search.whatIfPlans} what-if plans, cache hit rate ${(report.search.cacheHitRate * 100).toFixed(0)}%, ${report.search.candidates} candidates`,
  );
  return { statements: statements.length, planned: report.statements.length, wallMs, ...report.search, indexes: report.indexes.length };
}

/** The text with every integer outside string literals raised by k. */
function shiftIntegers(sql: string, k: number): string {
  return sql
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 ? part : part.replace(/(?<![\w$.])\d+(?![\w.])/g, (n) => String(Number(n) + k))))
    .join('');
}

const outsideStrings = (sql: string) => sql.replace(/'(?:[^']|'')*'/g, "''");

/** Drops the bench's indexes, VACUUMs, builds the set (plain CREATE INDEX: nothing else runs) and ANALYZEs; returns its bytes. */
async function buildSet(client: Client, ddls: string[]): Promise<number> {
  await dropBenchIndexes(client);
  // Each replay's rolled-back writes leave dead rows behind: without this, every set would be
  // measured on tables more bloated than the one measured before it.
  await client.query('VACUUM');
  for (const [i, ddl] of ddls.entries()) await client.query(asBenchIndex(ddl, i));
  await client.query('ANALYZE');
  return Number(
    (
      await client.query(
        `SELECT coalesce(sum(pg_relation_size(c.oid)), 0)::float8 AS b FROM pg_class c WHERE c.relkind = 'i' AND c.relname LIKE '${PREFIX}%'`,
      )
    ).rows[0].b,
  );
}

type Measured = Replay & { bytes: number };

/**
 * Builds the set, and the oracle's again in its database (both then start as newly built indexes,
 * not one of them after every earlier set's replays), replays the workload on both side by side,
 * and drops them.
 */
async function measureSet(
  sides: { set: Client; oracle: Client; oracleDdl: string[] },
  ddls: string[],
  reads: Entry[],
  writes: Entry[],
): Promise<Measured & { oracle: Measured }> {
  const bytes = await buildSet(sides.set, ddls);
  const oracleBytes = await buildSet(sides.oracle, sides.oracleDdl);
  const [set, oracle] = await replay([sides.set, sides.oracle], reads, writes, WRITE_REPLAYS);
  await dropBenchIndexes(sides.set);
  await dropBenchIndexes(sides.oracle);
  return { ...set, bytes, oracle: { ...oracle, bytes: oracleBytes } };
}

const asBenchIndex = (ddl: string, i: number) => asNamedIndex(ddl, `${PREFIX}${i}`);
const dropBenchIndexes = (client: Client) => dropIndexesNamed(client, PREFIX);

/** A copy of the database at `url` named `name` (replaced if it exists); returns its url. */
async function copyDatabase(url: string, name: string): Promise<string> {
  const source = new URL(url).pathname.slice(1);
  const admin = onDatabase(url, 'postgres');
  await queryUrl(admin, `DROP DATABASE IF EXISTS ${escapeIdentifier(name)}`);
  // A copy needs its source to itself: an autovacuum worker may be on it.
  await queryUrl(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [source]);
  await queryUrl(admin, `CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE ${escapeIdentifier(source)}`);
  return onDatabase(url, name);
}

/** The url of database `name` on the server of `url`. */
function onDatabase(url: string, name: string): string {
  const other = new URL(url);
  other.pathname = `/${name}`;
  return other.toString();
}

/**
 * Write replays per measured set. The first replay after a build pays for its indexes' page splits
 * (and a stall of a shared machine lands on one replay): the median of five, each after a VACUUM
 * so that each starts from the same tables, is what the set costs its writers.
 */
const WRITE_REPLAYS = 5;

/**
 * Every read its number of calls, then the writes `writeReplays` times, each replay inside one
 * transaction per database that is rolled back; a statement's time is the median of its replays.
 *
 * Given several databases, each call runs on every one of them in turn (the first to go alternates):
 * this machine's pace changes for minutes at a time (short statements were seen to take 1.5 times
 * as long in one stretch as in the next), and so it changes for all of them at once.
 */
async function replay(clients: Client[], reads: Entry[], writes: Entry[], writeReplays: number): Promise<Replay[]> {
  const readTimes = await timeEach(clients, reads, true);
  const writeRuns: Record<string, number>[][] = [];
  for (let i = 0; i < writeReplays; i++) {
    for (const c of clients) await c.query('VACUUM');
    for (const c of clients) await c.query('BEGIN');
    try {
      writeRuns.push(await timeEach(clients, writes, false));
    } finally {
      for (const c of clients) await c.query('ROLLBACK');
    }
  }
  return clients.map((_, k) => {
    const writeTimes = Object.fromEntries(writes.map((e) => [e.id, median(writeRuns.map((run) => run[k][e.id]))]));
    const byStatement = Object.fromEntries(
      Object.entries({ ...readTimes[k], ...writeTimes }).map(([id, ms]) => [id, Math.round(ms * 10) / 10]),
    );
    return { readMs: total(readTimes[k]), writeMs: total(writeTimes), byStatement };
  });
}

/** Each statement its number of calls, parameters in turn, on every client: per client, the median call times the calls, by id. */
async function timeEach(clients: Client[], entries: Entry[], rollbackWrites: boolean): Promise<Record<string, number>[]> {
  const out = clients.map(() => ({}) as Record<string, number>);
  for (const e of entries) {
    const times = clients.map(() => [] as number[]);
    // A read that writes (UPDATE … RETURNING) is rolled back, as the bench README says.
    const rollback = rollbackWrites && /^\s*(insert|update|delete)\b/i.test(e.sql!);
    for (let call = 0; call < e.calls; call++) {
      const params = e.params?.length ? e.params[call % e.params.length] : undefined;
      for (let j = 0; j < clients.length; j++) {
        const k = (call + j) % clients.length;
        if (rollback) await clients[k].query('BEGIN');
        const t0 = performance.now();
        await clients[k].query({ name: `wl_${e.id}`, text: e.sql!, values: params });
        times[k].push(performance.now() - t0);
        if (rollback) await clients[k].query('ROLLBACK');
      }
    }
    clients.forEach((_, k) => (out[k][e.id] = median(times[k]) * e.calls));
  }
  return out;
}

const total = (times: Record<string, number>) => Object.values(times).reduce((a, b) => a + b, 0);

function summary(report: { indexes: { ddl: string; bytes: number }[]; totalBytes: number; drops: unknown[] }) {
  return { indexes: report.indexes.map((i) => i.ddl), estimatedBytes: report.totalBytes, drops: report.drops.length };
}

function paramsOf(q: Query): unknown[][] | undefined {
  return q.params ? [q.params] : undefined;
}

function toSet(ddl: string | string[] | undefined): string[] {
  return ddl === undefined ? [] : Array.isArray(ddl) ? ddl : [ddl];
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function parseArgs(argv: string[]): { db?: string; scale: number; searchOnly: boolean } {
  const out: { db?: string; scale: number; searchOnly: boolean } = { scale: 1, searchOnly: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db') out.db = argv[++i];
    else if (argv[i] === '--search-only') out.searchOnly = true;
    else if (argv[i] === '--scale') out.scale = Number(argv[++i]);
  }
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
