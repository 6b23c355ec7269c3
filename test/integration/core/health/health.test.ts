import assert from 'node:assert/strict';
import { Client } from 'pg';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { resolveHealthOptions } from '../../../../src/core/health/options';
import { HEALTH_CHECKS, runHealthChecks } from '../../../../src/core/health/run';
import { CheckResult, HealthReport } from '../../../../src/core/health/types';
import { defaultRun } from '../../../../src/core/run';
import { healthSettingsOf } from '../../../../src/core/settings/schema';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

const run = queryUrl;

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

async function backendPid(c: Client): Promise<number> {
  return (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let n = 0; n < 100; n++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A run with these thresholds (health.* settings). */
const withThresholds = (thresholds: Record<string, number>) => defaultRun({ settings: healthSettingsOf(thresholds) });

/** Thresholds of 0 seconds turn any idle-in-transaction or blocked session into a finding at once. */
const EAGER = { idleInTransactionWarningSeconds: 0, blockedWarningSeconds: 0 };

describe('Health checks', () => {
  let url: string;
  let db: Database;
  let report: HealthReport;
  let idle: Client;
  let blocker: Client;
  let waiter: Client;
  let waiting: Promise<unknown>;
  const pid = { idle: 0, blocker: 0, waiter: 0 };
  const result = (id: string): CheckResult => {
    const r = report.results.find((x) => x.id === id);
    assert.ok(r, `no result for ${id}`);
    return r;
  };

  before(async () => {
    url = await freshDatabase([]);
    db = new Database(targetFromUrl(url));
    await run(
      url,
      `
      CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, note text);
      INSERT INTO orders (customer_id) SELECT g % 50 FROM generate_series(1, 1000) g;
      SELECT setval('orders_id_seq', 2000000000);
      CREATE INDEX orders_customer ON orders (customer_id);
      CREATE TABLE items (id int PRIMARY KEY, order_id int, sku text);
      CREATE INDEX items_order ON items (order_id);
      CREATE INDEX items_order_again ON items (order_id);
      CREATE INDEX items_order_sku ON items (order_id, sku);
      CREATE TABLE no_pk (x int);
      CREATE TABLE dead (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
      INSERT INTO dead SELECT g, g FROM generate_series(1, 5000) g;
      CREATE TABLE dupes (id int PRIMARY KEY, v int);
      INSERT INTO dupes VALUES (1, 1), (2, 1);
      ALTER TABLE orders ADD CONSTRAINT positive_customer CHECK (customer_id >= 0) NOT VALID;`,
    );
    await run(url, 'DELETE FROM dead WHERE id <= 3000');
    await assert.rejects(run(url, 'CREATE UNIQUE INDEX CONCURRENTLY dupes_v ON dupes (v)'));

    // A session idle in a transaction, and a lock held by one session with another waiting on it.
    idle = await connect(url);
    await idle.query('BEGIN; SELECT count(*) FROM no_pk');
    blocker = await connect(url);
    waiter = await connect(url);
    pid.idle = await backendPid(idle);
    pid.blocker = await backendPid(blocker);
    pid.waiter = await backendPid(waiter);
    await blocker.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    waiting = waiter.query('SELECT count(*) FROM orders').catch((err) => err);
    await until(
      'the waiting query',
      async () =>
        (await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid.waiter])).rowCount === 1,
    );
    report = await runHealthChecks(db, {}, withThresholds(EAGER));
  });

  after(async () => {
    await blocker?.query('ROLLBACK').catch(() => undefined);
    await waiting;
    for (const c of [idle, blocker, waiter]) await c?.end().catch(() => undefined);
    await db?.end();
  });

  it('runs every check, none fails, and reports counts and the time taken', () => {
    assert.equal(report.results.length, HEALTH_CHECKS.length);
    const errors = report.results.filter((r) => r.status === 'error');
    assert.deepEqual(errors, []);
    const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
    assert.equal(total, report.results.length);
    assert.ok(report.durationMs > 0 && report.durationMs < 30_000);
    for (const r of report.results) {
      assert.ok(r.figure.length > 0, `${r.id} has a figure`);
      if (r.status === 'warning' || r.status === 'critical')
        assert.ok(r.advice.length > 0 && r.threshold.length > 0, `${r.id} says what to do`);
    }
  });

  it('finds the session idle in a transaction', () => {
    const r = result('idle-in-transaction');
    assert.notEqual(r.status, 'ok');
    assert.ok(
      r.details.some((d) => d.pid === pid.idle),
      JSON.stringify(r.details),
    );
  });

  it('finds the blocked query and names the session that blocks it', () => {
    const r = result('blocked-queries');
    assert.notEqual(r.status, 'ok');
    const row = r.details.find((d) => d.pid === pid.waiter);
    assert.ok(row, JSON.stringify(r.details));
    assert.equal(row.blocked_by, String(pid.blocker));
    assert.match(String(row.blockers), /LOCK TABLE orders/);
    assert.match(r.figure, new RegExp(`pid ${pid.blocker}`));
  });

  it('flags a sequence near the maximum of its int column as critical', () => {
    const r = result('sequences');
    assert.equal(r.status, 'critical');
    const row = r.details.find((d) => d.sequence === 'public.orders_id_seq');
    assert.ok(row);
    assert.equal(row.column, 'public.orders.id');
    assert.ok(Number(row.used_percent) > 93 && Number(row.used_percent) < 94);
  });

  it('reports the invalid index left by a failed CREATE UNIQUE INDEX CONCURRENTLY', () => {
    const r = result('invalid-indexes');
    assert.equal(r.status, 'warning');
    assert.deepEqual(
      r.details.map((d) => d.index),
      ['dupes_v'],
    );
  });

  it('summarises unused, duplicate and redundant indexes', () => {
    const r = result('unused-duplicate-indexes');
    assert.equal(r.status, 'warning');
    const flagged = Object.fromEntries(r.details.map((d) => [d.index, d.why]));
    assert.match(String(flagged.items_order_again), /same definition as items_order/);
    assert.match(String(flagged.items_order), /prefix of items_order_sku/);
    assert.match(String(flagged.items_order_sku), /no index scans/);
    assert.ok(!('items_pkey' in flagged));
  });

  it('does not wait for a table another session holds locked: its indexes are listed without a definition', () => {
    // orders is under the blocker's ACCESS EXCLUSIVE lock for the whole run.
    const r = result('unused-duplicate-indexes');
    assert.ok(
      r.details.some((d) => d.index === 'orders_customer'),
      'scans are still known',
    );
    assert.ok(
      report.results.every((x) => x.durationMs < 2_000),
      'no check waited on the lock',
    );
  });

  it('lists the table without a primary key', () => {
    const r = result('no-primary-key');
    assert.equal(r.status, 'warning');
    assert.deepEqual(
      r.details.map((d) => d.table),
      ['no_pk'],
    );
  });

  it('finds the table with many dead rows', () => {
    const r = result('dead-tuples');
    assert.equal(r.status, 'critical');
    const row = r.details.find((d) => d.table === 'dead');
    assert.ok(row, JSON.stringify(r.details));
    assert.equal(row.dead_rows, 3000);
    assert.equal(row.dead_percent, 60);
  });

  it('reports the constraint added NOT VALID', () => {
    const r = result('invalid-constraints');
    assert.equal(r.status, 'warning');
    assert.deepEqual(
      r.details.map((d) => d.constraint),
      ['positive_customer'],
    );
  });

  it('gives settings advice and says how to enable pg_stat_statements when it is missing', () => {
    assert.equal(result('setting-random-page-cost').status, 'warning');
    assert.match(result('setting-random-page-cost').advice, /1\.1/);
    const s = result('slowest-statements');
    assert.equal(s.status, 'skipped');
    assert.match(s.figure, /needs the pg_stat_statements extension/);
    assert.match(s.advice, /shared_preload_libraries[\s\S]*CREATE EXTENSION pg_stat_statements/);
  });

  it('is ok with default thresholds for sessions idle or waiting only briefly', async () => {
    await blocker.query('ROLLBACK; BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    await waiting;
    waiting = waiter.query('SELECT count(*) FROM orders').catch((err) => err);
    await until(
      'the query waiting again',
      async () =>
        (await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid.waiter])).rowCount === 1,
    );
    const calm = await runHealthChecks(
      db,
      { only: ['connections', 'idle-in-transaction', 'blocked-queries'] },
      withThresholds({ idleInTransactionWarningSeconds: 3600 }),
    );
    assert.deepEqual(
      calm.results.map((r) => [r.id, r.status]),
      [
        ['connections', 'ok'],
        ['idle-in-transaction', 'ok'],
        ['blocked-queries', 'ok'],
      ],
    );
  });

  it('tracks multixact ID age: row locks shared by two sessions make it grow', async () => {
    // A critical threshold of one ID: any age at all is a finding, so the test sees the figure move.
    const check = async () =>
      (await runHealthChecks(db, { only: ['multixact-wraparound'] }, withThresholds({ xidAgeCriticalMillions: 1e-6 }))).results[0];
    const oldestAge = (r: CheckResult) => Math.max(...r.details.map((d) => Number(d.age)));
    const before = await check();
    await run(url, 'CREATE TABLE shared_rows (id int PRIMARY KEY); INSERT INTO shared_rows VALUES (1)');
    const [a, b] = [await connect(url), await connect(url)];
    try {
      await a.query('BEGIN; SELECT * FROM shared_rows WHERE id = 1 FOR SHARE');
      await b.query('BEGIN; SELECT * FROM shared_rows WHERE id = 1 FOR SHARE');
      await a.query('COMMIT');
      await b.query('COMMIT');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const after = await check();
    assert.equal(after.status, 'critical');
    assert.match(after.figure, /oldest unfrozen multixact ID age .*autovacuum_multixact_freeze_max_age/);
    assert.ok(oldestAge(after) >= oldestAge(before) + 1, `age grew from ${oldestAge(before)} to ${oldestAge(after)}`);
  });

  it('judges the server settings by their thresholds (health.randomPageCostWarning, sharedBuffers…, workMem…)', async () => {
    // The test cluster keeps the defaults: random_page_cost 4, shared_buffers 128 MB, work_mem 4 MB.
    assert.equal(result('setting-random-page-cost').status, 'warning');
    const relaxed = await runHealthChecks(
      db,
      { only: ['setting-shared-buffers', 'setting-work-mem', 'setting-random-page-cost'] },
      withThresholds({ randomPageCostWarning: 5, sharedBuffersWarningMegabytes: 64, workMemWarningMegabytes: 2 }),
    );
    assert.deepEqual(
      relaxed.results.map((r) => [r.id, r.status]),
      [
        ['setting-shared-buffers', 'ok'],
        ['setting-work-mem', 'ok'],
        ['setting-random-page-cost', 'ok'],
      ],
    );
    assert.deepEqual(
      relaxed.results.map((r) => r.threshold.match(/(\d+)( MB)? or (less|more)/)?.[0]),
      ['64 MB or less', '2 MB or less', '5 or more'],
    );
  });

  it('rejects unknown thresholds and check ids with a clear message', async () => {
    assert.throws(() => resolveHealthOptions({ cacheHitWarningPercnt: 90 }), /unknown threshold "cacheHitWarningPercnt"/);
    assert.throws(() => resolveHealthOptions({ sequenceWarningPercent: 'high' }), /must be a number/);
    await assert.rejects(runHealthChecks(db, { only: ['nope'] }, defaultRun()), /Unknown health check nope/);
  });
});

describe('Health checks with pg_stat_statements', () => {
  it('lists the slowest statements by mean time', async function () {
    const url = await freshDatabase(['pg_stat_statements']);
    const db = new Database(targetFromUrl(url));
    try {
      await run(url, 'SELECT pg_sleep(0.03)');
      await run(url, 'SELECT pg_sleep(0.03)');
      const report = await runHealthChecks(db, { only: ['slowest-statements'] }, withThresholds({ slowStatementWarningMs: 20 }));
      const r = report.results[0];
      assert.equal(r.status, 'warning', r.figure);
      assert.ok(
        r.details.some((d) => /pg_sleep/.test(String(d.query)) && Number(d.mean_ms) >= 30 && d.calls === 2),
        JSON.stringify(r.details),
      );
    } finally {
      await db.end();
    }
  });
});

describe('Health start-up', () => {
  it('takes one round trip: the run settings and every server fact in one statement (seen in pg_stat_statements)', async () => {
    const url = await freshDatabase(['pg_stat_statements']);
    const db = new Database(targetFromUrl(url));
    try {
      await run(url, 'SELECT pg_stat_statements_reset()');
      await runHealthChecks(db, { only: [] }, defaultRun());
      const rows = await queryUrl<{ query: string; calls: string }>(
        url,
        `
        SELECT query, calls::text FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query !~ 'pg_stat_statements'`,
      );
      const startUp = rows.filter((r) => !/reset_val/.test(r.query));
      assert.equal(startUp.length, 1, JSON.stringify(rows.map((r) => r.query)));
      assert.match(startUp[0].query, /set_config\(\$\d+[\s\S]*pg_available_extensions/);
      assert.equal(startUp[0].calls, '1');
    } finally {
      await db.end();
    }
  });
});

describe('Health checks as a role without monitoring privileges', () => {
  it('completes, skipping what needs pg_read_all_stats instead of failing', async () => {
    const url = await freshDatabase([]);
    const cluster = await getCluster();
    const database = decodeURIComponent(new URL(url).pathname.slice(1));
    const role = `plain_${Date.now().toString(36)}`;
    await run(
      url,
      `CREATE ROLE ${role} LOGIN PASSWORD 'plain-pw'; GRANT CONNECT ON DATABASE "${database}" TO ${role};
      CREATE TABLE owned (id serial PRIMARY KEY); SELECT setval('owned_id_seq', 5);`,
    );
    const db = new Database(targetFromUrl(cluster.url(database, role, 'plain-pw')));
    try {
      const report = await runHealthChecks(db, {}, defaultRun());
      assert.equal(report.server.user, role);
      assert.deepEqual(
        report.results.filter((r) => r.status === 'error'),
        [],
      );
      for (const id of ['idle-in-transaction', 'long-running-queries', 'blocked-queries', 'replication-lag']) {
        const r = report.results.find((x) => x.id === id)!;
        assert.equal(r.status, 'skipped', id);
        assert.match(r.figure, /^skipped: needs membership in pg_read_all_stats/);
      }
      assert.match(report.results.find((r) => r.id === 'sequences')!.figure, /1 sequence not readable by this role/);
      assert.equal(report.results.find((r) => r.id === 'connections')!.status, 'ok');
    } finally {
      await db.end();
    }
  });
});
