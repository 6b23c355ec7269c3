import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import * as vscode from 'vscode';
import type { Suggestion } from '../../src/core/advisor/types';
import type { GeneratedMigration } from '../../src/core/migrations/generate';
import type { ApplyResult, RollbackResult } from '../../src/core/migrations/runner';
import { migrationLockKey } from '../../src/core/migrations/lock';
import type { MigrationStatus } from '../../src/core/migrations/status';
import type { MigrationViewItem } from '../../src/vscode/migrations';
import { adminSql, databaseOf, eventually, freshDatabaseUrl, queryRows, useConnection } from './support';

const workspaceFolder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const run = <T>(id: string, arg?: object) => vscode.commands.executeCommand<T | undefined>(id, arg);
const viewItems = async () => (await run<MigrationViewItem[]>('pgtuner.test.migrationsViewItems')) ?? [];

/** Sets the migrations folder and waits until the extension host's configuration shows it. */
async function useFolder(relative: string): Promise<string> {
  await vscode.workspace.getConfiguration('pgtuner.migrations').update('directory', relative, vscode.ConfigurationTarget.Workspace);
  await eventually(
    `pgtuner.migrations.directory = ${relative}`,
    async () => vscode.workspace.getConfiguration('pgtuner.migrations').get('directory') === relative || undefined,
  );
  return path.join(workspaceFolder(), relative);
}

/**
 * useConnection, then makes sure the profile really is the active one: a profile added through
 * settings can take a moment to reach the connection list, and a select before that fails.
 */
async function useDatabase(url: string, environment: 'development' | 'production' = 'development'): Promise<void> {
  await useConnection(url, environment);
  const name = `${databaseOf(url)} (${environment})`;
  await eventually(
    `connection ${name} to become active`,
    async () =>
      (await vscode.commands.executeCommand<{ database?: string }>('pgtuner.selectConnection', { name }))?.database === databaseOf(url) ||
      undefined,
  );
}

describe('Migrations', function () {
  let url: string;
  let dir: string;

  before(async () => {
    url = await freshDatabaseUrl([]);
    await adminSql(
      databaseOf(url),
      "CREATE TABLE docs (id int PRIMARY KEY, title text); INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 500) g",
    );
    dir = await useFolder('db/migrations');
    await useDatabase(url);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('pgtuner.migrations').update('directory', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('New Migration writes the pair in the configured folder, opens both, and the view lists it as pending', async () => {
    const created = await run<GeneratedMigration>('pgtuner.newMigration', { name: 'Create widgets' });
    assert.ok(created?.downPath);
    assert.equal(created.upPath, path.join(dir, '001_create_widgets.sql'));
    const open = vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath);
    assert.ok(open.includes(created.upPath) && open.includes(created.downPath), `open editors: ${open.join(', ')}`);
    fs.appendFileSync(created.upPath, 'CREATE TABLE widgets (id int PRIMARY KEY);\n');
    fs.appendFileSync(created.downPath, 'DROP TABLE widgets;\n');
    assert.deepEqual(await viewItems(), [
      { label: '001_create_widgets', description: 'pending', icon: 'circle-large-outline', contextValue: 'pgtuner.migration.pending' },
    ]);
  });

  it('creates migrations from an advisor suggestion and from an existing index', async () => {
    const suggestion: Suggestion = {
      table: 'public.docs',
      method: 'btree',
      kinds: ['btree'],
      name: 'docs_title_idx',
      ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_title_idx ON public.docs (title);',
      down: 'DROP INDEX CONCURRENTLY IF EXISTS public.docs_title_idx;',
      requires: [],
      reason: 'Seq Scan on docs filters title = $1.',
      evidence: { costBefore: 20, costAfter: 8.3, msBefore: null, msAfter: null, sizeBytes: 16384, verifiedBy: 'hypopg' },
    };
    const fromSuggestion = await run<GeneratedMigration>('pgtuner.createMigrationFromSuggestion', suggestion);
    assert.equal(path.basename(fromSuggestion!.upPath), '002_create_index_docs_title_idx.sql');
    assert.match(fs.readFileSync(fromSuggestion!.upPath, 'utf8'), /^-- Why: Seq Scan on docs filters title = \$1\.$/m);

    await adminSql(databaseOf(url), 'CREATE INDEX docs_id_title_idx ON docs (id, title)');
    const [index] = await queryRows(url, "SELECT pg_get_indexdef('docs_id_title_idx'::regclass) AS definition");
    const drop = await run<GeneratedMigration>('pgtuner.createDropIndexMigration', {
      schema: 'public',
      table: 'docs',
      name: 'docs_id_title_idx',
      definition: index.definition,
    });
    assert.equal(path.basename(drop!.upPath), '003_drop_index_docs_id_title_idx.sql');
    assert.match(
      fs.readFileSync(drop!.downPath!, 'utf8'),
      /^CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_id_title_idx ON public\.docs USING btree \(id, title\);$/m,
    );
    assert.equal(await run('pgtuner.createMigrationFromSuggestion', {}), undefined, 'a bad argument is refused, not written');
    assert.equal(fs.readdirSync(dir).length, 6);
  });

  it('Apply Pending Migrations applies in order; the view shows each applied with its time; status agrees', async () => {
    const result = await run<ApplyResult>('pgtuner.applyMigrations');
    assert.equal(result?.failed, undefined, result?.failed?.message);
    assert.deepEqual(
      result!.applied.map((r) => [r.name, r.transactional]),
      [
        ['001_create_widgets', true],
        ['002_create_index_docs_title_idx', false],
        ['003_drop_index_docs_id_title_idx', false],
      ],
    );
    assert.deepEqual(
      await queryRows(
        url,
        "SELECT to_regclass('widgets')::text AS w, to_regclass('docs_title_idx')::text AS i, to_regclass('docs_id_title_idx')::text AS d",
      ),
      [{ w: 'widgets', i: 'docs_title_idx', d: null }],
    );
    const items = await viewItems();
    assert.deepEqual(
      items.map((i) => i.icon),
      ['pass', 'pass', 'pass'],
    );
    for (const item of items) assert.match(item.description ?? '', /^applied .+ · \d+ ms$/);
    const status = await run<MigrationStatus>('pgtuner.migrationStatus');
    assert.deepEqual(
      status?.entries.map((e) => e.state),
      ['applied', 'applied', 'applied'],
    );
    assert.equal(status?.trackingTable, 'public.schema_migrations');
  });

  it('shows a file changed after apply in the view, and Apply refuses to run', async () => {
    const file = path.join(dir, '001_create_widgets.sql');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original + 'ALTER TABLE widgets ADD COLUMN name text;\n');
    fs.writeFileSync(path.join(dir, '004_more.sql'), 'CREATE TABLE more (id int);\n');
    fs.writeFileSync(path.join(dir, '004_more.down.sql'), 'DROP TABLE more;\n');
    try {
      const items = await viewItems();
      assert.deepEqual(
        items.map((i) => i.description?.split(' ')[0]),
        ['changed', 'applied', 'applied', 'pending'],
      );
      assert.equal(items[0].icon, 'warning');
      assert.equal(await run('pgtuner.applyMigrations'), undefined);
      assert.deepEqual(await queryRows(url, "SELECT to_regclass('more')::text AS t"), [{ t: null }]);
    } finally {
      fs.writeFileSync(file, original);
      fs.rmSync(path.join(dir, '004_more.sql'));
      fs.rmSync(path.join(dir, '004_more.down.sql'));
    }
  });

  it('Roll Back Last Migration undoes the newest ones with their .down files', async () => {
    const result = await run<RollbackResult>('pgtuner.rollbackMigration', { steps: 2 });
    assert.equal(result?.failed, undefined, result?.failed?.message);
    assert.deepEqual(
      result!.rolledBack.map((r) => r.name),
      ['003_drop_index_docs_id_title_idx', '002_create_index_docs_title_idx'],
    );
    const [after] = await queryRows(
      url,
      "SELECT pg_get_indexdef('docs_id_title_idx'::regclass) AS definition, to_regclass('docs_title_idx')::text AS i",
    );
    assert.deepEqual(after, { definition: 'CREATE INDEX docs_id_title_idx ON public.docs USING btree (id, title)', i: null });
    assert.deepEqual(
      (await viewItems()).map((i) => i.description?.split(' ')[0]),
      ['applied', 'pending', 'pending'],
    );
  });

  it('Cancel Running Operations stops a running migration on the server; it is not recorded as applied', async () => {
    const slow = ['004_slow.sql', '004_slow.down.sql'].map((f) => path.join(dir, f));
    fs.writeFileSync(slow[0], 'SELECT pg_sleep(30);\n');
    fs.writeFileSync(slow[1], 'SELECT 1;\n');
    const sleeping =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgtuner' AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'";
    try {
      const applying = run('pgtuner.applyMigrations');
      await eventually('the slow migration to run on the server', async () => (await queryRows(url, sleeping)).length > 0 || undefined);
      assert.equal(await run('pgtuner.cancel'), 1, 'one operation was running');
      assert.equal(await applying, undefined, 'a cancelled apply returns nothing');
      assert.deepEqual(await queryRows(url, sleeping), [], 'the server stopped the statement');
      const tracked = await queryRows(url, 'SELECT name FROM schema_migrations ORDER BY id');
      assert.deepEqual(
        tracked.map((r) => r.name),
        ['001_create_widgets', '002_create_index_docs_title_idx', '003_drop_index_docs_id_title_idx'],
      );
    } finally {
      for (const file of slow) fs.rmSync(file);
    }
  });

  describe('on a production connection', () => {
    let prodUrl: string;
    let prodDir: string;

    before(async () => {
      prodUrl = await freshDatabaseUrl([]);
      prodDir = await useFolder('prod-migrations');
      await useDatabase(prodUrl, 'production');
      fs.mkdirSync(prodDir, { recursive: true });
      fs.writeFileSync(path.join(prodDir, '001_audit.sql'), 'CREATE TABLE audit (id int);\n');
      fs.writeFileSync(path.join(prodDir, '001_audit.down.sql'), 'DROP TABLE audit;\n');
    });

    it('changes nothing unless the database name is typed', async () => {
      assert.equal(await run('pgtuner.applyMigrations', { confirmDatabase: 'not-the-name' }), undefined);
      assert.deepEqual(await queryRows(prodUrl, "SELECT to_regclass('audit')::text AS t, to_regclass('schema_migrations')::text AS m"), [
        { t: null, m: null },
      ]);
    });

    it('Back Up First takes a backup through pgtuner.backupDatabase, then applies', async () => {
      assert.ok((await vscode.commands.getCommands(true)).includes('pgtuner.backupDatabase'), 'the backup feature is installed');
      const backups = path.join(workspaceFolder(), 'backups');
      const before = fs.existsSync(backups) ? fs.readdirSync(backups) : [];
      const result = await run<ApplyResult>('pgtuner.applyMigrations', { confirmDatabase: databaseOf(prodUrl), backupFirst: true });
      assert.deepEqual(
        result?.applied.map((r) => r.name),
        ['001_audit'],
      );
      const added = fs.readdirSync(backups).filter((f) => !before.includes(f));
      assert.ok(
        added.some((f) => f.includes(databaseOf(prodUrl))),
        `new files in backups/: ${added.join(', ')}`,
      );
      const rolledBack = await run<RollbackResult>('pgtuner.rollbackMigration', { steps: 1, confirmDatabase: databaseOf(prodUrl) });
      assert.deepEqual(
        rolledBack?.rolledBack.map((r) => r.name),
        ['001_audit'],
      );
    });

    it('asks for the confirmation under the migration lock: nothing pending before the lock is no reason to skip it', async () => {
      const applied = await run<ApplyResult>('pgtuner.applyMigrations', { confirmDatabase: databaseOf(prodUrl) });
      assert.deepEqual(
        applied?.applied.map((r) => r.name),
        ['001_audit'],
      );
      // Another runner holds the lock; while Apply waits for it (having counted 0 pending), that
      // runner rolls 001_audit back. Under the lock one is pending again, and must be confirmed.
      const other = new Client({ connectionString: prodUrl });
      await other.connect();
      try {
        const key = migrationLockKey('public').toString();
        await other.query('SELECT pg_advisory_lock($1::bigint)', [key]);
        const applying = run<ApplyResult>('pgtuner.applyMigrations', { confirmDatabase: 'not-the-name' });
        await eventually(
          'Apply to wait for the migration lock',
          async () =>
            (
              await other.query(
                "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_try_advisory_lock%' AND pid <> pg_backend_pid()",
              )
            ).rowCount || undefined,
        );
        await other.query("DROP TABLE audit; DELETE FROM schema_migrations WHERE name = '001_audit'");
        await other.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        assert.equal(await applying, undefined, 'not confirmed: nothing applied');
        assert.deepEqual(await queryRows(prodUrl, "SELECT to_regclass('audit')::text AS t"), [{ t: null }]);
      } finally {
        await other.end();
      }
    });
  });

  it("a folder in Flyway's naming: the view says Flyway's table is in use, and Apply writes Flyway's history", async () => {
    const flyway = await useFolder('db/flyway');
    try {
      fs.mkdirSync(flyway, { recursive: true });
      fs.writeFileSync(path.join(flyway, 'V1__create_fw_ext.sql'), 'CREATE TABLE fw_ext (id int);\n');
      fs.writeFileSync(path.join(flyway, 'U1__create_fw_ext.sql'), 'DROP TABLE fw_ext;\n');
      await run('pgtuner.migrations.refresh');
      const before = await viewItems();
      assert.deepEqual(
        before.map((i) => [i.label, i.description?.split(' ')[0]]),
        [
          ['V1__create_fw_ext', 'pending'],
          ["Tracked in public.flyway_schema_history (Flyway's table)", undefined],
        ],
      );
      const result = await run<ApplyResult>('pgtuner.applyMigrations');
      assert.equal(result?.trackingTable, 'public.flyway_schema_history');
      assert.deepEqual(await queryRows(url, 'SELECT version, type, script, success FROM flyway_schema_history'), [
        { version: '1', type: 'SQL', script: 'V1__create_fw_ext.sql', success: true },
      ]);
    } finally {
      // The suite's other tests keep PG Tuner's own table in this database.
      await adminSql(databaseOf(url), 'DROP TABLE IF EXISTS flyway_schema_history, fw_ext');
      await useFolder('db/migrations');
    }
  });
});
