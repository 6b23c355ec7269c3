import assert from 'node:assert/strict';
import * as fs from 'fs';
import { CLI_PATH, interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { queryUrl, whileHolding } from '../../../support/sql';

const pgtuner = (args: string[]) => runCli(args);

describe('CLI: pgtuner indexes', () => {
  let url: string;

  before(async function () {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    url = await freshDatabase([]);
    await queryUrl(
      url,
      `
      CREATE TABLE t (id serial PRIMARY KEY, a int, b int, CONSTRAINT t_b_key UNIQUE (b));
      CREATE INDEX t_a ON t (a);
      CREATE INDEX t_a_copy ON t (a);`,
    );
  });

  it('indexes --json lists every index with badges, and never marks the constraint index droppable', () => {
    const r = pgtuner(['indexes', '--db', url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const byName = Object.fromEntries(out.indexes.map((i: { name: string }) => [i.name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['t_a', 't_a_copy', 't_b_key', 't_pkey']);
    assert.deepEqual(byName.t_a_copy.badges.map((b: { kind: string }) => b.kind).sort(), ['duplicate', 'unused']);
    assert.equal(byName.t_b_key.droppable, false);
    assert.equal(byName.t_b_key.constraint.kind, 'unique');
    assert.equal(out.counts.duplicate, 1);
    assert.ok('statsResetAt' in out);
    const flagged = pgtuner(['indexes', '--db', url, '--flagged', '--sort', 'size']);
    assert.equal(flagged.code, 0);
    assert.match(flagged.stdout, /public\.t\.t_a_copy .*\[duplicate of public\.t_a\]/);
    assert.doesNotMatch(flagged.stdout, /t_pkey/);
    assert.equal(pgtuner(['indexes', '--db', url, '--sort', 'weight']).code, 2);
  });

  it('says so in a sentence when there is no index, or none is flagged', async () => {
    const empty = await freshDatabase([]);
    const none = pgtuner(['indexes', '--db', empty]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^0 indexes: .*\n.*\n\nno index in this database\n$/);
    await queryUrl(empty, 'CREATE TABLE u (id int PRIMARY KEY)');
    const clean = pgtuner(['indexes', '--db', empty, '--flagged']);
    assert.match(clean.stdout, /\n\nno index is flagged\n$/);
  });

  it('Ctrl-C cancels the query on the server and exits 130', async () => {
    // Its first statement waits for a lock on pg_statistic (the planner reads it). So would a
    // watcher whose query names pg_database's columns: hence anyDatabase, which leaves them out.
    const r = await whileHolding(url, 'BEGIN; LOCK TABLE pg_catalog.pg_statistic IN ACCESS EXCLUSIVE MODE', () =>
      interruptCli(['indexes'], url, 'stats_reset', { anyDatabase: true }),
    );
    assert.equal(
      r.code,
      130,
      `exit ${r.code} (signal ${r.signal}); still active on the server: ${JSON.stringify(r.stillActive)}; stderr: ${r.stderr}`,
    );
    assert.deepEqual(r.stillActive, [], 'the server still runs the query');
    assert.match(r.stderr, /cancel/i);
  });
});
