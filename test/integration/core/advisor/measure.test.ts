import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { advise } from '../../../../src/core/advisor/advise';
import { measureSuggestion } from '../../../../src/core/advisor/measure';
import { Suggestion } from '../../../../src/core/advisor/types';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

/** Issue 17, item 8: "Measure" on a HypoPG-verified suggestion builds it for real, rolled back, and times the statement. */
describe('advisor: measure a suggestion on request (real PostgreSQL + HypoPG)', function () {
  this.timeout(180_000);
  let url: string;
  let db: Database;
  let production: Database;

  before(async () => {
    url = await freshDatabase();
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    production = new Database(targetFromUrl(url, 'prod', 'production'), { statementTimeoutMs: 120_000 });
    await queryUrl(url, fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', '..', 'demo', 'sample.sql'), 'utf8'));
    await queryUrl(url, 'VACUUM ANALYZE');
  });
  after(async () => {
    await db.end();
    await production.end();
  });

  const hypopgSuggestion = async (sql: string): Promise<Suggestion> => {
    const r = await advise(db, { sql }, defaultRun());
    assert.equal(r.suggestions.length, 1, JSON.stringify({ s: r.suggestions.map((s) => s.ddl), notes: r.notes }));
    assert.equal(r.suggestions[0].evidence.verifiedBy, 'hypopg');
    return r.suggestions[0];
  };
  const indexExists = async (name: string) => (await db.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0].e as boolean;
  const leftRunning = async (fragment: string) =>
    (
      await db.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state <> 'idle' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
        [fragment],
      )
    ).rows[0].n as number;

  it('builds the index inside the rolled-back transaction, times the statement without and with it, and leaves nothing behind', async () => {
    const sql = 'SELECT id, action FROM events WHERE actor_id = 4242';
    const s = await hypopgSuggestion(sql);
    assert.equal(s.evidence.msAfter, null, 'HypoPG alone measures nothing after');
    const m = await measureSuggestion(db, { sql, suggestion: s }, defaultRun());
    assert.equal(m.name, s.name);
    assert.ok(m.msBefore !== null && m.msBefore > 0, `before ${m.msBefore}`);
    assert.ok(m.msAfter !== null && m.msAfter > 0, `after ${m.msAfter}`);
    // A seq scan of 600k rows against an index lookup of about a dozen: an order of magnitude apart on any machine.
    assert.ok(m.msAfter < m.msBefore / 5, `${m.msBefore} → ${m.msAfter} ms`);
    assert.ok(m.buildMs !== null && m.buildMs > 0);
    assert.equal(m.runs, 2);
    assert.deepEqual(m.notes, []);
    assert.ok(m.after?.analyzed && JSON.stringify(m.after.root).includes(s.name), 'the after plan used the built index');
    assert.equal(await indexExists(`public.${s.name}`), false, 'the index was rolled back');
    assert.equal(await leftRunning('actor_id = 4242'), 0);
  });

  it('measures the alternative the user picked (the btree beside a BRIN) instead of the default', async () => {
    const sql = "SELECT action, count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-02-03' GROUP BY action";
    const s = await hypopgSuggestion(sql);
    assert.equal(s.method, 'brin');
    const btree = s.alternatives?.[0];
    assert.ok(btree, JSON.stringify(s));
    const m = await measureSuggestion(db, { sql, suggestion: s, alternative: btree.name }, defaultRun());
    assert.equal(m.name, btree.name);
    assert.ok(m.msAfter !== null && m.msBefore !== null && m.msAfter < m.msBefore, `${m.msBefore} → ${m.msAfter} ms`);
    assert.ok(JSON.stringify(m.after?.root).includes(btree.name), 'the after plan used the btree, not the BRIN');
    assert.equal(await indexExists(`public.${btree.name}`), false);
    await assert.rejects(
      measureSuggestion(db, { sql, suggestion: s, alternative: 'idx_not_offered' }, defaultRun()),
      (err: PgTunerError) => err.code === 'BAD_INPUT' && /has no alternative named "idx_not_offered"/.test(err.message),
    );
  });

  it('measures the time after for a statement that ran past the statement timeout without the index', async () => {
    // One scan of 600k rows per outer row: seconds without an index on actor_id, milliseconds with it.
    const sql = 'SELECT a.id, (SELECT count(*) FROM events b WHERE b.actor_id = a.actor_id) FROM events a WHERE a.id <= 400';
    const r = await advise(db, { sql, analyze: false }, defaultRun());
    const s = r.suggestions.find((x) => /\(actor_id\)/.test(x.ddl));
    assert.ok(s, JSON.stringify({ s: r.suggestions.map((x) => x.ddl), notes: r.notes }));
    const m = await measureSuggestion(db, { sql, suggestion: s }, defaultRun({ settings: { statementTimeoutSeconds: 1 } }));
    assert.equal(m.msBefore, null, 'stopped at the timeout, not measured');
    assert.match(m.notes.join(' '), /^Without idx_events_actor_id\S*: EXPLAIN ANALYZE ran longer than the statement timeout \(1 s\)/);
    assert.ok(m.msAfter !== null && m.msAfter < 1000, `after ${m.msAfter}`);
    assert.equal(await indexExists(`public.${s.name}`), false);
    assert.equal(await leftRunning('b.actor_id = a.actor_id'), 0);
  });

  it('stops on cancel: the statement is cancelled on the server and nothing is left behind', async () => {
    const sql = 'SELECT a.id, (SELECT count(*) FROM events b WHERE b.actor_id = a.actor_id) FROM events a WHERE a.id <= 300';
    const r = await advise(db, { sql, analyze: false }, defaultRun());
    const s = r.suggestions.find((x) => /\(actor_id\)/.test(x.ddl));
    assert.ok(s, JSON.stringify(r.suggestions.map((x) => x.ddl)));
    const controller = new AbortController();
    const progress: string[] = [];
    const measuring = measureSuggestion(
      db,
      { sql, suggestion: s },
      defaultRun({ signal: controller.signal, onProgress: (m) => progress.push(m) }),
    );
    setTimeout(() => controller.abort(), 700);
    const started = Date.now();
    await assert.rejects(measuring, (err: PgTunerError) => err.code === 'CANCELLED');
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms to stop`);
    assert.match(progress[0], /^Running the statement without idx_events_actor_id\S* \(EXPLAIN ANALYZE, rolled back\)$/);
    assert.equal(await indexExists(`public.${s.name}`), false);
    assert.equal(await leftRunning('b.actor_id = a.actor_id'), 0);
  });

  it('measures a statement with $n parameters with its values, and refuses it without (a generic plan runs nothing)', async () => {
    const sql = 'SELECT id, action FROM events WHERE actor_id = $1';
    const r = await advise(db, { sql, params: [4243] }, defaultRun());
    const s = r.suggestions[0];
    assert.ok(s, JSON.stringify(r.notes));
    const m = await measureSuggestion(db, { sql, params: [4243], suggestion: s }, defaultRun());
    assert.ok(m.msBefore !== null && m.msAfter !== null && m.msAfter < m.msBefore, JSON.stringify(m));
    await assert.rejects(
      measureSuggestion(db, { sql, suggestion: s }, defaultRun()),
      (err: PgTunerError) =>
        err.code === 'BAD_INPUT' && /has \$n parameters without values .*explain it with values, then measure/.test(err.message),
    );
  });

  it('is refused on a production profile, with a clear message, before anything runs', async () => {
    const sql = 'SELECT id, action FROM events WHERE actor_id = 77';
    const s = await hypopgSuggestion(sql);
    await assert.rejects(
      measureSuggestion(production, { sql, suggestion: s }, defaultRun()),
      (err: PgTunerError) =>
        err.code === 'BAD_INPUT' && /"prod" is a production connection: measuring builds the index for real/.test(err.message),
    );
    assert.equal(await leftRunning('actor_id = 77'), 0);
  });

  it('is refused where a trial build is not allowed: a table above pgtuner.advisor.trialBuildMaxMB', async () => {
    const sql = 'SELECT id, action FROM events WHERE actor_id = 99';
    const s = await hypopgSuggestion(sql);
    await assert.rejects(
      measureSuggestion(db, { sql, suggestion: s }, defaultRun({ settings: { 'advisor.trialBuildMaxMB': 1 } })),
      (err: PgTunerError) =>
        err.code === 'BAD_INPUT' && /cannot be measured here: the table \(.+\) is above the trial-build limit/.test(err.message),
    );
  });
});
