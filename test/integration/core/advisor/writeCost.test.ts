import assert from 'node:assert/strict';
import { advise, AdviseResult } from '../../../../src/core/advisor/advise';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';

/** Issue 17, item 4: EXPLAIN's cost of a write leaves out index upkeep; the advisor must not make a write slower. */
describe('advisor: write cost of DML (real PostgreSQL + HypoPG)', function () {
  this.timeout(180_000);
  let db: Database;

  before(async () => {
    const url = await freshDatabase();
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    await db.query(`CREATE TABLE alerts AS
      SELECT n::bigint AS id, 1 + (hashint4(n) & 2147483647) % 2000 AS facility_id,
             CASE WHEN n % 100 < 55 THEN 'info' WHEN n % 100 < 92 THEN 'warning' ELSE 'critical' END AS severity,
             CASE WHEN n > 198000 AND n % 2 = 0 THEN NULL ELSE timestamptz '2023-01-01' + n * interval '2 minutes' END AS resolved_at
        FROM generate_series(1, 200000) n`);
    await db.query('ALTER TABLE alerts ADD PRIMARY KEY (id)');
    await db.query('VACUUM ANALYZE alerts');
  });
  after(() => db.end());

  const suggest = (sql: string, settings = {}) => advise(db, { sql }, defaultRun({ settings }));
  const show = (r: AdviseResult) => JSON.stringify({ ddl: r.suggestions.map((s) => s.ddl), notes: r.notes });

  it('suggests no index for an UPDATE that sets the filtered column on many rows, and says why', async () => {
    const r = await suggest("UPDATE alerts SET severity = 'info' WHERE severity = 'critical'");
    assert.deepEqual(r.suggestions, [], show(r));
    const note = r.notes.find((n) => /^idx_alerts_severity\w* is left out: the UPDATE changes about 16000 rows of alerts/.test(n));
    assert.ok(note, show(r));
    assert.match(
      note!,
      /does not get faster \(measured with a trial build \(faster of 2 runs each\): [\d.]+ ms without it, [\d.]+ ms with it; EXPLAIN's cost leaves out index upkeep\)/,
    );
    assert.match(note!, /can no longer be HOT \(heap-only tuple\) updates/);
    // That note is the table's why-not sentence: no second one claiming no index made the plan cheaper.
    assert.deepEqual(
      r.notes.filter((n) => /^(public\.)?alerts: /.test(n)),
      [],
      show(r),
    );
    const critical = await db.query("SELECT count(*)::int AS n FROM alerts WHERE severity = 'critical'");
    assert.equal(critical.rows[0].n, 16000, 'the measurements were rolled back');
  });

  it('leaves such an index out when it cannot be measured (trial build above the size limit)', async () => {
    const r = await suggest("UPDATE alerts SET severity = 'info' WHERE severity = 'critical'", { 'advisor.trialBuildMaxMB': 0 });
    assert.deepEqual(r.suggestions, [], show(r));
    assert.ok(
      r.notes.some((n) =>
        /is left out: .*EXPLAIN's cost leaves out the upkeep of the index .*could not be measured \(the table .* trial-build limit/.test(n),
      ),
      show(r),
    );
  });

  it('suggests the index for an UPDATE of few rows, measured faster, and says it breaks HOT updates of the column it sets', async () => {
    const r = await suggest('UPDATE alerts SET resolved_at = now() WHERE facility_id = 321 AND resolved_at IS NULL');
    assert.equal(r.suggestions.length, 1, show(r));
    const s = r.suggestions[0];
    assert.match(s.ddl, /ON public\.alerts \(facility_id\)/);
    assert.match(s.reason, /the UPDATE changes about \d+ rows of alerts and is faster with it \(measured with a trial build/);
    assert.match(s.reason, /it indexes resolved_at, which this UPDATE sets: .* can no longer be HOT/);
  });
});
