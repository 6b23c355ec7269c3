import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { interruptCli, runCli } from '../../../support/cli';
import { freshDatabase } from '../../../support/integrationHooks';
import { migrationsFolder, query, removeFolders, trackedNames } from '../../core/migrations/support';

const root = path.join(__dirname, '..', '..', '..', '..', '..');
const pgtuner = (url: string | undefined, ...args: string[]) => runCli(args, url, { timeoutMs: 60_000 });

describe('pgtuner migrate', () => {
  let url: string;

  before(function () {
    this.timeout(120_000);
    const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  });
  beforeEach(async () => {
    url = await freshDatabase([]);
  });
  afterEach(removeFolders);

  it('new, up, status and down with --json and exit 0', async () => {
    const dir = migrationsFolder();
    const created = pgtuner(undefined, 'migrate', 'new', '--dir', dir, '--name', 'Create widgets', '--json');
    assert.equal(created.code, 0, created.stderr);
    const files = created.json();
    assert.equal(path.basename(files.upPath), '001_create_widgets.sql');
    fs.appendFileSync(files.upPath, 'CREATE TABLE widgets (id int);\n');
    fs.appendFileSync(files.downPath, 'DROP TABLE widgets;\n');
    fs.writeFileSync(path.join(dir, '002_widgets_id.sql'), 'CREATE INDEX CONCURRENTLY widgets_id_idx ON widgets (id);\n');
    fs.writeFileSync(path.join(dir, '002_widgets_id.down.sql'), 'DROP INDEX CONCURRENTLY widgets_id_idx;\n');

    const up = pgtuner(url, 'migrate', 'up', '--dir', dir, '--json');
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(
      up.json().applied.map((r: { name: string; transactional: boolean }) => [r.name, r.transactional]),
      [
        ['001_create_widgets', true],
        ['002_widgets_id', false],
      ],
    );

    const status = pgtuner(url, 'migrate', 'status', '--dir', dir, '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      status.json().entries.map((e: { state: string }) => e.state),
      ['applied', 'applied'],
    );
    const text = pgtuner(url, 'migrate', 'status', '--dir', dir);
    assert.match(text.stdout, /^applied\s+001_create_widgets \d{4}-\d\d-\d\dT/m);

    const down = pgtuner(url, 'migrate', 'down', '--dir', dir, '--steps', '2', '--json');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(
      down.json().rolledBack.map((r: { name: string }) => r.name),
      ['002_widgets_id', '001_create_widgets'],
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('widgets') AS t"), [{ t: null }]);
  });

  it('exits 1 with the failure in the JSON when a migration fails', async () => {
    const dir = migrationsFolder({
      '001_bad.sql': 'CREATE TABLE t (id int);\nSELECT * FROM missing_table;',
      '001_bad.down.sql': 'DROP TABLE t;',
    });
    const up = pgtuner(url, 'migrate', 'up', '--dir', dir, '--json');
    assert.equal(up.code, 1);
    const result = up.json();
    assert.deepEqual(result.applied, []);
    assert.equal(result.failed.name, '001_bad');
    assert.equal(result.failed.line, 2);
    assert.match(result.failed.message, /relation "missing_table" does not exist/);
    assert.deepEqual(await trackedNames(url), []);
  });

  it('exits 2 for bad input and 1 for a changed applied file, with the reason on stderr', async () => {
    const missing = pgtuner(url, 'migrate', 'up', '--dir', '/nonexistent/migrations');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /migrations folder \/nonexistent\/migrations does not exist/);
    assert.equal(pgtuner(url, 'migrate', 'sideways').code, 2);
    assert.equal(pgtuner(undefined, 'migrate', 'new', '--dir', migrationsFolder()).code, 2);

    const dir = migrationsFolder({ '001_a.sql': 'CREATE TABLE a (id int);', '001_a.down.sql': 'DROP TABLE a;' });
    assert.match(pgtuner(url, 'migrate', 'down', '--dir', dir, '--steps', 'two').stderr, /whole number/);
    assert.equal(pgtuner(url, 'migrate', 'up', '--dir', dir).code, 0);
    fs.appendFileSync(path.join(dir, '001_a.sql'), '\n-- edited');
    const changed = pgtuner(url, 'migrate', 'up', '--dir', dir);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /001_a\.sql was changed after it was applied/);
  });

  it('Ctrl-C during up cancels the migration on the server, exits 130 and records nothing', async () => {
    const dir = migrationsFolder({ '001_slow.sql': 'SELECT pg_sleep(30);', '001_slow.down.sql': 'SELECT 1;' });
    const run = await interruptCli(['migrate', 'up', '--dir', dir], url, 'pg_sleep(30)');
    assert.equal(run.code, 130, `exit ${run.code} (signal ${run.signal}): ${run.stderr}`);
    assert.deepEqual(run.stillActive, [], 'the server stopped the statement');
    assert.match(run.stderr, /cancelled.*001_slow/i);
    assert.deepEqual(await trackedNames(url), [], 'the interrupted migration is not recorded as applied');
  });

  it('Ctrl-C during down cancels the rollback on the server, exits 130 and the migration stays applied', async () => {
    const dir = migrationsFolder({
      '001_slow_down.sql': 'CREATE TABLE kept (id int);',
      '001_slow_down.down.sql': 'SELECT pg_sleep(30);\nDROP TABLE kept;',
    });
    assert.equal(pgtuner(url, 'migrate', 'up', '--dir', dir).code, 0);
    const run = await interruptCli(['migrate', 'down', '--dir', dir], url, 'pg_sleep(30)');
    assert.equal(run.code, 130, `exit ${run.code} (signal ${run.signal}): ${run.stderr}`);
    assert.deepEqual(run.stillActive, [], 'the server stopped the statement');
    assert.deepEqual(await trackedNames(url), ['001_slow_down'], 'still recorded as applied');
    assert.deepEqual(await query(url, "SELECT to_regclass('kept')::text AS t"), [{ t: 'kept' }]);
  });
});
