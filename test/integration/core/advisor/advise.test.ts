import assert from 'node:assert/strict';
import { advise, AdviseInput, AdviseResult, explainWithIndexes } from '../../../../src/core/advisor/advise';
import { Suggestion } from '../../../../src/core/advisor/types';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { walkPlan, parsePlan } from '../../../../src/core/plan/parse';
import { defaultRun, Run } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';
import * as fs from 'fs';
import * as path from 'path';

describe('advisor (real PostgreSQL + HypoPG)', function () {
  this.timeout(180_000);
  let db: Database;
  let production: Database;

  before(async () => {
    const url = await freshDatabase();
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    production = new Database(targetFromUrl(url, 'production', 'production'), { statementTimeoutMs: 120_000 });
    // The demo's sample workload (skewed statuses, a boolean flag, append-only time columns): a script, so one simple-protocol message.
    await queryUrl(url, fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', '..', 'demo', 'sample.sql'), 'utf8'));
    await db.query('VACUUM ANALYZE');
  });
  after(async () => {
    await db.end();
    await production.end();
  });

  const suggest = (sql: string, input: Omit<AdviseInput, 'sql'> = {}, run: Run = defaultRun(), on = db) =>
    advise(on, { sql, ...input }, run);
  const only = (r: AdviseResult, table?: string): Suggestion => {
    const list = table ? r.suggestions.filter((s) => s.table === table) : r.suggestions;
    assert.equal(
      list.length,
      1,
      `expected one suggestion${table ? ` on ${table}` : ''}, got ${JSON.stringify(r.suggestions.map((s) => s.ddl))} notes ${JSON.stringify(r.notes)}`,
    );
    return list[0];
  };

  /** Builds the suggestion for real and returns the plan PostgreSQL then picks (index dropped afterwards). */
  async function realPlanWith(s: Suggestion, sql: string, params?: unknown[]) {
    for (const r of s.requires) await db.query(r);
    await db.query(s.ddl);
    try {
      const r = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      return parsePlan(r.rows[0]['QUERY PLAN']);
    } finally {
      await db.query(s.down);
    }
  }
  const nodeTypes = (plan: ReturnType<typeof parsePlan>) => [...walkPlan(plan.root)].map((n) => n.nodeType);
  const indexesUsed = (plan: ReturnType<typeof parsePlan>) => [...walkPlan(plan.root)].map((n) => n.index).filter(Boolean);

  it('puts equality columns first, then the range column (composite)', async () => {
    const sql = "SELECT id, severity FROM alerts WHERE facility_id = 42 AND created_at >= '2023-02-01' AND created_at < '2023-06-01'";
    const s = only(await suggest(sql));
    assert.equal(s.table, 'public.alerts');
    assert.match(
      s.ddl,
      /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alerts_facility_id_created_at\w* ON public\.alerts \(facility_id, created_at\)/,
    );
    assert.ok(s.kinds.includes('composite'));
    assert.equal(s.evidence.verifiedBy, 'hypopg');
    assert.ok(s.evidence.costAfter < s.evidence.costBefore * 0.8, `cost ${s.evidence.costBefore} → ${s.evidence.costAfter}`);
    assert.ok(s.evidence.sizeBytes! > 0);
    assert.equal(s.down, `DROP INDEX CONCURRENTLY IF EXISTS public.${s.name};`);
    assert.deepEqual(indexesUsed(await realPlanWith(s, sql)), [s.name]);
  });

  it('follows ORDER BY … DESC so LIMIT reads the first rows without a sort', async () => {
    const sql = "SELECT id, email, created_at FROM users WHERE role = 'director' ORDER BY created_at DESC LIMIT 20";
    const r = await suggest(sql);
    assert.ok(
      r.before.hotspots.some((h) => h.kind === 'seq-scan' || h.kind === 'sort'),
      'baseline hotspot found',
    );
    const s = only(r);
    assert.match(s.ddl, /\(role, created_at DESC\)/);
    const after = await realPlanWith(s, sql);
    assert.ok(!nodeTypes(after).includes('Sort'), `no sort left: ${nodeTypes(after)}`);
    assert.ok(r.plan.executionMs !== null && r.plan.executionMs > 0, 'baseline was measured with ANALYZE');
  });

  it('makes a partial index when a constant predicate keeps few rows (IS NULL)', async () => {
    const sql = 'SELECT id, facility_id, created_at FROM alerts WHERE resolved_at IS NULL ORDER BY created_at DESC LIMIT 50';
    const s = only(await suggest(sql));
    assert.ok(s.kinds.includes('partial'), s.kinds.join());
    assert.match(s.ddl, /\(created_at DESC\)( INCLUDE \(facility_id\))? WHERE resolved_at IS NULL;$/);
    assert.deepEqual(indexesUsed(await realPlanWith(s, sql)), [s.name]);
  });

  it('puts a boolean flag in the partial WHERE, not in the key', async () => {
    const s = only(await suggest('SELECT id, email, last_login_at FROM users WHERE is_active = false ORDER BY last_login_at LIMIT 50'));
    assert.ok(s.kinds.includes('partial'));
    assert.match(s.ddl, /\(last_login_at\).* WHERE NOT is_active;$/);
  });

  it('adds INCLUDE columns when that gives an index-only scan (covering)', async () => {
    // An index-only scan pays only on pages the visibility map marks all-visible: make sure they are.
    await db.query('VACUUM (ANALYZE) orders');
    const visible = (await db.query("SELECT relallvisible::float8 / relpages AS share FROM pg_class WHERE relname = 'orders'")).rows[0]
      .share;
    assert.ok(visible > 0.9, `orders is ${visible} all-visible after VACUUM`);
    const sql = 'SELECT created_at, total FROM orders WHERE user_id BETWEEN 1000 AND 3000';
    const s = only(await suggest(sql));
    assert.ok(s.kinds.includes('covering'), s.ddl);
    assert.match(s.ddl, /\(user_id\) INCLUDE \((created_at, total|total, created_at)\)/);
    assert.ok(nodeTypes(await realPlanWith(s, sql)).includes('Index Only Scan'));
  });

  it('suggests GIN for array containment, verified by a trial build', async () => {
    const sql = "SELECT id, email FROM users WHERE skills @> ARRAY['drone','nuke']";
    const s = only(await suggest(sql));
    assert.equal(s.method, 'gin');
    assert.match(s.ddl, /USING gin \(skills\)/);
    assert.equal(s.evidence.verifiedBy, 'trial-build');
    assert.match(s.evidence.note ?? '', /SHARE lock/);
    assert.ok(
      s.evidence.msAfter !== null && s.evidence.msBefore !== null && s.evidence.msAfter < s.evidence.msBefore,
      `ms ${s.evidence.msBefore} → ${s.evidence.msAfter}`,
    );
  });

  it('uses jsonb_path_ops when only @> is used on jsonb', async () => {
    const s = only(await suggest(`SELECT id FROM events WHERE details @> '{"client": "api", "fields": ["payout_account"]}'`));
    assert.match(s.ddl, /USING gin \(details jsonb_path_ops\)/);
    assert.ok(s.kinds.includes('gin'));
  });

  it('indexes the exact full-text expression the query uses', async () => {
    const sql = "SELECT id FROM docs WHERE to_tsvector('english', title || ' ' || body) @@ to_tsquery('english', 'documentary & afrobeat')";
    const s = only(await suggest(sql));
    assert.ok(s.kinds.includes('gin') && s.kinds.includes('expression'), s.kinds.join());
    assert.match(s.ddl, /USING gin \(\(to_tsvector\('english'(::regconfig)?, \(?title \|\| ' '(::text)?\)? \|\| body\)\)\)/);
    assert.deepEqual(indexesUsed(await realPlanWith(s, sql)), [s.name]);
  });

  it('suggests a trigram index for ILIKE with a leading wildcard', async () => {
    const sql = "SELECT id, title FROM docs WHERE title ILIKE '%harbor reel 12%'";
    const s = only(await suggest(sql));
    assert.ok(s.kinds.includes('trigram'));
    assert.match(s.ddl, /USING gin \(title gin_trgm_ops\)/);
    assert.deepEqual(s.requires, []);
  });

  it('says pg_trgm is missing and puts CREATE EXTENSION in the requirements', async () => {
    await db.query('DROP EXTENSION pg_trgm');
    try {
      const s = only(await suggest("SELECT id, title FROM docs WHERE title ILIKE '%harbor reel 12%'"));
      assert.deepEqual(s.requires, ['CREATE EXTENSION IF NOT EXISTS pg_trgm;']);
      assert.match(s.reason, /pg_trgm is not installed/);
    } finally {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    }
  });

  it('suggests BRIN for a range on an append-only time column of a large table', async () => {
    const sql = "SELECT action, count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-02-03' GROUP BY action";
    const s = only(await suggest(sql));
    assert.equal(s.method, 'brin');
    assert.match(s.ddl, /USING brin \(created_at\)/);
    assert.match(s.reason, /correlation 1\.00/);
  });

  it('suggests an expression index for lower(col) = …', async () => {
    const sql = "SELECT id FROM users WHERE lower(email) = 'user77@example.com'";
    const s = only(await suggest(sql));
    assert.ok(s.kinds.includes('expression'));
    assert.match(s.ddl, /\(\(lower\(email\)\)\)/);
    assert.deepEqual(indexesUsed(await realPlanWith(s, sql)), [s.name]);
  });

  it('indexes the foreign-key side of a join', async () => {
    const sql = "SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email = 'user4242@example.com'";
    const r = await suggest(sql);
    const s = only(r, 'public.orders');
    assert.match(s.ddl, /ON public\.orders \(user_id\)/);
  });

  it('explains UPDATE and DELETE (and a writable CTE) without changing any row', async () => {
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    const unresolved = await count('SELECT count(*) AS n FROM alerts WHERE resolved_at IS NULL');
    const orders = await count('SELECT count(*) AS n FROM orders');
    const u = await suggest('UPDATE alerts SET resolved_at = now() WHERE facility_id = 321 AND resolved_at IS NULL');
    assert.ok(
      u.suggestions.some((s) => s.table === 'public.alerts' && /facility_id/.test(s.ddl)),
      JSON.stringify(u.suggestions),
    );
    await suggest("DELETE FROM orders WHERE status = 'pending' AND total > 100");
    await suggest('WITH gone AS (DELETE FROM orders WHERE id <= 1000 RETURNING id) SELECT count(*) FROM gone');
    assert.equal(await count('SELECT count(*) AS n FROM alerts WHERE resolved_at IS NULL'), unresolved);
    assert.equal(await count('SELECT count(*) AS n FROM orders'), orders);
  });

  it('suggests nothing when an existing index already serves the query', async () => {
    await db.query('CREATE INDEX existing_fac_created ON alerts (facility_id, created_at)');
    try {
      // minPlanCost 0: with the index the plan is cheap, and the served-by check must be what stops the candidate.
      const r = await suggest(
        "SELECT facility_id, created_at FROM alerts WHERE facility_id = 42 AND created_at >= '2023-02-01' AND created_at < '2023-06-01'",
        { minPlanCost: 0 },
      );
      assert.deepEqual(r.suggestions, []);
      assert.ok(
        r.notes.some((n) => /^existing_fac_created already serves /.test(n)),
        r.notes.join(' | '),
      );
    } finally {
      await db.query('DROP INDEX existing_fac_created');
    }
  });

  it('suggests nothing for a tiny table or an already cheap plan', async () => {
    const tiny = await suggest("SELECT name FROM countries WHERE name = 'Ghana'", { minPlanCost: 0 });
    assert.deepEqual(tiny.suggestions, []);
    assert.match(tiny.notes.join(' '), /countries has about \d+ rows: too small for an index to pay off/);
    const pk = await suggest('SELECT email FROM users WHERE id = 5');
    assert.deepEqual(pk.suggestions, []);
    assert.match(pk.notes.join(' '), /already cheap/);
  });

  it('binds $n parameters, or plans generically without values', async () => {
    const sql = 'SELECT id, total FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10';
    const bound = await suggest(sql, { params: ['77'] });
    assert.match(only(bound).ddl, /\(user_id, created_at DESC\)/);
    assert.ok(bound.plan.executionMs !== null);
    const generic = await suggest(sql);
    assert.equal(generic.plan.executionMs, null, 'a generic plan is not executed');
    assert.match(only(generic).ddl, /\(user_id, created_at DESC\)/);
  });

  it('refuses several statements and reports syntax errors with line and column', async () => {
    await assert.rejects(suggest('SELECT 1; SELECT 2'), (e: PgTunerError) => e.code === 'MULTIPLE_STATEMENTS');
    await assert.rejects(
      suggest('SELECT id\nFROM users\nWHERE id = = 3'),
      (e: PgTunerError) => e.code === 'PARSE_ERROR' && /line 3, column \d+/.test(e.message),
    );
    await assert.rejects(
      suggest('CREATE TABLE x (a int)'),
      (e: PgTunerError) => e.code === 'BAD_INPUT' && /cannot be explained/.test(e.message),
    );
  });

  it('verifies by trial builds when HypoPG is absent', async () => {
    await db.query('DROP EXTENSION hypopg');
    try {
      const r = await suggest(
        "SELECT id, severity FROM alerts WHERE facility_id = 42 AND created_at >= '2023-02-01' AND created_at < '2023-06-01'",
      );
      const s = only(r);
      assert.equal(s.evidence.verifiedBy, 'trial-build');
      assert.ok(s.evidence.msAfter !== null && s.evidence.msAfter < s.evidence.msBefore!);
      assert.ok(r.notes.some((n) => /HypoPG is not installed/.test(n)));
      const count = await db.query("SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'alerts'");
      assert.equal(Number(count.rows[0].n), 1, 'only the primary key remains after the trial build');
    } finally {
      await db.query('CREATE EXTENSION hypopg');
    }
  });

  it('on production: read-only, no trial builds (GIN marked unverified with the reason)', async () => {
    const s = only(await suggest("SELECT id FROM users WHERE skills @> ARRAY['drone','nuke']", {}, defaultRun(), production));
    assert.equal(s.evidence.verifiedBy, 'none');
    assert.match(s.reason, /production/);
    await assert.rejects(
      suggest('UPDATE alerts SET severity = severity WHERE id = 1', {}, defaultRun(), production),
      (e: PgTunerError) => e.code === 'READ_ONLY',
    );
  });

  it('explains again with a suggestion in place (HypoPG, or a trial build for GIN)', async () => {
    const btreeSql = "SELECT id, email, created_at FROM users WHERE role = 'director' ORDER BY created_at DESC LIMIT 20";
    const btree = only(await suggest(btreeSql));
    const hypothetical = await explainWithIndexes(db, { sql: btreeSql, suggestions: [btree] }, defaultRun());
    assert.ok(
      indexesUsed(hypothetical).some((name) => /^<\d+>btree/.test(name!)),
      JSON.stringify(indexesUsed(hypothetical)),
    );
    assert.ok(Math.abs(hypothetical.totalCost - btree.evidence.costAfter) < 0.01);
    const ginSql = "SELECT id FROM users WHERE skills @> ARRAY['drone','nuke']";
    const gin = only(await suggest(ginSql));
    assert.deepEqual(indexesUsed(await explainWithIndexes(db, { sql: ginSql, suggestions: [gin] }, defaultRun())), [gin.name]);
    const left = await db.query("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'users'");
    assert.equal(left.rows[0].n, 1, 'the trial build was rolled back');
  });

  it('stops a long statement on cancel; on statement timeout it advises from the estimated plan', async () => {
    const slow = 'SELECT count(*) FROM events a JOIN events b ON a.actor_id = b.actor_id';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(suggest(slow, {}, defaultRun({ signal: controller.signal })), (e: PgTunerError) => e.code === 'CANCELLED');
    const timedOut = await suggest(slow, {}, defaultRun({ settings: { statementTimeoutSeconds: 0.2 } }));
    assert.equal(timedOut.plan.executionMs, null);
    assert.ok(
      timedOut.notes.some((n) => /ran longer than the statement timeout \(0\.2 s\)/.test(n)),
      timedOut.notes.join(' | '),
    );
    const busy = await db.query(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%events a JOIN events b%' AND pid <> pg_backend_pid()",
    );
    assert.equal(Number(busy.rows[0].n), 0, 'nothing left running on the server');
  });
});
