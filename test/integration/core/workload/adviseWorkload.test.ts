import assert from 'node:assert/strict';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { adviseWorkload } from '../../../../src/core/workload/adviseWorkload';
import { measureWorkload } from '../../../../src/core/workload/measure';
import { WorkloadInput, WorkloadReport, WorkloadStatement } from '../../../../src/core/workload/types';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

/**
 * orders: 200k rows, 500 customers (400 rows each: a heap fetch per row costs, an index-only scan
 * does not). events: a log that is written all the time, with a non-unique index nobody reads and
 * a unique one (never proposed for dropping).
 */
export const WORKLOAD_SQL = `
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, total int NOT NULL, placed_on int NOT NULL,
                     region int NOT NULL, note text);
INSERT INTO orders (customer_id, total, placed_on, region, note)
SELECT i % 500, (i * 7) % 1000, (i * 13) % 3650, (i * 31) % 2000, md5(i::text) FROM generate_series(1, 200000) i;
CREATE TABLE events (id bigserial PRIMARY KEY, kind int NOT NULL, at int NOT NULL, payload text);
INSERT INTO events (kind, at, payload) SELECT i % 500, i, md5(i::text) FROM generate_series(1, 200000) i;
CREATE INDEX events_at_unread ON events (at);
CREATE UNIQUE INDEX events_id_kind_unique ON events (id, kind);`;

/**
 * Index-only scans pay only on pages the visibility map marks all-visible, and a VACUUM that runs
 * while another snapshot (an autovacuum ANALYZE) is open cannot mark them: VACUUM until it could.
 */
export async function vacuumUntilAllVisible(url: string, tables: string[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await queryUrl(url, 'VACUUM ANALYZE');
    const [row] = await queryUrl(
      url,
      'SELECT min(relallvisible::float8 / greatest(relpages, 1)) AS share FROM pg_class WHERE relname = ANY($1)',
      [tables],
    );
    if (row.share > 0.9) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${tables.join(', ')} did not become all-visible`);
}

export const CUSTOMER_TOTALS = 'SELECT total FROM orders WHERE customer_id = 7';
export const CUSTOMER_DAYS = 'SELECT placed_on FROM orders WHERE customer_id = 9';
const REGION_NOTES = 'SELECT note FROM orders WHERE region = 42';
const EVENTS_OF_KIND = 'SELECT id FROM events WHERE kind = 3';
const EVENT_INSERT = "INSERT INTO events (kind, at, payload) VALUES ($1, $2, 'x')";

describe('workload advisor (real PostgreSQL + HypoPG)', function () {
  this.timeout(300_000);
  let url: string;
  let db: Database;

  before(async () => {
    url = await freshDatabase();
    await queryUrl(url, WORKLOAD_SQL);
    await vacuumUntilAllVisible(url, ['orders', 'events']);
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
  });
  after(() => db?.end());

  const statement = (id: string, sql: string, calls = 100, params?: unknown[][]): WorkloadStatement => ({ id, sql, calls, params });
  const advise = (statements: WorkloadStatement[], extra: Partial<WorkloadInput> = {}, on = db) =>
    adviseWorkload(on, { statements, ...extra } as WorkloadInput, defaultRun());
  const describeSet = (r: WorkloadReport) => JSON.stringify({ indexes: r.indexes.map((i) => [i.ddl, i.serves]), notes: r.notes });

  it('chooses one merged index serving two statements over one index for each', async () => {
    const r = await advise([statement('totals', CUSTOMER_TOTALS), statement('days', CUSTOMER_DAYS)]);
    assert.equal(r.indexes.length, 1, describeSet(r));
    const [ix] = r.indexes;
    assert.match(ix.ddl, /ON public\.orders \(customer_id\) INCLUDE \((total, placed_on|placed_on, total)\)/, ix.ddl);
    assert.deepEqual([...ix.serves].sort(), ['days', 'totals']);
    assert.ok(ix.kinds.includes('covering'));
    for (const s of r.statements) assert.deepEqual(s.servedBy, [ix.name], JSON.stringify(s));
    assert.ok(r.search.whatIfPlans > 0 && r.search.cacheHits > 0, JSON.stringify(r.search));
  });

  it('verifies the set together: every statement planned again, none worse, each read made cheaper', async () => {
    const r = await advise([
      statement('totals', CUSTOMER_TOTALS),
      statement('region', REGION_NOTES),
      statement('insert', EVENT_INSERT, 10, [[1, 2]]),
    ]);
    assert.deepEqual(r.worse, []);
    assert.deepEqual(r.statements.map((s) => s.id).sort(), ['insert', 'region', 'totals']);
    for (const s of r.statements) assert.ok(s.costAfter <= s.costBefore * 1.01, JSON.stringify(s));
    for (const id of ['totals', 'region']) {
      const s = r.statements.find((x) => x.id === id)!;
      assert.ok(s.costAfter < s.costBefore / 5 && s.servedBy.length === 1, JSON.stringify(s));
    }
    assert.equal(r.indexes.length, 2, describeSet(r));
    assert.equal(r.totalBytes, r.indexes[0].bytes + r.indexes[1].bytes);
    assert.equal(r.curve[0].budgetBytes, 0);
    assert.ok(
      r.curve.every((p, i) => i === 0 || (p.budgetBytes > r.curve[i - 1].budgetBytes && p.cost < r.curve[i - 1].cost)),
      JSON.stringify(r.curve),
    );
  });

  it('leaves out an index whose write cost outweighs what it saves the reads', async () => {
    const read = statement('kind', EVENTS_OF_KIND, 5);
    const quiet = await advise([read]);
    assert.equal(quiet.indexes.length, 1, `without writes the index pays: ${describeSet(quiet)}`);
    const busy = await advise([read, statement('insert', EVENT_INSERT, 1_000_000, [[1, 2]])]);
    assert.deepEqual(busy.indexes, [], describeSet(busy));
    const s = busy.statements.find((x) => x.id === 'kind')!;
    assert.equal(s.costAfter, s.costBefore);
  });

  it('charges an index that breaks HOT with what the other indexes of its table then pay for the updates', async () => {
    const touch = (calls: number) => statement('touch', 'UPDATE orders SET region = $1 WHERE id = $2', calls, [[7, 1000]]);
    const regionNotes = statement('region', REGION_NOTES, 1);
    const reads = [statement('totals', CUSTOMER_TOTALS), regionNotes];
    const few = await advise([...reads, touch(10)]);
    const region = few.indexes.find((i) => i.serves.includes('region'));
    const customer = few.indexes.find((i) => i.serves.includes('totals'));
    assert.ok(region && customer && region !== customer, describeSet(few));
    // The region index makes the updates non-HOT, so the customer index takes their entries too.
    assert.ok(customer.writeCost > 0, JSON.stringify(customer));
    assert.match(customer.reason, /no longer HOT/);
    assert.match(region.reason, /stop being HOT/);
    // Enough updates that the region index alone still pays, but not once the customer index's
    // entries for them are counted too.
    const alonePerUpdate = region.writeCost / 10;
    const othersPerUpdate = customer.writeCost / 10;
    const n = Math.round(region.readBenefit / (alonePerUpdate + othersPerUpdate / 2));
    const alone = await advise([regionNotes, touch(n)]);
    assert.ok(
      alone.indexes.some((i) => i.serves.includes('region')),
      `alone it pays for ${n} updates: ${describeSet(alone)}`,
    );
    const together = await advise([...reads, touch(n)]);
    assert.ok(!together.indexes.some((i) => i.serves.includes('region')), describeSet(together));
    const kept = together.indexes.find((i) => i.serves.includes('totals'));
    assert.equal(kept?.writeCost, 0, 'the updates stay HOT: ' + describeSet(together));
  });

  it('fits only the best index into a budget that holds one', async () => {
    const statements = [statement('totals', CUSTOMER_TOTALS, 1000), statement('region', REGION_NOTES, 10)];
    const free = await advise(statements);
    assert.equal(free.indexes.length, 2, describeSet(free));
    const best = [...free.indexes].sort((a, b) => b.readBenefit - a.readBenefit)[0];
    assert.ok(best.serves.includes('totals'), describeSet(free));
    const tight = await advise(statements, { budget: { bytes: Math.max(...free.indexes.map((i) => i.bytes)) } });
    assert.equal(tight.budgetBytes, Math.max(...free.indexes.map((i) => i.bytes)));
    assert.deepEqual(
      tight.indexes.map((i) => i.name),
      [best.name],
      describeSet(tight),
    );
    assert.ok(tight.totalBytes <= tight.budgetBytes!);
    assert.ok(
      tight.notes.some((n) => /holds 1 of the 2 indexes/.test(n)),
      describeSet(tight),
    );
    const none = await advise(statements, { budget: { bytes: 1 } });
    assert.deepEqual(none.indexes, []);
  });

  it('proposes dropping an unused non-unique index that costs the writers, never a unique one', async () => {
    const r = await advise([statement('insert', EVENT_INSERT, 10_000, [[1, 2]]), statement('kind', EVENTS_OF_KIND, 5)]);
    assert.deepEqual(
      r.drops.map((d) => d.index),
      ['public.events_at_unread'],
      JSON.stringify(r.drops),
    );
    const [drop] = r.drops;
    assert.equal(drop.ddl, 'DROP INDEX CONCURRENTLY IF EXISTS public.events_at_unread;');
    assert.equal(drop.down, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS events_at_unread ON public.events USING btree (at);');
    assert.match(drop.reason, /Never scanned/);
    const reads = await advise([statement('kind', EVENTS_OF_KIND, 5)]);
    assert.deepEqual(reads.drops, [], 'no writes in the workload: nothing to win by dropping');
  });

  it('replaces an existing plain index whose keys begin a chosen one, never a unique one', async () => {
    await queryUrl(
      url,
      `CREATE TABLE shipments (id serial PRIMARY KEY, customer_id int NOT NULL, shipped_on int NOT NULL, weight int NOT NULL);
       INSERT INTO shipments (customer_id, shipped_on, weight) SELECT i % 500, (i * 13) % 3650, i % 97 FROM generate_series(1, 200000) i;
       CREATE INDEX shipments_customer ON shipments (customer_id);
       CREATE UNIQUE INDEX shipments_customer_id_unique ON shipments (customer_id, id);`,
    );
    await vacuumUntilAllVisible(url, ['shipments']);
    const r = await advise([statement('range', 'SELECT weight FROM shipments WHERE customer_id = 7 AND shipped_on BETWEEN 100 AND 200')]);
    assert.equal(r.indexes.length, 1, describeSet(r));
    assert.match(r.indexes[0].ddl, /ON public\.shipments \(customer_id, shipped_on\)/);
    const replaced = r.drops.filter((d) => /^Replaced by/.test(d.reason));
    assert.deepEqual(
      replaced.map((d) => d.index),
      ['public.shipments_customer'],
      JSON.stringify(r.drops),
    );
    assert.equal(replaced[0].ddl, 'DROP INDEX CONCURRENTLY IF EXISTS public.shipments_customer;');
    assert.match(replaced[0].reason, new RegExp(`^Replaced by ${r.indexes[0].name}:`));
    assert.ok(!r.drops.some((d) => /unique/.test(d.index)));
    const s = r.statements[0];
    assert.ok(s.costAfter < s.costBefore && s.servedBy.includes(r.indexes[0].name), JSON.stringify(s));
  });

  it('reads the top statements from pg_stat_statements (generic plans for $n)', async () => {
    await queryUrl(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    // Loading orders wrote 200k rows: after a reset the statistics (statements and table writes) hold only the reads below.
    await queryUrl(url, 'SELECT pg_stat_statements_reset(), pg_stat_reset()');
    for (let i = 0; i < 20; i++) await queryUrl(url, 'SELECT total FROM orders WHERE customer_id = $1', [i % 500]);
    const r = await adviseWorkload(db, { fromStats: true, top: 5 }, defaultRun());
    const mine = r.statements.find((s) => /customer_id = \$1/.test(s.sql));
    assert.ok(mine, JSON.stringify(r.statements));
    assert.equal(mine.calls, 20);
    assert.ok(mine.costAfter < mine.costBefore / 5, JSON.stringify(mine));
    assert.equal(r.indexes.length, 1, describeSet(r));
    assert.match(r.indexes[0].ddl, /ON public\.orders \(customer_id\)/);
  });

  it('weighs the writes pg_stat_user_tables counted since the reset against the reads pg_stat_statements saw', async () => {
    await queryUrl(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const workloadOnEvents = async (insertedRows: number) => {
      await queryUrl(url, 'SELECT pg_stat_statements_reset(), pg_stat_reset()');
      for (let i = 0; i < 2; i++) await queryUrl(url, EVENTS_OF_KIND);
      if (insertedRows)
        await queryUrl(url, "INSERT INTO events (kind, at, payload) SELECT 7, i, 'x' FROM generate_series(1, $1::int) i", [insertedRows]);
      return adviseWorkload(db, { fromStats: true }, defaultRun());
    };
    const quiet = await workloadOnEvents(0);
    assert.ok(
      quiet.indexes.some((i) => i.table === 'public.events'),
      `reads alone: ${describeSet(quiet)}`,
    );
    const busy = await workloadOnEvents(20_000);
    assert.ok(!busy.indexes.some((i) => i.table === 'public.events'), `20,000 rows written: ${describeSet(busy)}`);
  });

  it('on a production profile plans in a read-only transaction, builds nothing and writes nothing', async () => {
    const production = new Database(targetFromUrl(url, 'production', 'production'), { statementTimeoutMs: 120_000 });
    try {
      const rows = async () =>
        (await queryUrl(url, 'SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM pg_index)::int AS indexes'))[0];
      const before = await rows();
      const r = await advise(
        [
          statement('infix', "SELECT id FROM orders WHERE note LIKE '%abc%'"),
          statement('insert', EVENT_INSERT, 10, [[1, 2]]),
          statement('totals', CUSTOMER_TOTALS),
        ],
        {},
        production,
      );
      assert.ok(
        r.notes.some((n) => /gin.*left out: .*trial builds are off/i.test(n)),
        JSON.stringify(r.notes),
      );
      assert.ok(r.indexes.every((i) => !i.kinds.includes('gin')));
      assert.ok(
        r.indexes.some((i) => i.serves.includes('totals')),
        describeSet(r),
      );
      assert.deepEqual(await rows(), before);
    } finally {
      await production.end();
    }
  });

  it('measures the set on request: built in a rolled-back transaction, each statement run without and with it, nothing left', async () => {
    const r = await advise([
      statement('totals', CUSTOMER_TOTALS),
      statement('update', 'UPDATE events SET payload = $2 WHERE id = $1', 10, [[5, 'measured']]),
      statement('insert', EVENT_INSERT, 10, [[1, 2]]),
      statement('generic', 'SELECT note FROM orders WHERE region = $1'),
    ]);
    assert.ok(r.indexes.length >= 1, describeSet(r));
    assert.deepEqual(r.statements.find((s) => s.id === 'update')?.params, [[5, 'measured']]);
    const state = async () =>
      (
        await queryUrl(
          url,
          "SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM events WHERE payload = 'measured')::int AS updated, (SELECT count(*) FROM pg_index)::int AS indexes, (SELECT count(*) FROM pg_class WHERE relname LIKE 'idx_%')::int AS named",
        )
      )[0];
    const before = await state();
    const progress: string[] = [];
    const m = await measureWorkload(
      db,
      { statements: r.statements, indexes: r.indexes },
      defaultRun({ onProgress: (p) => progress.push(p) }),
    );
    const byId = (id: string) => m.statements.find((s) => s.id === id)!;
    // 200,000 rows read by a sequential scan against 400 read from a covering index.
    assert.ok(byId('totals').msAfter! < byId('totals').msBefore! / 2, JSON.stringify(m));
    assert.ok(byId('update').msBefore! > 0 && byId('update').msAfter! > 0, JSON.stringify(byId('update')));
    // Its bigserial's nextval() is not undone by a rollback: planned only, never run.
    assert.deepEqual([byId('insert').msBefore, byId('insert').msAfter], [null, null]);
    assert.match(byId('insert').note ?? '', /side effects that a rollback does not undo: nextval\(\)/);
    assert.deepEqual([byId('generic').msBefore, byId('generic').msAfter], [null, null]);
    assert.match(byId('generic').note ?? '', /\$n parameters without values/);
    assert.ok(m.weightedMsAfter < m.weightedMsBefore && m.buildMs > 0, JSON.stringify(m));
    assert.ok(
      progress.some((p) => /Building the \d+ indexes of the set/.test(p)),
      progress.join('\n'),
    );
    assert.deepEqual(await state(), before, 'the inserts and the built indexes were rolled back');

    // Stopped by the statement timeout: not measured, with how to measure it, and the transaction goes on.
    const quick = new Database(targetFromUrl(url), { statementTimeoutMs: 1000 });
    try {
      const slow = await measureWorkload(
        quick,
        {
          statements: [
            { id: 'sleepy', sql: 'SELECT pg_sleep(3)', calls: 1 },
            { id: 'totals', sql: CUSTOMER_TOTALS, calls: 1 },
          ],
          indexes: r.indexes,
        },
        defaultRun({ settings: { statementTimeoutSeconds: 1 } }),
      );
      const [sleepy, totals] = slow.statements;
      assert.deepEqual([sleepy.msBefore, sleepy.msAfter], [null, null]);
      assert.match(
        sleepy.note ?? '',
        /ran longer than the statement timeout \(1 s\) and was stopped: raise pgtuner\.statementTimeoutSeconds/,
      );
      assert.ok(totals.msBefore! > 0 && totals.msAfter! > 0, JSON.stringify(totals));
    } finally {
      await quick.end();
    }

    const production = new Database(targetFromUrl(url, 'production', 'production'), {});
    try {
      await assert.rejects(
        measureWorkload(production, { statements: r.statements, indexes: r.indexes }, defaultRun()),
        /is a production connection: measuring builds the index for real/,
      );
    } finally {
      await production.end();
    }
    assert.deepEqual(await state(), before);
  });

  it('explains how to enable pg_stat_statements when it is missing', async () => {
    const other = new Database(targetFromUrl(await freshDatabase()), {});
    try {
      await assert.rejects(
        adviseWorkload(other, { fromStats: true }, defaultRun()),
        (err: PgTunerError) =>
          err.code === 'BAD_INPUT' &&
          /pg_stat_statements is not installed/.test(err.message) &&
          /shared_preload_libraries/.test(err.message) &&
          /CREATE EXTENSION pg_stat_statements/.test(err.message),
      );
    } finally {
      await other.end();
    }
  });
});
