/** Issue 11: trial builds never wait long for their lock, and verify indexes on quoted names. */
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { advise } from '../../../../src/core/advisor/advise';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

const SQL = `SELECT id FROM "Sales"."Order Items" WHERE "Tags" @> ARRAY['rare']`;

describe('advisor trial builds (issue 11)', function () {
  this.timeout(120_000);
  let url: string;
  let db: Database;

  before(async () => {
    url = await freshDatabase(['pg_trgm']);
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 60_000 });
    await queryUrl(
      url,
      `CREATE SCHEMA "Sales";
      CREATE TABLE "Sales"."Order Items" (id int PRIMARY KEY, "Tags" text[], note text);
      INSERT INTO "Sales"."Order Items" SELECT g, CASE WHEN g % 5000 = 0 THEN ARRAY['rare'] ELSE ARRAY['common', 'x' || (g % 50)] END, repeat('n', 50)
        FROM generate_series(1, 100000) g;
      ANALYZE "Sales"."Order Items"`,
    );
  });
  after(() => db.end());

  it('sizes a trial-built index on a quoted, non-search-path table: verified, with its size', async () => {
    const r = await advise(db, { sql: SQL, analyze: false }, defaultRun());
    const gin = r.suggestions.find((s) => s.method === 'gin');
    assert.ok(gin, `a GIN suggestion: ${JSON.stringify(r.suggestions.map((s) => [s.ddl, s.evidence]))} notes ${JSON.stringify(r.notes)}`);
    assert.equal(gin.evidence.verifiedBy, 'trial-build', JSON.stringify(gin.evidence));
    assert.ok((gin.evidence.sizeBytes ?? 0) > 0, `size ${gin.evidence.sizeBytes}`);
  });

  it('gives up within seconds (lock_timeout) when writers hold the table, with a clear note, and writers are not kept waiting', async () => {
    const writer = new Client({ connectionString: url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO "Sales"."Order Items" VALUES (0, ARRAY['w'], 'w')`);
      const started = Date.now();
      const r = await advise(db, { sql: SQL, analyze: false }, defaultRun({ settings: { 'advisor.trialBuildTimeoutSeconds': 60 } }));
      const ms = Date.now() - started;
      assert.ok(ms < 20_000, `advise took ${ms} ms: the trial build waited for its lock instead of giving up`);
      const notes = JSON.stringify([...r.suggestions.map((s) => `${s.reason} ${s.evidence.note ?? ''}`), ...r.notes]);
      assert.match(notes, /could not take its SHARE lock on Sales\.Order Items within 3 s/);
      assert.ok(!r.suggestions.some((s) => s.evidence.verifiedBy === 'trial-build'), 'nothing claims a trial build that did not happen');
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }
  });
});
