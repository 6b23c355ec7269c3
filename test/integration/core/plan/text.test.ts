import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { readPlan } from '../../../../src/core/plan/readPlan';
import { renderExplainText } from '../../../../src/core/plan/text';
import { freshDatabase } from '../../../support/integrationHooks';

/**
 * The Text tab and `pgtuner explain` against the server's own FORMAT TEXT: each statement is
 * explained twice, as JSON (rendered by renderExplainText) and as TEXT, and every line must match
 * apart from spacing. Deterministic output: plain EXPLAIN (costs only), and EXPLAIN (ANALYZE,
 * TIMING OFF, SUMMARY OFF, BUFFERS) after a warm-up run, so only row counts, loops, memory, disk,
 * batches and block counts are printed — all the same in both runs. Parallel plans run with
 * VERBOSE off, so per-worker row splits (which vary) are not printed.
 */
const BENCH = path.resolve(__dirname, '../../../../../bench/workload');

/** The bench schema with a small deterministic load (seconds, not the bench's 40 s), an index for bitmap scans, and a partitioned table. */
const DATA = `
INSERT INTO users (id, email, full_name, role, is_active, location, skills, created_at, last_login_at)
SELECT g, 'u' || g || '@example.com', 'User ' || g, (ARRAY['crew','actor','writer','producer','director'])[1 + g % 5],
       g % 20 <> 0, (ARRAY['Lagos','Abuja','Kano','Enugu'])[1 + g % 4],
       CASE WHEN g % 7 = 0 THEN ARRAY['steadicam','drone-operator'] ELSE ARRAY['acting'] END,
       timestamptz '2021-01-01' + g * interval '1 hour', timestamptz '2024-01-01' + (g * 7919 % 30000) * interval '1 minute'
FROM generate_series(1, 30000) g;
INSERT INTO jobs (id, posted_by_id, title, description, type, location, is_active, pay_min, pay_max, created_at)
SELECT g, 25 * (1 + g % 400), 'Job ' || g, 'Description ' || g, (ARRAY['full_time','part_time','contract','gig','internship'])[1 + g % 5],
       (ARRAY['Lagos','Abuja','Kano','Enugu'])[1 + g % 4], g % 3 = 0, 1000 * (g % 50), 1000 * (g % 50) + 5000,
       timestamptz '2022-01-01' + g * interval '2 hours'
FROM generate_series(1, 10000) g;
INSERT INTO job_applications (id, job_id, applicant_id, status, created_at)
SELECT g, 1 + g % 10000, 1 + (g * 31) % 30000, (ARRAY['pending','reviewed','shortlisted','rejected','hired','withdrawn'])[1 + g % 6],
       timestamptz '2022-01-01' + g * interval '5 minutes'
FROM generate_series(1, 120000) g;
INSERT INTO facilities (id, name, state, lga, facility_type)
SELECT g, 'Facility ' || g, 'State ' || g % 37, 'LGA ' || g % 20, 'primary_health_centre' FROM generate_series(1, 2000) g;
INSERT INTO vaccines (id, code, name, doses_per_vial) SELECT g, 'V' || g, 'Vaccine ' || g, 10 FROM generate_series(1, 12) g;
INSERT INTO stock_snapshots (id, facility_id, vaccine_id, snapshot_date, quantity_on_hand, stock_status)
SELECT g, 1 + g % 2000, 1 + g % 12, date '2023-09-04' + (g / 2000) * 7, g % 20000, 'adequate' FROM generate_series(1, 100000) g;
INSERT INTO alerts (id, facility_id, vaccine_id, alert_type, severity, message, created_at, resolved_at)
SELECT g, 1 + g % 2000, 1 + g % 12, 'low_stock', (ARRAY['info','warning','critical'])[1 + g % 3], 'Alert ' || g,
       timestamptz '2024-01-01' + g * interval '10 minutes', CASE WHEN g % 50 = 0 THEN NULL ELSE timestamptz '2024-06-01' END
FROM generate_series(1, 30000) g;
INSERT INTO audit_logs (id, actor_id, action, entity_type, entity_id, details, created_at)
SELECT g, 1 + g % 30000, (ARRAY['create','update','delete'])[1 + g % 3], 'job', g, jsonb_build_object('client', CASE WHEN g % 2 = 0 THEN 'api' ELSE 'web' END),
       timestamptz '2024-06-01' + g * interval '1 minute'
FROM generate_series(1, 40000) g;
INSERT INTO messages (id, sender_id, receiver_id, body, sent_at)
SELECT g, 1 + g % 30000, 1 + (g * 13) % 5000, 'Hello ' || g, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
INSERT INTO projects (id, owner_id, title, description, status, category)
SELECT g, 1 + g % 30000, 'Documentary ' || g, 'About afrobeat ' || g, 'released', 'film' FROM generate_series(1, 3000) g;
INSERT INTO contractors (id, user_id, business_name, city, category, rating)
SELECT g, 1 + g % 30000, 'Sunset Reel ' || g, 'Lagos', 'camera', 4.5 FROM generate_series(1, 3000) g;
CREATE INDEX alerts_facility_idx ON alerts (facility_id);
CREATE INDEX users_created_idx ON users (created_at);
CREATE TABLE events (id bigint, kind text NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024_q1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE events_2024_q2 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
CREATE TABLE events_2024_q3 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
INSERT INTO events SELECT g, (ARRAY['click','view'])[1 + g % 2], date '2024-01-01' + g % 270 FROM generate_series(1, 30000) g;`;

/** Shapes the bench's own queries do not produce on a small load, with the settings that bring them out. */
const PARALLEL =
  'SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;';
const EXTRA: { id: string; sql: string; settings?: string }[] = [
  { id: 'parallel aggregate', sql: 'SELECT status, count(*) FROM job_applications GROUP BY status ORDER BY status', settings: PARALLEL },
  { id: 'parallel plain aggregate', sql: 'SELECT count(*), max(created_at) FROM job_applications', settings: PARALLEL },
  {
    id: 'hash join with batches',
    sql: 'SELECT count(*) FROM job_applications a JOIN users u ON u.id = a.applicant_id WHERE u.is_active',
    settings: "SET work_mem = '64kB';",
  },
  {
    id: 'sort to disk',
    sql: 'SELECT id, created_at FROM job_applications ORDER BY applicant_id, created_at',
    settings: "SET work_mem = '64kB';",
  },
  {
    id: 'hash aggregate spilling',
    sql: 'SELECT applicant_id, count(*) FROM job_applications GROUP BY applicant_id',
    settings: "SET work_mem = '64kB';",
  },
  { id: 'bitmap scans', sql: 'SELECT count(*) FROM alerts WHERE facility_id IN (1, 2, 3) OR facility_id BETWEEN 100 AND 140' },
  { id: 'subplan', sql: 'SELECT id, (SELECT count(*) FROM jobs j WHERE j.posted_by_id = u.id) FROM users u WHERE u.id < 200' },
  { id: 'initplan', sql: "SELECT id FROM alerts WHERE created_at > (SELECT max(created_at) - interval '1 day' FROM alerts)" },
  {
    id: 'CTE scans',
    sql: 'WITH recent AS MATERIALIZED (SELECT * FROM alerts WHERE resolved_at IS NULL) SELECT r.severity, count(*) FROM recent r JOIN recent s ON s.facility_id = r.facility_id GROUP BY r.severity',
  },
  { id: 'Append over partitions', sql: "SELECT kind, count(*) FROM events WHERE at >= '2024-03-01' GROUP BY kind" },
  { id: 'partition-wise pruning', sql: "SELECT * FROM events WHERE at = '2024-05-05' ORDER BY id" },
  {
    id: 'anti join and merge',
    sql: 'SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM job_applications a WHERE a.applicant_id = u.id)',
  },
  { id: 'window and values', sql: 'SELECT v.x, row_number() OVER (ORDER BY v.x) FROM (VALUES (3), (1), (2)) v(x)' },
  { id: 'except', sql: 'SELECT facility_id FROM alerts EXCEPT SELECT facility_id FROM stock_snapshots WHERE vaccine_id = 1' },
  { id: 'index only scan backward', sql: 'SELECT created_at FROM users ORDER BY created_at DESC LIMIT 5' },
  { id: 'nested loop never executed', sql: 'SELECT * FROM users u JOIN jobs j ON j.posted_by_id = u.id WHERE u.id = -1' },
  { id: 'left join and limit', sql: 'SELECT u.id, m.id FROM users u LEFT JOIN messages m ON m.receiver_id = u.id WHERE u.id < 50' },
];

type Plan = { id: string; sql: string; settings?: string };

function benchQueries(): Plan[] {
  const q = JSON.parse(fs.readFileSync(path.join(BENCH, 'queries.json'), 'utf8')) as {
    queries: { id: string; sql: string; params?: unknown[] }[];
  };
  // Parameters inlined: EXPLAIN of a $n statement would need a generic plan.
  return q.queries.map((x) => ({ id: x.id, sql: x.sql.replace(/\$(\d+)/g, (_, i: string) => String(x.params?.[Number(i) - 1])) }));
}

/** Spacing aside: runs of blanks collapse (the server pads some figures with two spaces). */
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean);

describe('core/plan/text: the plan text matches PostgreSQL FORMAT TEXT', function () {
  this.timeout(300000);
  let client: Client;

  before(async () => {
    const url = await freshDatabase();
    client = new Client({ connectionString: url });
    await client.connect();
    await client.query(fs.readFileSync(path.join(BENCH, 'schema.sql'), 'utf8'));
    await client.query(DATA);
    await client.query('VACUUM ANALYZE');
  });
  after(() => client?.end());

  async function explain(plan: Plan, options: string): Promise<{ json: unknown; text: string }> {
    await client.query('BEGIN');
    try {
      await client.query(
        `SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; ${plan.settings?.replace(/SET /g, 'SET LOCAL ') ?? ''}`,
      );
      if (options.includes('ANALYZE')) await client.query(`EXPLAIN (${options}) ${plan.sql}`); // warm-up: same buffers in both runs
      const json = (await client.query(`EXPLAIN (${options}, FORMAT JSON) ${plan.sql}`)).rows[0]['QUERY PLAN'];
      const text = (await client.query(`EXPLAIN (${options}, FORMAT TEXT) ${plan.sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      return { json, text };
    } finally {
      await client.query('ROLLBACK');
    }
  }

  const plans = [...benchQueries(), ...EXTRA];
  for (const mode of ['COSTS', 'ANALYZE, TIMING OFF, SUMMARY OFF, BUFFERS']) {
    for (const plan of plans) {
      it(`${plan.id} (${mode})`, async () => {
        const { json, text } = await explain(plan, mode);
        assert.deepEqual(lines(renderExplainText(json)), lines(text));
        // psql's text output read back (Open Plan) renders as the server printed it: nothing lost on the way in.
        assert.deepEqual(lines(renderExplainText(readPlan(text))), lines(text));
      });
    }
  }

  it('covers the shapes the issue names', async () => {
    const nodes = new Set<string>();
    for (const plan of plans)
      for (const l of lines(renderExplainText((await explain(plan, 'ANALYZE, TIMING OFF, SUMMARY OFF')).json))) nodes.add(l);
    const all = [...nodes].join('\n');
    for (const shape of [
      /Finalize GroupAggregate|Finalize Aggregate/,
      /Partial HashAggregate|Partial Aggregate/,
      /Workers Launched: 2/,
      /Batches: (?:[2-9]|\d{2,})/,
      /Sort Method: external merge Disk: \d+kB/,
      /Bitmap Heap Scan/,
      /Heap Blocks: exact=/,
      /SubPlan 1/,
      /InitPlan 1/,
      /CTE Scan on recent r/,
      /CTE recent/,
      /Append/,
      /Seq Scan on events_2024_q2 events_\d/,
      /never executed/,
      /Index Only Scan Backward using users_created_idx/,
      /Values Scan on "\*VALUES\*"/,
      /HashSetOp Except|SetOp Except/,
    ])
      assert.match(all, shape);
  });
});
