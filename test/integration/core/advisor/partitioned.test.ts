import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { advise, AdviseResult, explainWithIndexes } from '../../../../src/core/advisor/advise';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { generateIndexMigration } from '../../../../src/core/migrations/generate';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { parsePlan, walkPlan } from '../../../../src/core/plan/parse';
import { defaultRun } from '../../../../src/core/run';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

const SCHEMA = `
CREATE TABLE readings (id int NOT NULL, sensor int NOT NULL, value int NOT NULL) PARTITION BY HASH (id);
CREATE TABLE readings_0 PARTITION OF readings FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE readings_1 PARTITION OF readings FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE readings_2 PARTITION OF readings FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE readings_3 PARTITION OF readings FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO readings SELECT g, g % 5000, g % 97 FROM generate_series(1, 400000) g;
CREATE TABLE logs (at timestamptz NOT NULL, source int NOT NULL, line text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE logs_2024_01 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE logs_2024_02 PARTITION OF logs FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE logs_2024_03 PARTITION OF logs FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
INSERT INTO logs SELECT timestamptz '2024-01-01 00:00+00' + g * 25 * interval '1 second', g % 3000, 'l'
  FROM generate_series(1, 300000) g;
ANALYZE;`;

describe('advisor: partitioned tables', function () {
  this.timeout(180_000);
  let url: string;
  let db: Database;
  const dirs: string[] = [];

  before(async () => {
    url = await freshDatabase();
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    await queryUrl(url, SCHEMA);
  });
  after(async () => {
    await db.end();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const only = (r: AdviseResult) => {
    assert.equal(
      r.suggestions.length,
      1,
      `one suggestion expected: ${JSON.stringify(r.suggestions.map((s) => s.ddl))} ${JSON.stringify(r.notes)}`,
    );
    return r.suggestions[0];
  };
  const indexesOf = async (table: string) =>
    (
      await queryUrl<{ name: string; valid: boolean }>(
        url,
        `SELECT i.indexrelid::regclass::text AS name, i.indisvalid AS valid
           FROM pg_index i JOIN pg_partition_tree($1::regclass) t ON t.relid = i.indrelid ORDER BY 1`,
        [table],
      )
    ).map((r) => `${r.name}${r.valid ? '' : ' (invalid)'}`);

  it('hash partitions all scanned: the index goes on the parent, built ON ONLY + concurrently per partition + ATTACH, applied and rolled back by the runner', async () => {
    const sql = 'SELECT value FROM readings WHERE sensor = 42';
    const s = only(await advise(db, { sql }, defaultRun()));
    assert.equal(s.table, 'public.readings');
    const lines = s.ddl.split('\n');
    assert.match(lines[0], /^CREATE INDEX IF NOT EXISTS idx_readings_sensor\w* ON ONLY public\.readings \(sensor\);$/);
    assert.equal(lines.filter((l) => /^CREATE INDEX CONCURRENTLY IF NOT EXISTS \w+ ON public\.readings_\d \(sensor\);$/.test(l)).length, 4);
    assert.equal(lines.filter((l) => /^ALTER INDEX public\.idx_readings_sensor\w* ATTACH PARTITION public\.\w+;$/.test(l)).length, 4);
    assert.equal(s.down, `DROP INDEX IF EXISTS public.${s.name};`);

    const again = await explainWithIndexes(db, { sql, suggestions: [s] }, defaultRun());
    assert.ok(
      [...walkPlan(again.root)].some((n) => n.index !== undefined),
      'explain again plans with the parent index on every partition',
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-part-'));
    dirs.push(dir);
    await generateIndexMigration({ directory: dir, suggestion: s });
    const up = await applyPending(db, { directory: dir }, defaultRun());
    assert.equal(up.failed, undefined, JSON.stringify(up.failed));
    const built = await indexesOf('readings');
    assert.equal(built.length, 5, built.join(', '));
    assert.ok(
      built.every((n) => !n.endsWith('(invalid)')),
      built.join(', '),
    );
    const plan = parsePlan((await queryUrl(url, `EXPLAIN (FORMAT JSON) ${sql}`))[0]['QUERY PLAN']);
    assert.ok([...walkPlan(plan.root)].some((n) => n.index?.startsWith('idx_readings_')));

    const down = await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.equal(down.failed, undefined, JSON.stringify(down.failed));
    assert.deepEqual(await indexesOf('readings'), []);
  });

  it("without HypoPG, a trial build on the parent is verified through its partitions' indexes", async () => {
    const plainUrl = await freshDatabase(['pg_trgm']);
    const plain = new Database(targetFromUrl(plainUrl), { statementTimeoutMs: 120_000 });
    try {
      await queryUrl(plainUrl, SCHEMA);
      const s = only(await advise(plain, { sql: 'SELECT value FROM readings WHERE sensor = 42' }, defaultRun()));
      assert.equal(s.table, 'public.readings');
      assert.equal(s.evidence.verifiedBy, 'trial-build');
      assert.ok(s.evidence.sizeBytes! > 0, `size ${s.evidence.sizeBytes}`);
      assert.match(s.ddl, /ON ONLY public\.readings/);
    } finally {
      await plain.end();
    }
  });

  it('range partitions with only one scanned: the index goes on that partition alone', async () => {
    const sql = "SELECT line FROM logs WHERE at >= '2024-02-10' AND at < '2024-02-20' AND source = 7";
    const s = only(await advise(db, { sql }, defaultRun()));
    assert.equal(s.table, 'public.logs_2024_02');
    assert.match(s.ddl, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS \w+ ON public\.logs_2024_02 \(source/);
  });
});
