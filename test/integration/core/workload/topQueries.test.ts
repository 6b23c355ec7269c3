import assert from 'node:assert/strict';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { readTopQueries, resetTopQueries } from '../../../../src/core/workload/topQueries';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

describe('Top Queries: pg_stat_statements by total time (real PostgreSQL)', function () {
  this.timeout(120_000);
  let url: string;
  let db: Database;

  before(async () => {
    url = await freshDatabase();
    await queryUrl(
      url,
      `CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
       CREATE TABLE items (id int PRIMARY KEY, kind int, label text);
       INSERT INTO items SELECT i, i % 100, md5(i::text) FROM generate_series(1, 50000) i;`,
    );
    db = new Database(targetFromUrl(url));
  });
  after(() => db?.end());

  const run = async (sql: string, times: number) => {
    for (let i = 0; i < times; i++) await queryUrl(url, sql);
  };

  it('lists this database statements by total time with calls, mean, rows and share; noise left out', async () => {
    await queryUrl(url, 'SELECT pg_stat_statements_reset()');
    await run('SELECT count(*) FROM items WHERE label LIKE $$%ab%$$', 8);
    await run('SELECT label FROM items WHERE id = 7', 3);
    await run('BEGIN; SET LOCAL work_mem = $$8MB$$; COMMIT', 2);
    await run('SELECT count(*) FROM pg_class WHERE relkind = $$r$$', 2);
    const top = await readTopQueries(db, {}, defaultRun());
    const scan = top.queries.find((q) => /FROM items WHERE label LIKE/.test(q.query));
    const lookup = top.queries.find((q) => /FROM items WHERE id =/.test(q.query));
    assert.ok(scan && lookup, JSON.stringify(top.queries.map((q) => q.query)));
    assert.equal(scan.calls, 8);
    assert.equal(lookup.calls, 3);
    assert.match(lookup.query, /id = \$1/, 'pg_stat_statements normalises constants');
    assert.equal(lookup.rows, 3);
    assert.ok(scan.explainable && lookup.explainable);
    assert.ok(Math.abs(scan.meanMs * scan.calls - scan.totalMs) < 1e-6 * Math.max(1, scan.totalMs) + 0.01);
    // Ordered by total time, shares of the database's total (which also counts the left-out noise).
    for (let i = 1; i < top.queries.length; i++) assert.ok(top.queries[i - 1].totalMs >= top.queries[i].totalMs);
    const shares = top.queries.reduce((s, q) => s + q.share, 0);
    assert.ok(shares > 0 && shares <= 1 + 1e-9, String(shares));
    assert.ok(Math.abs(scan.share - scan.totalMs / top.totalMs) < 1e-9);
    assert.ok(!top.queries.some((q) => /^\s*(begin|set|commit)/i.test(q.query)), 'transaction control is not a query to tune');
    assert.ok(!top.queries.some((q) => /pg_class/.test(q.query)), 'nor a catalog read (PG Tuner reads the catalog too)');
    assert.ok(top.statsReset, 'PostgreSQL 14+ says since when');
  });

  it('honours the top N limit', async () => {
    const top = await readTopQueries(db, { top: 1 }, defaultRun());
    assert.equal(top.queries.length, 1);
  });

  it('Reset Statistics forgets this database statements only', async () => {
    await run('SELECT label FROM items WHERE kind = 5', 2);
    const other = await freshDatabase();
    await queryUrl(other, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await queryUrl(other, 'SELECT 42 AS other_database_marker');
    await resetTopQueries(db, {}, defaultRun());
    const after = await readTopQueries(db, {}, defaultRun());
    assert.ok(!after.queries.some((q) => /items/.test(q.query)), JSON.stringify(after.queries.map((q) => q.query)));
    const [{ kept }] = await queryUrl(
      other,
      "SELECT count(*)::int AS kept FROM pg_stat_statements WHERE query LIKE '%other_database_marker%'",
    );
    assert.equal(kept, 1, "another database's statistics are untouched");
  });

  it('refuses to reset a production profile unless confirmed, and changes nothing', async () => {
    await run('SELECT label FROM items WHERE kind = 6', 1);
    const production = new Database(targetFromUrl(url, 'prod', 'production'));
    try {
      await assert.rejects(resetTopQueries(production, {}, defaultRun()), /production/);
      const still = await readTopQueries(db, {}, defaultRun());
      assert.ok(
        still.queries.some((q) => /kind = \$1/.test(q.query)),
        'nothing was reset',
      );
    } finally {
      await production.end();
    }
  });

  it('says how to enable pg_stat_statements when it is not installed', async () => {
    const bare = await freshDatabase([]);
    const plain = new Database(targetFromUrl(bare));
    try {
      await assert.rejects(
        readTopQueries(plain, {}, defaultRun()),
        (err: unknown) =>
          err instanceof PgTunerError &&
          /not installed/.test(err.message) &&
          /shared_preload_libraries/.test(err.message) &&
          /CREATE EXTENSION pg_stat_statements/.test(err.message),
      );
    } finally {
      await plain.end();
    }
  });
});
