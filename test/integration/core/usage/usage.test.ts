import assert from 'node:assert/strict';
import { Client } from 'pg';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { analyzeIndexUsage } from '../../../../src/core/usage/analyze';
import { readIndexDefinition } from '../../../../src/core/usage/definition';
import { loadIndexUsage, readIndexUsage } from '../../../../src/core/usage/load';
import { reindexConcurrently } from '../../../../src/core/usage/reindex';
import { loadTableStats } from '../../../../src/core/usage/tableStats';
import { AnalyzedIndex, BadgeKind, IndexAnalysis } from '../../../../src/core/usage/types';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

/** Runs a query with index scans forced and waits until its statistics are flushed. */
async function scan(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SET enable_seqscan = off');
    await c.query(sql);
    await c.query('SELECT pg_stat_force_next_flush()');
    await c.query('SELECT 1');
  } finally {
    await c.end();
  }
}

const run = queryUrl;
const query = (url: string, sql: string) => queryUrl<Record<string, string>>(url, sql);

const kinds = (i: AnalyzedIndex | undefined): BadgeKind[] => (i ? i.badges.map((b) => b.kind).sort() : ['missing' as BadgeKind]);

describe('Index usage (whole database)', () => {
  let url: string;
  let db: Database;
  let analysis: IndexAnalysis;
  const index = (name: string) => analysis.indexes.find((i) => i.name === name);

  before(async () => {
    url = await freshDatabase([]);
    db = new Database(targetFromUrl(url));
    await run(
      url,
      `
      CREATE TABLE dup_t (id int PRIMARY KEY, a int);
      INSERT INTO dup_t SELECT g, g % 100 FROM generate_series(1, 2000) g;
      CREATE INDEX dup_a1 ON dup_t (a);

      CREATE TABLE red_t (id int PRIMARY KEY, a int, b int);
      CREATE INDEX red_a ON red_t (a);
      CREATE INDEX red_ab ON red_t (a, b);
      CREATE INDEX red_a_partial ON red_t (a) WHERE b > 0;
      CREATE INDEX red_a_desc ON red_t (a DESC);

      CREATE TABLE users (id int PRIMARY KEY, email text, status text, CONSTRAINT users_email_key UNIQUE (email));
      CREATE INDEX users_email_plain ON users (email);
      CREATE UNIQUE INDEX users_email_unique_copy ON users (email);
      CREATE INDEX users_email_status ON users (email, status);

      CREATE TABLE inv_t (id int PRIMARY KEY, v int);
      INSERT INTO inv_t VALUES (1, 7), (2, 7);

      CREATE TABLE "Mixed Case" (id int PRIMARY KEY, "Val" int);
      CREATE INDEX "Mixed Idx" ON "Mixed Case" ("Val");
      ANALYZE;`,
    );
    // A failed CREATE UNIQUE INDEX CONCURRENTLY (duplicate values) leaves an invalid index behind.
    await assert.rejects(run(url, 'CREATE UNIQUE INDEX CONCURRENTLY inv_v ON inv_t (v)'), /could not create unique index/);
    // A statistics reset gives the "since" date; then scan dup_a1 (before its twin exists) so it is
    // the one kept of the identical pair.
    await run(url, 'SELECT pg_stat_reset()');
    await scan(url, 'SELECT count(*) FROM dup_t WHERE a = 5');
    await run(url, 'CREATE INDEX dup_a2 ON dup_t (a); ANALYZE dup_t');
    analysis = await loadIndexUsage(db, {}, defaultRun());
  });

  after(async () => db.end());

  it('lists every index with its table, method, definition, keys, size and stats reset time', () => {
    const redAb = index('red_ab')!;
    assert.equal(redAb.schema, 'public');
    assert.equal(redAb.table, 'red_t');
    assert.equal(redAb.method, 'btree');
    assert.equal(redAb.definition, 'CREATE INDEX red_ab ON public.red_t USING btree (a, b)');
    assert.deepEqual(
      redAb.keys.map((k) => [k.text, k.opclass, k.desc]),
      [
        ['a', 'int4_ops', false],
        ['b', 'int4_ops', false],
      ],
    );
    assert.ok(redAb.bytes >= 8192);
    assert.equal(index('red_a_partial')!.predicate, 'b > 0');
    assert.equal(index('red_a_desc')!.keys[0].desc, true);
    assert.equal(index('dup_a1')!.scans, 1);
    assert.equal(index('Mixed Idx')!.table, 'Mixed Case');
    assert.equal(analysis.indexes.length, 17);
    assert.ok(Date.now() - Date.parse(analysis.statsResetAt!) < 10 * 60_000, `stats reset at ${analysis.statsResetAt}`);
    assert.match(index('red_a')!.badges.find((b) => b.kind === 'unused')!.reason, /since the statistics reset on \d{4}-\d{2}-\d{2}/);
  });

  it("gives every index exactly pg_get_indexdef's definition, whatever its shape", async () => {
    await run(
      url,
      `
      CREATE SCHEMA "Odd Schema";
      CREATE TABLE "Odd Schema".shapes (id int PRIMARY KEY, "Mixed" int, "order" text, v varchar(20), c text COLLATE "C",
                                        tags int[], at timestamptz, email text, doc tsvector, "Old Name" int);
      CREATE INDEX shape_plain ON "Odd Schema".shapes ("Mixed");
      CREATE INDEX "Shape Desc" ON "Odd Schema".shapes ("Mixed" DESC, "order" NULLS FIRST, at DESC NULLS LAST);
      CREATE UNIQUE INDEX shape_include ON "Odd Schema".shapes (id) INCLUDE ("order", at);
      CREATE INDEX shape_varchar ON "Odd Schema".shapes (v);
      CREATE INDEX shape_collate ON "Odd Schema".shapes (c);
      CREATE INDEX shape_collate_other ON "Odd Schema".shapes (c COLLATE "POSIX");
      CREATE INDEX shape_pattern ON "Odd Schema".shapes ("order" text_pattern_ops);
      CREATE INDEX shape_expr ON "Odd Schema".shapes (lower(email));
      CREATE INDEX shape_partial ON "Odd Schema".shapes (at) WHERE "Mixed" > 0;
      CREATE INDEX shape_ff ON "Odd Schema".shapes (at) WITH (fillfactor = 70);
      CREATE INDEX shape_hash ON "Odd Schema".shapes USING hash (email);
      CREATE INDEX shape_gin ON "Odd Schema".shapes USING gin (tags);
      CREATE INDEX shape_brin ON "Odd Schema".shapes USING brin (at);
      CREATE UNIQUE INDEX shape_nnd ON "Odd Schema".shapes (email) NULLS NOT DISTINCT;
      CREATE INDEX shape_second_opclass ON "Odd Schema".shapes ("Mixed", "order" text_pattern_ops);
      CREATE INDEX shape_siglen ON "Odd Schema".shapes USING gist (doc tsvector_ops (siglen = 100));
      CREATE INDEX shape_gist_default ON "Odd Schema".shapes USING gist (doc);
      CREATE INDEX shape_renamed ON "Odd Schema".shapes ("Old Name", id);
      ALTER TABLE "Odd Schema".shapes RENAME COLUMN "Old Name" TO "select";
      CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      CREATE INDEX parted_at ON parted (at);`,
    );
    const usage = await db.withSession(readIndexUsage);
    const actual = new Map(
      (
        await query(
          url,
          `SELECT n.nspname AS schema, c.relname AS name, pg_get_indexdef(c.oid) AS def
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('i', 'I') AND n.nspname NOT IN ('pg_catalog', 'pg_toast')`,
        )
      ).map((r) => [`${r.schema}.${r.name}`, r.def]),
    );
    const shapes = usage.indexes.filter((i) => i.schema === 'Odd Schema' || i.table.startsWith('parted'));
    assert.equal(shapes.length, 21);
    for (const i of usage.indexes) assert.equal(i.definition, actual.get(`${i.schema}.${i.name}`), `${i.schema}.${i.name}`);
  });

  it('flags one of two identical indexes as duplicate, keeping the scanned one', () => {
    assert.deepEqual(kinds(index('dup_a1')), []);
    assert.deepEqual(kinds(index('dup_a2')), ['duplicate', 'unused']);
    assert.equal(index('dup_a2')!.badges.find((b) => b.kind === 'duplicate')!.other, 'public.dup_a1');
    assert.equal(index('dup_a2')!.droppable, true);
  });

  it('flags an index whose keys are a prefix of another with the same method and predicate as redundant', () => {
    assert.ok(kinds(index('red_a')).includes('redundant'));
    assert.equal(index('red_a')!.badges.find((b) => b.kind === 'redundant')!.other, 'public.red_ab');
    assert.ok(!kinds(index('red_a_partial')).includes('redundant'), 'a different predicate is not redundant');
    assert.ok(!kinds(index('red_a_desc')).includes('redundant'), 'a different sort order is not redundant');
    assert.ok(!kinds(index('red_ab')).includes('redundant'));
  });

  it('flags never-scanned plain indexes as unused and droppable', () => {
    const redAb = index('red_ab')!;
    assert.deepEqual(kinds(redAb), ['unused']);
    assert.equal(redAb.droppable, true);
    assert.match(redAb.badges[0].reason, /no index scans since/);
  });

  it('never marks unique or constraint-backing indexes droppable', () => {
    const constraintIndex = index('users_email_key')!;
    assert.deepEqual(constraintIndex.constraint, { name: 'users_email_key', kind: 'unique' });
    assert.equal(constraintIndex.droppable, false);
    assert.deepEqual(kinds(constraintIndex), [], 'kept as the original of its duplicates, not unused, not redundant');
    const uniqueCopy = index('users_email_unique_copy')!;
    assert.deepEqual(kinds(uniqueCopy), ['duplicate']);
    assert.equal(uniqueCopy.droppable, false);
    assert.equal(index('users_pkey')!.droppable, false);
    assert.deepEqual(index('users_pkey')!.constraint, { name: 'users_pkey', kind: 'primary key' });
    // The plain copy of the constraint's index is the one to drop.
    assert.deepEqual(kinds(index('users_email_plain')), ['duplicate', 'unused']);
    assert.equal(index('users_email_plain')!.droppable, true);
    for (const i of analysis.indexes) if (i.unique || i.constraint) assert.equal(i.droppable, false, `${i.name} must not be droppable`);
  });

  it('reports an invalid index left by a failed concurrent build, and REINDEX CONCURRENTLY needs the data fixed', async () => {
    const invalid = index('inv_v')!;
    assert.equal(invalid.valid, false);
    assert.deepEqual(kinds(invalid), ['invalid']);
    assert.equal(invalid.droppable, false, 'a unique index is never proposed for dropping');
    assert.equal(invalid.definition, 'CREATE UNIQUE INDEX inv_v ON public.inv_t USING btree (v)');
    assert.equal(analysis.counts.invalid, 1);
    // A failed REINDEX CONCURRENTLY leaves its own invalid copy behind; the error names it.
    await assert.rejects(
      reindexConcurrently(db, { schema: 'public', name: 'inv_v' }, defaultRun()),
      /could not create unique index[\s\S]*inv_v_ccnew/,
    );
    await run(url, 'DELETE FROM inv_t WHERE id = 2; DROP INDEX inv_v_ccnew');
    await reindexConcurrently(db, { schema: 'public', name: 'inv_v' }, defaultRun());
    const after = await loadIndexUsage(db, {}, defaultRun());
    assert.equal(after.indexes.find((i) => i.name === 'inv_v')!.valid, true);
    assert.equal(after.counts.invalid, 0);
  });

  it('quotes mixed-case names when reindexing', async () => {
    const file = `SELECT c.relfilenode::text AS file, x.indisvalid::text AS valid FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid WHERE c.relname = 'Mixed Idx'`;
    const [before] = await query(url, file);
    await reindexConcurrently(db, { schema: 'public', name: 'Mixed Idx' }, defaultRun());
    const [after] = await query(url, file);
    assert.notEqual(after.file, before.file, 'rebuilt into a new file');
    assert.equal(after.valid, 'true');
  });

  it('does not call an index invalid while CREATE INDEX CONCURRENTLY is still building it', async () => {
    const writer = new Client({ connectionString: url });
    const builder = new Client({ connectionString: url });
    await writer.connect();
    await builder.connect();
    try {
      // An open writing transaction makes the concurrent build wait with its index already in the catalog.
      await writer.query('BEGIN; INSERT INTO dup_t VALUES (100001, 1)');
      const building = builder.query('CREATE INDEX CONCURRENTLY building_idx ON dup_t (id, a)');
      let seen: AnalyzedIndex | undefined;
      for (let n = 0; n < 100 && !seen; n++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await loadIndexUsage(db, {}, defaultRun());
        seen = now.indexes.find((i) => i.name === 'building_idx');
      }
      assert.ok(seen, 'the index being built appears in the catalog');
      assert.equal(seen.valid, false);
      assert.equal(seen.beingBuilt, true);
      assert.ok(!kinds(seen).includes('invalid'));
      await writer.query('COMMIT');
      await building;
    } finally {
      await writer.end();
      await builder.end();
    }
  });

  it('estimates bloat: a btree that lost most of its rows is bloated', async () => {
    await run(
      url,
      `
      CREATE TABLE bloat_t (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
      INSERT INTO bloat_t SELECT g, g FROM generate_series(1, 200000) g;
      CREATE INDEX bloat_v ON bloat_t (v);
      DELETE FROM bloat_t WHERE id % 10 <> 0;`,
    );
    await run(url, 'VACUUM ANALYZE bloat_t');
    const report = await db.withSession(readIndexUsage);
    const strict = analyzeIndexUsage(report, { bloatedPercent: 50, bloatedMinBytes: 1024 * 1024 });
    const v = strict.indexes.find((i) => i.name === 'bloat_v')!;
    assert.ok(kinds(v).includes('bloated'), `bloat_v: ${JSON.stringify(v.badges)} ${v.bytes} bytes, ${v.bloatBytes} wasted`);
    assert.match(v.badges.find((b) => b.kind === 'bloated')!.reason, /REINDEX CONCURRENTLY/);
    const dense = strict.indexes.find((i) => i.name === 'red_ab')!;
    assert.ok(!kinds(dense).includes('bloated'));
    // The default threshold (10 MB of waste) leaves a 4 MB index alone.
    assert.ok(!kinds(analyzeIndexUsage(report).indexes.find((i) => i.name === 'bloat_v')).includes('bloated'));
  });

  it('reads one table\'s stats for "Show Table Stats"', async () => {
    const stats = await loadTableStats(db, { schema: 'public', table: 'dup_t' }, defaultRun());
    assert.equal(stats.table, 'dup_t');
    assert.ok(stats.totalBytes > stats.tableBytes);
    assert.ok(stats.indexesBytes > 0);
    await assert.rejects(loadTableStats(db, { schema: 'public', table: 'nope' }, defaultRun()), /not found/);
  });

  it("reads one index's current definition, and says so when it is gone or its table is locked", async () => {
    assert.equal(
      await readIndexDefinition(db, { schema: 'public', name: 'Mixed Idx' }, defaultRun()),
      'CREATE INDEX "Mixed Idx" ON public."Mixed Case" USING btree ("Val")',
    );
    await assert.rejects(
      readIndexDefinition(db, { schema: 'public', name: 'gone_idx' }, defaultRun()),
      (err: PgTunerError) => err.code === 'BAD_INPUT' && /public\.gone_idx no longer exists .*Refresh/.test(err.message),
    );
    const locker = new Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE "Mixed Case" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      await assert.rejects(
        readIndexDefinition(db, { schema: 'public', name: 'Mixed Idx' }, defaultRun()),
        (err: PgTunerError) => err.code === 'TIMEOUT' && /another session holds an exclusive lock/.test(err.message),
      );
      assert.ok(Date.now() - started < 10_000, 'gave up after the lock timeout');
    } finally {
      await locker.end();
    }
  });
});
