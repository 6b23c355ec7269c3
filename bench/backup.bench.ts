/**
 * Backup benchmark: PG Tuner's backup and restore-test against the raw tools on the same data,
 * side by side in one run. Each round runs both variants of both measurements, alternating which
 * goes first; the medians of the rounds are compared.
 *   backup        backupDatabase()  vs  pg_dump -Fc -f <file>                       (target ≤ 1.05×)
 *   restore-test  restoreTest()     vs  CREATE DATABASE + pg_restore -j + count(*) of every table + DROP DATABASE
 *                                                                                    (target ≤ 1.10×)
 * Writes bench/results-backup.json. Env: PGTUNER_BENCH_ROWS (default 2,000,000 events ≈ 400 MB),
 * PGTUNER_BENCH_ROUNDS (default 3). Run: `BENCH=backup npm run bench` (from the repository root).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { backupDatabase } from '../src/core/backup/backup';
import { memoryKeyring } from '../src/core/backup/keys';
import { deleteBackup } from '../src/core/backup/listing';
import { restoreTest } from '../src/core/backup/restoreTest';
import { defaultJobs, discoverTools } from '../src/core/backup/tools';
import { Database } from '../src/core/db/database';
import { readServerInfo } from '../src/core/db/serverInfo';
import { defaultRun } from '../src/core/run';
import { targetFromUrl } from '../src/core/db/profile';
import { startCluster } from '../test/support/cluster';
import { libpqEnv, median, runTool, timed } from './support';

const ROWS = Number(process.env.PGTUNER_BENCH_ROWS) || 2_000_000;
const ROUNDS = Math.max(3, Number(process.env.PGTUNER_BENCH_ROUNDS) || 3);
const DATABASE = 'bench_backup';

const DATA_SQL = `
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO accounts SELECT g, 'account ' || g, now() - g * interval '1 minute' FROM generate_series(1, 50000) g;
CREATE TABLE events (id bigserial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), kind smallint NOT NULL,
                     at timestamptz NOT NULL, payload text NOT NULL);
INSERT INTO events (account_id, kind, at, payload)
SELECT 1 + (g::bigint * 7919) % 50000, g % 12, now() - g * interval '1 second', md5(g::text) || md5((g * 31)::text) || md5((g * 17)::text)
  FROM generate_series(1, $ROWS) g;
CREATE INDEX events_account_at ON events (account_id, at);
CREATE TABLE settings (key text PRIMARY KEY, value jsonb);
INSERT INTO settings SELECT 'k' || g, jsonb_build_object('v', g) FROM generate_series(1, 100) g;`;

const SIZE_SQL = 'SELECT pg_database_size(current_database())::bigint AS bytes';
const TABLES_SQL = `SELECT quote_ident(schemaname) || '.' || quote_ident(relname) AS name FROM pg_stat_user_tables ORDER BY 1`;

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const cluster = await startCluster({ log: (l) => console.log(l) });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-bench-backup-'));
  try {
    const url = await cluster.createDatabase(DATABASE, { extensions: [] });
    console.log(`generating ${ROWS} events…`);
    const generateMs = await timed(async () => {
      await cluster.sql(DATABASE, DATA_SQL.replace('$ROWS', String(ROWS)));
      await cluster.sql(DATABASE, 'VACUUM ANALYZE');
    });
    const dbBytes = await withClient(url, async (c) => Number((await c.query(SIZE_SQL)).rows[0].bytes));
    console.log(`database ${(dbBytes / 2 ** 20).toFixed(0)} MB, generated in ${(generateMs / 1000).toFixed(1)} s`);

    const db = new Database(targetFromUrl(url), { statementTimeoutMs: 0 });
    const server = await db.withSession(readServerInfo);
    const tools = await discoverTools(server.versionNum, { toolsDirectory: cluster.binDir });
    const jobs = defaultJobs();
    // No retention: each round deletes the previous dump itself, outside the timing.
    const backupRun = defaultRun({ settings: { 'backup.toolsDirectory': cluster.binDir, 'backup.jobs': jobs, 'backup.keep': 0 } });
    const env = libpqEnv(cluster);
    console.log(`pg_dump ${tools.pgDump.version} (${tools.pgDump.path}), pg_restore -j ${jobs}, ${ROUNDS} rounds`);

    const rawDumpFile = path.join(work, 'raw.dump');
    const rawBackup = () => timed(() => runTool(tools.pgDump.path, ['-Fc', '-f', rawDumpFile, DATABASE], env));
    let lastDump = '';
    const keys = memoryKeyring();
    const ourBackup = async () => {
      // The previous round's dump goes first, outside the timing: only the backup is measured.
      if (lastDump) await deleteBackup(lastDump, work);
      return timed(async () => {
        lastDump = (await backupDatabase(db, { directory: work, keys }, backupRun)).dumpPath;
      });
    };

    const rawRestore = (dumpFile: string) =>
      timed(async () => {
        await withClient(cluster.url(), (c) => c.query('CREATE DATABASE raw_restore TEMPLATE template0'));
        await runTool(tools.pgRestore.path, ['-d', 'raw_restore', `-j${jobs}`, '--exit-on-error', '--no-owner', '--no-acl', dumpFile], env);
        await withClient(cluster.url('raw_restore'), async (c) => {
          for (const { name } of (await c.query<{ name: string }>(TABLES_SQL)).rows) await c.query(`SELECT count(*) FROM ${name}`);
        });
        await withClient(cluster.url(), (c) => c.query('DROP DATABASE raw_restore WITH (FORCE)'));
      });
    const ourRestoreTest = (dumpFile: string) =>
      timed(async () => {
        const r = await restoreTest(db, { dumpPath: dumpFile, keys }, backupRun);
        if (!r.ok) throw new Error(`restore-test failed: ${r.message}`);
      });

    const rounds: { round: number; order: string; backup: { raw: number; ours: number }; restore: { raw: number; ours: number } }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const oursFirst = i % 2 === 1;
      const backup = { raw: 0, ours: 0 };
      const restore = { raw: 0, ours: 0 };
      if (oursFirst) {
        backup.ours = await ourBackup();
        backup.raw = await rawBackup();
        restore.ours = await ourRestoreTest(lastDump);
        restore.raw = await rawRestore(lastDump);
      } else {
        backup.raw = await rawBackup();
        backup.ours = await ourBackup();
        restore.raw = await rawRestore(lastDump);
        restore.ours = await ourRestoreTest(lastDump);
      }
      rounds.push({ round: i + 1, order: oursFirst ? 'pgtuner first' : 'raw first', backup, restore });
      console.log(
        `round ${i + 1} (${oursFirst ? 'pgtuner first' : 'raw first'}): backup raw ${(backup.raw / 1000).toFixed(2)} s, pgtuner ${(backup.ours / 1000).toFixed(2)} s; ` +
          `restore raw ${(restore.raw / 1000).toFixed(2)} s, pgtuner ${(restore.ours / 1000).toFixed(2)} s`,
      );
    }
    await db.end();

    const summarize = (key: 'backup' | 'restore', target: number) => {
      const raw = median(rounds.map((r) => r[key].raw));
      const ours = median(rounds.map((r) => r[key].ours));
      // Other work on a shared machine shifts whole rounds; the ratio within each round is steadier.
      const pairedRatio = median(rounds.map((r) => r[key].ours / r[key].raw));
      return {
        rawMedianMs: Math.round(raw),
        pgtunerMedianMs: Math.round(ours),
        ratio: Number((ours / raw).toFixed(3)),
        medianPairedRatio: Number(pairedRatio.toFixed(3)),
        target,
        withinTarget: ours / raw <= target,
      };
    };
    const results = {
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
      server: server.version,
      pgDump: tools.pgDump.version,
      jobs,
      data: { events: ROWS, databaseBytes: dbBytes, dumpBytes: fs.statSync(lastDump).size },
      rounds,
      backup: summarize('backup', 1.05),
      restoreTest: summarize('restore', 1.1),
      notes: [
        'backup: pgtuner = export snapshot, exact count(*) of every table in it concurrently with pg_dump --snapshot, sha256, manifest; raw = pg_dump -Fc -f.',
        'restore-test: pgtuner = sha256 check, pg_restore --list, CREATE DATABASE, pg_restore -j, counts + index/constraint/sequence checks, DROP DATABASE; raw = CREATE DATABASE, pg_restore -j, count(*) of every table, DROP DATABASE.',
        'Order alternates between rounds; medians compared.',
      ],
    };
    const target = path.join(process.cwd(), 'bench', 'results-backup.json');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, JSON.stringify(results, null, 2) + '\n');
    console.log(JSON.stringify({ backup: results.backup, restoreTest: results.restoreTest }, null, 2));
    console.log(`written ${target}`);
    if (!results.backup.withinTarget || !results.restoreTest.withinTarget) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
