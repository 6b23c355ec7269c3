/**
 * Hostile-input suite (acceptance test of issue 11). Every path that sends user text to the
 * server — Explain (ANALYZE and plain), generic plans, Explain & Suggest (HypoPG and trial
 * builds), restore-test verification queries, migration generation from a suggestion, and the
 * CLI's --sql / --file / --queries — gets the corpus of corpus.ts on a production and a
 * development profile. A call may fail or succeed (e.g. fall back to plain EXPLAIN); what is
 * asserted is that nothing changed afterwards: row counts, sequences, roles, advisory locks, the
 * second database reached through dblink, and the settings of the pooled session (the checks
 * run through the same Database object with maxConnections: 1, so on the same backend).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { advise } from '../../../src/core/advisor/advise';
import { measureSuggestion } from '../../../src/core/advisor/measure';
import { Suggestion } from '../../../src/core/advisor/types';
import { backupDatabase } from '../../../src/core/backup/backup';
import { uploadBackup } from '../../../src/core/backup/remote';
import { restoreTest } from '../../../src/core/backup/restoreTest';
import { Database } from '../../../src/core/db/database';
import { Environment, targetFromUrl } from '../../../src/core/db/profile';
import { explainStatement } from '../../../src/core/db/safeExplain';
import { generateIndexMigration } from '../../../src/core/migrations/generate';
import { applyPending } from '../../../src/core/migrations/runner';
import { defaultRun } from '../../../src/core/run';
import { sqlFromJsString } from '../../../src/core/sql/embedded';
import { adviseWorkload } from '../../../src/core/workload/adviseWorkload';
import { statementsFromCode } from '../../../src/core/workload/inputs';
import { measureWorkload } from '../../../src/core/workload/measure';
import { CLI_PATH } from '../../support/cli';
import { LocalS3, startLocalS3 } from '../../support/s3';
import { Cluster } from '../../support/cluster';
import { freshDatabase, getCluster } from '../../support/integrationHooks';
import { CORPUS, CorpusContext, HostileCase, JS_CORPUS, MIGRATION_CORPUS } from './corpus';

const PROFILES: Environment[] = ['production', 'development'];
/** Rows of t in the Explain/advisor databases: enough for a plan above the advisor's minimum cost. */
const ROWS = 10_000;
/** Rows of t in the (small) restore-test source. */
const VERIFY_ROWS = 200;

const fixtureSql = (rows: number) => `
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, title text NOT NULL, tags text[] NOT NULL);
INSERT INTO t SELECT g, g % 500, 'title ' || g, ARRAY['a' || (g % 50)] FROM generate_series(1, ${rows}) g;
CREATE SEQUENCE s;
SELECT setval('s', 100);
CREATE SCHEMA evil;
CREATE PROCEDURE purge_t() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t WHERE id % 2 = 0; COMMIT; END $$;
CREATE FUNCTION purge_fn() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN DELETE FROM t WHERE id % 2 = 1; RETURN 1; END $$;
ANALYZE t;`;

const repairSql = (rows: number) => `
TRUNCATE t;
INSERT INTO t SELECT g, g % 500, 'title ' || g, ARRAY['a' || (g % 50)] FROM generate_series(1, ${rows}) g;
SELECT setval('s', 100);
ANALYZE t;`;

const VICTIM_SQL = 'CREATE TABLE victim (id int PRIMARY KEY); INSERT INTO victim SELECT generate_series(1, 100);';
const MIG_SQL = `
CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL);
INSERT INTO docs SELECT g, 'doc ' || g, 'body ' || (g % 977) FROM generate_series(1, 20000) g;
CREATE TABLE canary (x int); INSERT INTO canary SELECT generate_series(1, 10);
ANALYZE docs;`;

/** Settings of the pooled session that hostile text could leave behind. */
const SESSION_STATE_SQL = `
SELECT current_user::text AS "current_user", session_user::text AS "session_user",
       current_setting('role') AS role,
       current_setting('statement_timeout') AS statement_timeout,
       current_setting('search_path') AS search_path,
       current_setting('default_transaction_read_only') AS default_transaction_read_only,
       (SELECT count(*)::int FROM pg_prepared_statements) AS prepared_statements,
       (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS own_advisory_locks,
       now() <> statement_timestamp() AS inside_transaction`;

interface Fixture {
  name: string;
  url: string;
  rows: number;
  admin: Client;
}

/** One throwaway world: the databases, an admin connection to each, the dump for restore-tests. */
interface World {
  cluster: Cluster;
  ctx: CorpusContext;
  main: Fixture;
  noHypo: Fixture;
  scs: Fixture;
  scsNoHypo: Fixture;
  verifySource: Fixture;
  other: { url: string; admin: Client };
  mig: { url: string; admin: Client };
  server: Client;
  dumpPath: string;
  tmp: string;
  pristine: Record<string, unknown>;
}

const dbName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  c.on('error', () => undefined);
  return c;
}

async function makeFixture(cluster: Cluster, name: string, rows: number, options: { hypopg: boolean; scsOff?: boolean }): Promise<Fixture> {
  const url = await cluster.createDatabase(undefined, {
    extensions: ['pg_trgm', ...(options.hypopg && cluster.hypopgAvailable ? ['hypopg'] : [])],
  });
  // A database-level setting reaches every later session, the tool's included.
  if (options.scsOff) await cluster.sql('postgres', `ALTER DATABASE "${dbName(url)}" SET standard_conforming_strings = off`);
  const admin = await connect(url);
  await admin.query(fixtureSql(rows));
  return { name, url, rows, admin };
}

/** Everything outside the pooled session that must not change: cheap queries on admin connections. */
async function globalState(w: World): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const f of [w.main, w.noHypo, w.scs, w.scsNoHypo, w.verifySource]) {
    const r = await f.admin.query(
      'SELECT (SELECT count(*)::int FROM t) AS rows, (SELECT sum(k)::text FROM t) AS sum_k, last_value::text AS seq_last_value, is_called AS seq_is_called FROM s',
    );
    out[f.name] = r.rows[0];
  }
  out.otherDatabaseVictimRows = (await w.other.admin.query('SELECT count(*)::int AS n FROM victim')).rows[0].n;
  try {
    out.migCanaryRows = (await w.mig.admin.query('SELECT count(*)::int AS n FROM canary')).rows[0].n;
  } catch (err) {
    out.migCanaryRows = `missing: ${(err as Error).message}`;
  }
  out.roles = (await w.server.query('SELECT array_agg(rolname::text ORDER BY rolname) AS r FROM pg_roles')).rows[0].r;
  out.advisoryLocks = (await w.server.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n;
  return out;
}

async function sessionState(db: Database): Promise<Record<string, unknown>> {
  return (await db.query(SESSION_STATE_SQL)).rows[0];
}

/** Puts back what a case changed (only that: refilling every table would dominate the run time). */
async function repair(w: World, now: Record<string, unknown> | undefined): Promise<void> {
  const changed = (key: string) => !now || JSON.stringify(now[key]) !== JSON.stringify(w.pristine[key]);
  for (const f of [w.main, w.noHypo, w.scs, w.scsNoHypo, w.verifySource]) if (changed(f.name)) await f.admin.query(repairSql(f.rows));
  if (changed('otherDatabaseVictimRows')) await w.other.admin.query('TRUNCATE victim; INSERT INTO victim SELECT generate_series(1, 100);');
  if (changed('migCanaryRows'))
    await w.mig.admin.query(
      'CREATE TABLE IF NOT EXISTS canary (x int); TRUNCATE canary; INSERT INTO canary SELECT generate_series(1, 10);',
    );
  const extra = (await w.server.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'hx\\_%' AND rolname <> 'hx_mallory'`)).rows;
  for (const r of extra) await w.server.query(`DROP ROLE IF EXISTS "${r.rolname}"`);
  if (changed('advisoryLocks'))
    await w.server.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`);
}

const describeOutcome = (o: { ok: true; value?: unknown } | { ok: false; error: unknown }) =>
  o.ok ? 'the call succeeded' : `the call failed with ${(o.error as { code?: string }).code ?? ''} ${(o.error as Error).message}`;

type State = Record<string, unknown>;

/** What differs, readably: "main.rows: 10000 → 0", "roles: +hx_cr_commit". */
function stateDiff(before: State, after: State, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key];
    const a = after[key];
    if (Array.isArray(b) || Array.isArray(a)) {
      const had = new Set((b as unknown[]) ?? []);
      const has = new Set((a as unknown[]) ?? []);
      const changes = [
        ...[...has].filter((x) => !had.has(x)).map((x) => `+${x}`),
        ...[...had].filter((x) => !has.has(x)).map((x) => `-${x}`),
      ];
      if (changes.length) out.push(`${prefix}${key}: ${changes.join(' ')}`);
    } else if (b && a && typeof b === 'object' && typeof a === 'object') {
      out.push(...stateDiff(b as State, a as State, `${prefix}${key}.`));
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(`${prefix}${key}: ${JSON.stringify(b)} → ${JSON.stringify(a)}`);
    }
  }
  return out;
}

function assertUnchanged(after: State, before: State, what: string, how: string): void {
  const diff = stateDiff(before, after);
  if (diff.length) assert.fail(`${what} changed (${how}): ${diff.join('; ')}`);
}

describe('hostile input (issue 11): nothing escapes the guarded transaction', function () {
  this.timeout(60_000);
  let w: World;

  before(async function () {
    this.timeout(120_000);
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    const cluster = await getCluster();
    const server = await connect(cluster.url('postgres'));
    await server.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hx_mallory') THEN CREATE ROLE hx_mallory NOLOGIN; END IF; END $$`,
    );
    const otherUrl = await cluster.createDatabase(undefined, { extensions: [] });
    const other = { url: otherUrl, admin: await connect(otherUrl) };
    await other.admin.query(VICTIM_SQL);
    const migUrl = await cluster.createDatabase();
    const mig = { url: migUrl, admin: await connect(migUrl) };
    await mig.admin.query(MIG_SQL);
    // dblink connects through the cluster's Unix socket (trust) so no password sits in the SQL text.
    const socketHost = cluster.kind === 'system' ? path.dirname(cluster.dataDir) : '127.0.0.1';
    const ctx: CorpusContext = {
      dblink: `host=${socketHost} port=${cluster.port} dbname=${dbName(otherUrl)} user=${cluster.superuser}${cluster.kind === 'system' ? '' : ` password=${cluster.password}`}`,
    };
    const main = await makeFixture(cluster, 'main', ROWS, { hypopg: true });
    const noHypo = await makeFixture(cluster, 'noHypopg', ROWS, { hypopg: false });
    const scs = await makeFixture(cluster, 'scsOff', ROWS, { hypopg: true, scsOff: true });
    const scsNoHypo = await makeFixture(cluster, 'scsOffNoHypopg', ROWS, { hypopg: false, scsOff: true });
    const verifySource = await makeFixture(cluster, 'restoreTestSource', VERIFY_ROWS, { hypopg: false });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-hostile-'));
    const src = new Database(targetFromUrl(verifySource.url));
    let dumpPath: string;
    try {
      dumpPath = (
        await backupDatabase(
          src,
          { directory: path.join(tmp, 'backups') },
          defaultRun({ settings: { 'backup.toolsDirectory': cluster.binDir } }),
        )
      ).dumpPath;
    } finally {
      await src.end();
    }
    w = { cluster, ctx, main, noHypo, scs, scsNoHypo, verifySource, other, mig, server, dumpPath, tmp, pristine: {} };
    w.pristine = await globalState(w);
    // The fixture is what the cases assume: hypopg where wanted, scs off where wanted.
    assert.equal((await scs.admin.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings, 'off');
    assert.deepEqual((await noHypo.admin.query(`SELECT extname FROM pg_extension WHERE extname = 'hypopg'`)).rows, []);
  });

  after(async () => {
    if (!w) return;
    for (const c of [
      w.main.admin,
      w.noHypo.admin,
      w.scs.admin,
      w.scsNoHypo.admin,
      w.verifySource.admin,
      w.other.admin,
      w.mig.admin,
      w.server,
    ])
      await c.end().catch(() => undefined);
    fs.rmSync(w.tmp, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (!w) return;
    const now = await globalState(w).catch(() => undefined);
    if (!now || JSON.stringify(now) !== JSON.stringify(w.pristine)) {
      await repair(w, now);
      assertUnchanged(await globalState(w), w.pristine, 'the fixture', 'the suite could not restore it');
    }
  });

  /**
   * Runs `call` on a fresh Database (one pooled connection) for the fixture and profile, then
   * asserts the world and the pooled session are as before. Returns how the call ended.
   */
  async function unchangedAfter<T>(
    url: string,
    profile: Environment,
    call: (db: Database) => Promise<T>,
    options: { mustSucceed?: boolean } = {},
  ) {
    const db = new Database(targetFromUrl(url, `hostile-${profile}`, profile), { maxConnections: 1, statementTimeoutMs: 20_000 });
    try {
      const sessionBefore = await sessionState(db);
      const before = await globalState(w);
      assertUnchanged(before, w.pristine, 'the fixture', 'before the case ran');
      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await call(db) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const how = describeOutcome(outcome);
      const after = await globalState(w);
      assertUnchanged(after, before, 'server state', how);
      let sessionAfter: Record<string, unknown>;
      try {
        sessionAfter = await sessionState(db);
      } catch (err) {
        assert.fail(`the pooled session is unusable afterwards (${(err as Error).message}; ${how})`);
      }
      assertUnchanged(sessionAfter, sessionBefore, 'the pooled session', how);
      if (options.mustSucceed && !outcome.ok) assert.fail(`control case: ${how}`);
      return outcome;
    } finally {
      await db.end();
    }
  }

  const fixtureFor = (c: HostileCase, trialBuilds: boolean): Fixture =>
    c.scs ? (trialBuilds ? w.scsNoHypo : w.scs) : trialBuilds ? w.noHypo : w.main;

  type EnginePath = {
    name: string;
    applies: (c: HostileCase) => boolean;
    run: (db: Database, c: HostileCase) => Promise<unknown>;
    trialBuilds?: boolean;
  };
  /** What Measure builds on the fixture's table, whatever the statement (the hostile text is what it runs). */
  const MEASURED: Suggestion = {
    table: 'public.t',
    method: 'btree',
    kinds: ['btree'],
    name: 'idx_hostile_measured',
    ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_hostile_measured ON public.t (k);',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS public.idx_hostile_measured;',
    requires: [],
    reason: 'hostile-input fixture',
    evidence: { costBefore: 0, costAfter: 0, msBefore: null, msAfter: null, sizeBytes: null, verifiedBy: 'hypopg' },
  };
  // The database's profile is development or production: the engine reads read-only and trial builds from it.
  const trialBuildRun = defaultRun({ settings: { 'advisor.trialBuildTimeoutSeconds': 20 } });
  const ENGINE_PATHS: EnginePath[] = [
    {
      name: 'Explain (ANALYZE)',
      applies: () => true,
      run: (db, c) => explainStatement(db, { sql: c.sql(w.ctx, '5'), analyze: true }, defaultRun()),
    },
    {
      name: 'Explain (plain)',
      applies: () => true,
      run: (db, c) => explainStatement(db, { sql: c.sql(w.ctx, '5'), analyze: false }, defaultRun()),
    },
    {
      name: 'generic plan ($1 without a value)',
      applies: (c) => !!c.generic,
      run: (db, c) => explainStatement(db, { sql: c.sql(w.ctx, '$1'), analyze: true }, defaultRun()),
    },
    { name: 'Explain & Suggest (HypoPG)', applies: () => true, run: (db, c) => advise(db, { sql: c.sql(w.ctx, '5') }, defaultRun()) },
    {
      name: 'Explain & Suggest (no HypoPG: trial builds)',
      applies: () => true,
      trialBuilds: true,
      run: (db, c) => advise(db, { sql: c.sql(w.ctx, '5') }, trialBuildRun),
    },
    {
      // Files and workload JSON a repository ships, and pg_stat_statements texts: planned only, as a set.
      name: 'Advise Workload (plans only, $1 generic)',
      applies: () => true,
      run: (db, c) =>
        adviseWorkload(db, { statements: [{ id: 'hostile', sql: c.sql(w.ctx, c.generic ? '$1' : '5'), calls: 10 }] }, defaultRun()),
    },
    {
      // "Measure" (advise --measure, the card's button): an index on t really built, the statement run without and with it.
      name: 'Measure a suggestion (trial build, the statement run twice each side)',
      applies: () => true,
      run: async (db, c) => {
        const measuring = measureSuggestion(db, { sql: c.sql(w.ctx, '5'), suggestion: MEASURED }, trialBuildRun);
        if (db.profile.environment !== 'production') return measuring;
        // Refused there before anything runs: that is the expected outcome, also for the control case.
        await assert.rejects(measuring, /is a production connection: measuring builds the index for real/);
        return undefined;
      },
    },
    {
      // `pgtuner workload --measure`: the set built, every workload statement run without and with it.
      name: 'Measure a workload set (trial builds, each statement run twice each side)',
      applies: () => true,
      run: async (db, c) => {
        const measuring = measureWorkload(
          db,
          { statements: [{ id: 'hostile', sql: c.sql(w.ctx, '5'), calls: 10 }], indexes: [MEASURED] },
          trialBuildRun,
        );
        if (db.profile.environment !== 'production') return measuring;
        await assert.rejects(measuring, /is a production connection: measuring builds the index for real/);
        return undefined;
      },
    },
  ];

  for (const p of ENGINE_PATHS) {
    describe(p.name, () => {
      for (const profile of PROFILES) {
        for (const c of CORPUS.filter(p.applies)) {
          it(`${profile}: ${c.id}`, async () => {
            const outcome = await unchangedAfter(fixtureFor(c, !!p.trialBuilds).url, profile, (db) => p.run(db, c), {
              mustSucceed: c.control,
            });
            if (c.control && p.trialBuilds && profile === 'development' && outcome.ok) {
              // The control proves trial builds really ran on this database.
              const r = outcome.value as Awaited<ReturnType<typeof advise>>;
              assert.ok(
                r.suggestions.some((s) => s.evidence.verifiedBy === 'trial-build'),
                `no trial build: ${JSON.stringify(r.suggestions.map((s) => s.evidence))} ${JSON.stringify(r.notes)}`,
              );
            }
          });
        }
      }
    });
  }

  describe('off-site upload: a resume record shipped in the backup folder', () => {
    let s3: LocalS3;
    before(async () => {
      s3 = await startLocalS3('hostile-offsite');
    });
    after(() => s3?.stop());

    const settings = (prefix: string) => ({
      'backup.s3.bucket': s3.bucket,
      'backup.s3.prefix': prefix,
      'backup.s3.endpoint': s3.endpoint,
      'backup.s3.forcePathStyle': true,
    });
    const RECORDS: [name: string, record: (key: string) => string][] = [
      ['not JSON', () => '{ "uploadId": '],
      [
        'another server',
        (key) => JSON.stringify({ endpoint: 'http://127.0.0.1:1', bucket: 'hostile-offsite', key, uploadId: 'x', partSize: 5, parts: [] }),
      ],
      [
        'this target, a forged upload and parts',
        (key) =>
          JSON.stringify({
            endpoint: s3.endpoint,
            bucket: 'hostile-offsite',
            key,
            uploadId: 'forged',
            partSize: 16 * 1024 * 1024,
            parts: [{ partNumber: 1, etag: '"0"' }],
            file: { size: 1, mtimeMs: 0, sha256: '0'.repeat(64) },
          }),
      ],
      [
        'a key outside the prefix',
        () => JSON.stringify({ endpoint: s3.endpoint, bucket: 'hostile-offsite', key: '../../etc/passwd', uploadId: 'x', parts: [] }),
      ],
    ];
    RECORDS.forEach(([name, record], i) =>
      it(`${name}: ignored, the upload starts over, only this backup's objects exist and they verify`, async () => {
        const prefix = `case${i}`;
        const base = path.basename(w.dumpPath);
        fs.writeFileSync(`${w.dumpPath}.upload.json`, record(`${prefix}/${base}`));
        const result = await uploadBackup({ dumpPath: w.dumpPath }, defaultRun({ settings: settings(prefix) }));
        assert.equal(result.resumedParts, 0);
        assert.equal(result.sha256, createHash('sha256').update(fs.readFileSync(w.dumpPath)).digest('hex'));
        const stem = base.slice(0, -'.dump'.length);
        assert.deepEqual((await s3.keys(`${prefix}/`)).sort(), [
          `${prefix}/${stem}.dump`,
          `${prefix}/${stem}.dump.sha256`,
          `${prefix}/${stem}.manifest.json`,
        ]);
        const everything = await s3.keys('');
        assert.ok(
          everything.every((k) => /^case\d\//.test(k)),
          `nothing written outside the cases' prefixes: ${everything}`,
        );
        assert.ok(!fs.existsSync(`${w.dumpPath}.upload.json`), 'the record is removed once the upload completed');
      }),
    );
  });

  describe('restore-test verification queries', () => {
    for (const profile of PROFILES) {
      for (const c of CORPUS.filter((x) => x.verify)) {
        it(`${profile}: ${c.id}`, async () => {
          const outcome = await unchangedAfter(w.verifySource.url, profile, (db) =>
            restoreTest(
              db,
              // The suite's own dump, unsigned: confirmed as the user would (the queries must be reached).
              { dumpPath: w.dumpPath, trustUnsigned: true },
              defaultRun({
                settings: {
                  'backup.toolsDirectory': w.cluster.binDir,
                  'backup.verificationQueries': [{ sql: c.sql(w.ctx, '5'), expected: 5 }],
                },
              }),
            ),
          );
          if (c.control) {
            assert.ok(outcome.ok, describeOutcome(outcome));
            const r = outcome.value as Awaited<ReturnType<typeof restoreTest>>;
            // The user's query was reached (whatever it returned): the restore-test got that far.
            const q = r.checks.find((x) => x.name.startsWith('query:'));
            assert.ok(q, `no verification query ran: ${r.message}`);
            assert.ok(r.ok, r.message);
          }
        });
      }
    }
  });

  describe('JS/TS literals (escapes become real characters) through Explain', () => {
    for (const profile of PROFILES) {
      for (const c of JS_CORPUS) {
        it(`${profile}: ${c.id}`, async () => {
          const { sql } = sqlFromJsString(c.source);
          assert.ok(/\r/.test(sql) || c.scs, 'the extractor produced a real CR');
          await unchangedAfter((c.scs ? w.scs : w.main).url, profile, (db) => explainStatement(db, { sql, analyze: true }, defaultRun()));
        });
      }
    }
  });

  describe('JS/TS literals of workspace files (pgtuner workload --code) through Advise Workload', () => {
    for (const profile of PROFILES) {
      for (const c of JS_CORPUS) {
        it(`${profile}: ${c.id}`, async () => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-hostile-code-'));
          fs.writeFileSync(path.join(dir, 'queries.ts'), `export const q = () => db.query(${c.source});\n`);
          const { statements } = statementsFromCode([dir]);
          assert.ok(statements.length >= 1 && /^SELECT id, title FROM t/.test(statements[0].sql), JSON.stringify(statements));
          await unchangedAfter((c.scs ? w.scs : w.main).url, profile, (db) => adviseWorkload(db, { statements }, defaultRun()));
        });
      }
    }
  });

  describe('migration generated from a suggestion carries no live SQL from the query text', () => {
    const apply = {
      'the project runner': async (db: Database, dir: string) => {
        const r = await applyPending(db, { directory: dir }, defaultRun());
        if (r.failed) throw new Error(`runner failed: ${r.failed.message}`);
      },
      psql: async (_db: Database, dir: string, upPath: string) => {
        const psql = path.join(w.cluster.binDir, 'psql');
        const r = spawnSync(fs.existsSync(psql) ? psql : 'psql', ['-X', '-q', '-d', w.mig.url, '-f', upPath], {
          encoding: 'utf8',
          cwd: dir,
          timeout: 60_000,
        });
        if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr}`);
      },
    };
    for (const profile of PROFILES) {
      for (const c of MIGRATION_CORPUS) {
        for (const [how, run] of Object.entries(apply)) {
          it(`${profile}: ${c.id}, applied with ${how}`, async () => {
            const dir = fs.mkdtempSync(path.join(w.tmp, 'migrations-'));
            const db = new Database(targetFromUrl(w.mig.url, `hostile-${profile}`, profile), { maxConnections: 1 });
            try {
              const before = await globalState(w);
              const advice = await advise(db, { sql: c.sql }, trialBuildRun);
              assert.ok(advice.suggestions.length > 0, `the advisor suggested nothing (${advice.notes.join(' | ')})`);
              const suggestion = advice.suggestions[0];
              const { upPath } = await generateIndexMigration({ directory: dir, suggestion });
              await run(db, dir, upPath);
              assertUnchanged(
                await globalState(w),
                before,
                'server state',
                `applying ${path.basename(upPath)}:\n${fs.readFileSync(upPath, 'utf8')}`,
              );
              const index = (await w.mig.admin.query('SELECT to_regclass($1)::text AS i', [`public.${suggestion.name}`])).rows[0].i;
              assert.ok(index, `the migration did not create ${suggestion.name}`);
            } finally {
              await db.end();
              await w.mig.admin.query(`DO $$ DECLARE r record; BEGIN
                FOR r IN SELECT indexrelid::regclass AS i FROM pg_index WHERE indrelid = 'docs'::regclass AND NOT indisprimary LOOP EXECUTE 'DROP INDEX ' || r.i; END LOOP; END $$;
                DROP TABLE IF EXISTS public.schema_migrations`);
            }
          });
        }
      }
    }
  });

  describe('CLI', () => {
    function cli(args: string[], options: { url?: string; cwd?: string; env?: Record<string, string>; input?: string } = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: options.url ?? '', ...options.env };
      const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
        env,
        cwd: options.cwd ?? w.tmp,
        input: options.input,
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    /** A folder whose .vscode/settings.json has a production profile for `url` (password via PGPASSWORD, for PGHOST/PGPORT). */
    function productionWorkspace(url: string): { cwd: string; env: Record<string, string> } {
      const u = new URL(url);
      const cwd = fs.mkdtempSync(path.join(w.tmp, 'ws-'));
      fs.mkdirSync(path.join(cwd, '.vscode'));
      fs.writeFileSync(
        path.join(cwd, '.vscode', 'settings.json'),
        JSON.stringify({
          'pgtuner.connections': [
            {
              name: 'hostile-prod',
              host: u.hostname,
              port: Number(u.port),
              database: dbName(url),
              user: decodeURIComponent(u.username),
              sslmode: 'disable',
              environment: 'production',
            },
          ],
        }),
      );
      return { cwd, env: { PGHOST: u.hostname, PGPORT: u.port, PGPASSWORD: decodeURIComponent(u.password) } };
    }

    /** The CLI runs in its own process: the state outside it must be unchanged afterwards. */
    async function cliUnchanged(run: () => { code: number | null; stdout: string; stderr: string }, control: boolean | undefined) {
      const before = await globalState(w);
      assertUnchanged(before, w.pristine, 'the fixture', 'before the case ran');
      const r = run();
      const how = `exit ${r.code}; stderr: ${r.stderr.trim().slice(-600)}`;
      assertUnchanged(await globalState(w), before, 'server state', how);
      if (control) assert.equal(r.code, 0, `control case: ${how}`);
    }

    const SQL_VERBS = ['explain', 'advise'] as const;
    for (const profile of PROFILES) {
      const prod = profile === 'production' ? ['--production'] : [];
      for (const c of CORPUS.filter((x) => x.cli)) {
        for (const verb of SQL_VERBS) {
          it(`${verb} --sql, ${profile}: ${c.id}`, async () => {
            const f = c.scs ? w.scs : w.main;
            await cliUnchanged(() => cli([verb, '--sql', c.sql(w.ctx, '5'), '--json', ...prod], { url: f.url }), c.control);
          });
          it(`${verb} --file, ${profile}: ${c.id}`, async () => {
            const f = c.scs ? w.scsNoHypo : w.noHypo;
            const file = path.join(fs.mkdtempSync(path.join(w.tmp, 'sql-')), 'statement.sql');
            fs.writeFileSync(file, c.sql(w.ctx, '5'));
            await cliUnchanged(() => cli([verb, '--file', file, '--json', ...prod], { url: f.url }), c.control);
          });
          it(`${verb} --file - (standard input), ${profile}: ${c.id}`, async () => {
            const f = c.scs ? w.scs : w.main;
            await cliUnchanged(() => cli([verb, '--file', '-', '--json', ...prod], { url: f.url, input: c.sql(w.ctx, '5') }), c.control);
          });
        }
        if (c.scs) continue; // restored scratch databases do not inherit ALTER DATABASE settings
        it(`restore-test --queries, ${profile}: ${c.id}`, async () => {
          const file = path.join(fs.mkdtempSync(path.join(w.tmp, 'queries-')), 'queries.json');
          fs.writeFileSync(file, JSON.stringify([{ sql: c.sql(w.ctx, '5'), expected: 5 }]));
          const args = ['restore-test', w.dumpPath, '--tools', w.cluster.binDir, '--trust-unsigned', '--queries', file, '--json'];
          await cliUnchanged(
            () =>
              profile === 'production'
                ? cli([...args, '--connection', 'hostile-prod'], productionWorkspace(w.verifySource.url))
                : cli(args, { url: w.verifySource.url }),
            c.control,
          );
        });
      }
    }

    it('explain --sql with setval under ANALYZE falls back to a plain plan with a note (default), sequence untouched', async () => {
      let out: { code: number | null; stdout: string; stderr: string } | undefined;
      await cliUnchanged(() => (out = cli(['explain', '--sql', "SELECT setval('s', 424242)", '--json'], { url: w.main.url })), false);
      assert.equal(out!.code, 0, out!.stderr);
      const json = JSON.parse(out!.stdout);
      assert.equal(json.plan.executionMs, null, 'plain EXPLAIN, not ANALYZE');
      const notes = [...(Array.isArray(json.notes) ? json.notes : []), out!.stderr].join('\n');
      assert.match(notes, /side.effect|allow-side-effects/i, `no note about side effects: ${notes}`);
    });

    it('explain --production --allow-side-effects still never runs setval: plain plan with a note', async () => {
      let out: { code: number | null; stdout: string; stderr: string } | undefined;
      await cliUnchanged(
        () =>
          (out = cli(['explain', '--production', '--allow-side-effects', '--sql', "SELECT setval('s', 424242)", '--json'], {
            url: w.main.url,
          })),
        false,
      );
      assert.equal(out!.code, 0, out!.stderr);
      const json = JSON.parse(out!.stdout);
      assert.equal(json.plan.executionMs, null, 'plain EXPLAIN, not ANALYZE');
      assert.match(json.notes.join('\n'), /side effects/);
    });
  });

  describe('defaults and session hygiene', () => {
    it('Explain: setval under ANALYZE is refused with SIDE_EFFECTS by default (engine)', async () => {
      const outcome = await unchangedAfter(w.main.url, 'development', (db) =>
        explainStatement(db, { sql: "SELECT setval('s', 424242)", analyze: true }, defaultRun()),
      );
      assert.equal(outcome.ok, false, 'EXPLAIN ANALYZE ran setval');
      assert.equal((outcome as { error: { code?: string } }).error.code, 'SIDE_EFFECTS', describeOutcome(outcome));
    });

    it('Explain on production: side effects never run, even when allowed — plain EXPLAIN with a note (engine)', async () => {
      const outcome = await unchangedAfter(
        w.main.url,
        'production',
        (db) => explainStatement(db, { sql: "SELECT setval('s', 424242)", analyze: true, sideEffects: 'allow' }, defaultRun()),
        { mustSucceed: true },
      );
      const plan = (outcome as { value: Awaited<ReturnType<typeof explainStatement>> }).value;
      assert.equal(plan.analyzed, false, 'plain EXPLAIN, not ANALYZE');
      assert.match((plan.notes ?? []).join('\n'), /side effects/);
    });

    it('Explain & Suggest: setval under ANALYZE is refused with SIDE_EFFECTS by default (engine)', async () => {
      const outcome = await unchangedAfter(w.main.url, 'development', (db) =>
        advise(db, { sql: "SELECT id FROM t WHERE k = 5 AND (SELECT setval('s', 424242)) > 0" }, defaultRun()),
      );
      assert.equal(outcome.ok, false, 'EXPLAIN ANALYZE ran setval');
      assert.equal((outcome as { error: { code?: string } }).error.code, 'SIDE_EFFECTS', describeOutcome(outcome));
    });

    for (const profile of PROFILES) {
      it(`${profile}: after an error inside the guarded transaction the next generic plan on the same pooled session works`, async () => {
        await unchangedAfter(
          w.main.url,
          profile,
          async (db) => {
            // 1/0 is folded while planning, after the generic-plan path prepared its statement.
            await assert.rejects(explainStatement(db, { sql: 'SELECT id FROM t WHERE k = $1 AND 1/0 = 1', analyze: true }, defaultRun()));
            const plan = await explainStatement(db, { sql: 'SELECT id FROM t WHERE k = $1', analyze: true }, defaultRun());
            assert.ok(plan.totalCost > 0);
            const again = await explainStatement(db, { sql: 'SELECT id, title FROM t WHERE k = $1', analyze: true }, defaultRun());
            assert.ok(again.totalCost > 0);
          },
          { mustSucceed: true },
        );
      });
    }
  });
});

describe('hostile input (issue 16): a Flyway migration file name is data in flyway_schema_history', function () {
  this.timeout(60_000);

  it('quotes, a semicolon and SQL in V…__<description>.sql reach the description and script columns as they are, and run nothing', async () => {
    const url = await freshDatabase([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flyway-hostile-'));
    const hostile = `x'); DROP TABLE victim; --"$1`;
    fs.writeFileSync(path.join(dir, `V1__${hostile}.sql`), 'CREATE TABLE fw_t (id int);\n');
    const db = new Database(targetFromUrl(url));
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)');
      const r = await applyPending(db, { directory: dir }, defaultRun());
      assert.deepEqual(
        r.applied.map((m) => m.name),
        [`V1__${hostile}`],
      );
      const rows = (
        await admin.query('SELECT description, script, (SELECT count(*)::int FROM victim) AS victims FROM flyway_schema_history')
      ).rows;
      assert.deepEqual(rows, [{ description: hostile.replace(/_/g, ' '), script: `V1__${hostile}.sql`, victims: 1 }]);
    } finally {
      await admin.end();
      await db.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
