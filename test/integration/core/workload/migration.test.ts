import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { applyPending, rollback } from '../../../../src/core/migrations/runner';
import { defaultRun } from '../../../../src/core/run';
import { adviseWorkload } from '../../../../src/core/workload/adviseWorkload';
import { generateWorkloadMigrations } from '../../../../src/core/workload/migration';
import { WorkloadReport } from '../../../../src/core/workload/types';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';
import { migrationsFolder, removeFolders } from '../migrations/support';
import { CUSTOMER_DAYS, CUSTOMER_TOTALS, vacuumUntilAllVisible, WORKLOAD_SQL } from './adviseWorkload.test';

/** The workload set as migrations, applied and rolled back with the project's runner on a real PostgreSQL. */
describe('workload advice as migrations (real PostgreSQL + HypoPG)', function () {
  this.timeout(300_000);
  let url: string;
  let db: Database;
  let report: WorkloadReport;

  const indexNames = async () =>
    (
      await queryUrl(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1")
    ).map((r) => r.indexname as string);

  before(async () => {
    url = await freshDatabase();
    await queryUrl(url, WORKLOAD_SQL);
    await vacuumUntilAllVisible(url, ['orders', 'events']);
    db = new Database(targetFromUrl(url), { statementTimeoutMs: 120_000 });
    report = await adviseWorkload(
      db,
      {
        statements: [
          { id: 'totals', sql: CUSTOMER_TOTALS, calls: 100 },
          { id: 'days', sql: CUSTOMER_DAYS, calls: 100 },
          { id: 'insert', sql: "INSERT INTO events (kind, at, payload) VALUES ($1, $2, 'x')", calls: 10_000, params: [[1, 2]] },
          { id: 'kind', sql: 'SELECT id FROM events WHERE kind = 3', calls: 5 },
        ],
      },
      defaultRun(),
    );
    assert.ok(
      report.indexes.length >= 1 && report.drops.length === 1,
      JSON.stringify({ i: report.indexes.map((i) => i.ddl), d: report.drops }),
    );
  });
  after(async () => {
    await db?.end();
    removeFolders();
  });

  it('one migration for the set: new indexes built before the unused one is dropped; .down reverses it in the opposite order', async () => {
    const dir = migrationsFolder();
    const before = await indexNames();
    const written = await generateWorkloadMigrations({ directory: dir, indexes: report.indexes, drops: report.drops });
    assert.equal(written.length, 1);
    const up = fs.readFileSync(written[0].upPath, 'utf8');
    const down = fs.readFileSync(written[0].downPath!, 'utf8');
    const firstCreate = up.indexOf('CREATE INDEX');
    const drop = up.indexOf('DROP INDEX CONCURRENTLY IF EXISTS public.events_at_unread');
    assert.ok(firstCreate >= 0 && drop > firstCreate, up);
    assert.ok(down.indexOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS events_at_unread') < down.indexOf('DROP INDEX'), down);

    const applied = await applyPending(db, { directory: dir }, defaultRun());
    assert.equal(applied.failed, undefined, JSON.stringify(applied.failed));
    const after = await indexNames();
    for (const ix of report.indexes) assert.ok(after.includes(ix.name), `${ix.name} built: ${after}`);
    assert.ok(!after.includes('events_at_unread'), 'the unused index is dropped');
    assert.ok(after.includes('events_id_kind_unique'), 'the unique index stays');

    const undone = await rollback(db, { directory: dir, steps: 1 }, defaultRun());
    assert.equal(undone.failed, undefined, JSON.stringify(undone.failed));
    assert.deepEqual(await indexNames(), before, 'rolled back: exactly the indexes there were');
  });

  it('one migration per index and per drop when asked, each with its .down, in that order', async () => {
    const dir = migrationsFolder({ '001_init.sql': 'SELECT 1;\n', '001_init.down.sql': 'SELECT 1;\n' });
    const written = await generateWorkloadMigrations({ directory: dir, indexes: report.indexes, drops: report.drops, perIndex: true });
    assert.equal(written.length, report.indexes.length + report.drops.length);
    const names = written.map((w) => path.basename(w.upPath));
    assert.deepEqual(names, [...names].sort(), 'versions follow the order: creates first, drops last');
    assert.match(names[0], /^002_create_index_/);
    assert.match(names[names.length - 1], /drop_index_events_at_unread\.sql$/);
    for (const w of written) assert.ok(w.downPath && fs.existsSync(w.downPath));
  });

  it('refuses an empty set instead of writing an empty migration', async () => {
    await assert.rejects(
      generateWorkloadMigrations({ directory: migrationsFolder(), indexes: [], drops: [] }),
      /no index to create or drop/,
    );
  });
});
