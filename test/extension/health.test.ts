import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HealthReport } from '../../src/core/health/types';
import type { GeneratedMigration } from '../../src/core/migrations/generate';
import type { TableStats } from '../../src/core/usage/tableStats';
import type { IndexAnalysis } from '../../src/core/usage/types';
import type { IndexViewRow } from '../../src/vscode/usage';
import { adminSql, databaseOf, eventually, freshDatabaseUrl, queryRows, useConnection } from './support';

const run = <T>(id: string, arg?: unknown) => vscode.commands.executeCommand<T | undefined>(id, arg);
const viewRows = async () => (await run<IndexViewRow[]>('pgtuner.test.indexesViewItems')) ?? [];

const SCHEMA_SQL = `
CREATE TABLE items (id int PRIMARY KEY, order_id int, sku text, CONSTRAINT items_sku_key UNIQUE (sku));
CREATE INDEX items_order ON items (order_id);
CREATE INDEX items_order_again ON items (order_id);
CREATE INDEX items_order_sku ON items (order_id, sku);
CREATE TABLE "Audit Log" (id int, note text);
CREATE INDEX "Audit Log note" ON "Audit Log" (note);
CREATE TABLE dupes (id int PRIMARY KEY, v int);
INSERT INTO dupes VALUES (1, 1), (2, 1);`;

describe('Health report and Indexes view', function () {
  let url: string;

  before(async () => {
    url = await freshDatabaseUrl([]);
    await adminSql(databaseOf(url), SCHEMA_SQL);
    await adminSql(databaseOf(url), 'CREATE UNIQUE INDEX CONCURRENTLY dupes_v ON dupes (v)').catch(() => undefined);
    await useConnection(url);
    const name = `${databaseOf(url)} (development)`;
    await eventually(
      `connection ${name} to become active`,
      async () => (await run<{ database?: string }>('pgtuner.selectConnection', { name }))?.database === databaseOf(url) || undefined,
    );
  });

  it('Check Database Health reports every check, grouped counts and the time taken', async () => {
    const report = await run<HealthReport>('pgtuner.checkHealth', { thresholds: { sequenceWarningPercent: 75 } });
    assert.ok(report, 'the command returns the report');
    assert.equal(report.server.database, databaseOf(url));
    assert.equal(report.counts.error, 0, JSON.stringify(report.results.filter((r) => r.status === 'error')));
    assert.ok(report.durationMs > 0);
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    assert.equal(byId['invalid-indexes'].status, 'warning');
    assert.deepEqual(
      byId['no-primary-key'].details.map((d) => d.table),
      ['Audit Log'],
    );
    assert.match(byId['unused-duplicate-indexes'].figure, /1 duplicate, 1 redundant/);
    // The backup folder of the Backups view is judged (this database has no backup there).
    assert.equal(byId['backup-freshness'].status, 'critical', byId['backup-freshness'].figure);
    assert.match(byId['backup-freshness'].figure, new RegExp(`no backup of ${databaseOf(url)} .* has passed a restore-test`));
  });

  it('the report panel comes back after a window reload from the state its page saved', async () => {
    await run<HealthReport>('pgtuner.checkHealth', { only: ['connections', 'sequences'] });
    const shown = await run<{ title: string; html: string }>('pgtuner.test.healthPanel');
    assert.equal(shown?.title, `Health: ${databaseOf(url)}`);
    // What the page's script passes to setState: the report it embeds.
    const embedded = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(shown.html)?.[1];
    assert.ok(embedded, 'the page embeds its report');
    assert.match(shown.html, /acquireVsCodeApi\(\)\.setState\(\{ report: /);
    const state = { report: JSON.parse(embedded) as HealthReport };
    assert.deepEqual(
      state.report.results.map((r) => r.id),
      ['connections', 'sequences'],
    );

    await run('pgtuner.test.reviveHealthPanel', state);
    const revived = await run<{ title: string; html: string }>('pgtuner.test.healthPanel');
    assert.equal(revived?.title, `Health: ${databaseOf(url)}`);
    assert.match(revived!.html, /id="check-connections"/);
    assert.match(revived!.html, /id="check-sequences"/);

    // A state that is not a report closes that panel instead of rendering it; the shown one stays.
    const healthTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('pgtuner.healthReport')).length;
    await eventually('one health tab', () => (healthTabs() === 1 ? true : undefined));
    await run('pgtuner.test.reviveHealthPanel', { report: { ...state.report, durationMs: '<img src=x>' } });
    await eventually('the bad panel closed', () => (healthTabs() === 1 ? true : undefined));
    assert.equal((await run<{ html: string }>('pgtuner.test.healthPanel'))?.html, revived!.html);
  });

  it('the Indexes view shows schema → table → index with scans, size and badges', async () => {
    const counts = await run<IndexAnalysis['counts']>('pgtuner.indexes.refresh');
    assert.deepEqual(
      { ...counts, droppableBytes: undefined },
      {
        indexes: 8,
        unused: 4,
        duplicate: 1,
        redundant: 1,
        invalid: 1,
        bloated: 0,
        droppable: 4,
        droppableBytes: undefined,
      },
    );
    const rows = await viewRows();
    const row = (p: string) => {
      const found = rows.find((r) => r.path === p);
      assert.ok(found, `${p} in ${rows.map((r) => r.path).join(', ')}`);
      return found;
    };
    assert.match(row('public').description!, /^3 tables · 8 indexes · .+ · 4 unused, 1 duplicate, 1 redundant, 1 invalid$/);
    assert.match(row('public/items').description!, /^5 indexes · /);
    assert.match(row('public/items/items_order_again').description!, /^⚑ duplicate, unused · 0 scans · 0 read · 8\.0 kB$/);
    assert.equal(row('public/items/items_order_again').icon, 'warning');
    assert.match(row('public/items/items_order').description!, /⚑ redundant/);
    const constraint = row('public/items/items_sku_key');
    assert.equal(constraint.contextValue, 'index-constraint', 'a constraint index cannot be offered for dropping');
    assert.doesNotMatch(constraint.description!, /⚑/);
    assert.equal(row('public/items/items_pkey').contextValue, 'index-constraint');
    assert.equal(row('public/dupes/dupes_v').icon, 'error');
    assert.match(row('public/dupes/dupes_v').description!, /⚑ invalid/);
    assert.equal(row('public/Audit Log/Audit Log note').contextValue, 'index');
  });

  it('filters by badge words and names, and sorts by size', async () => {
    await run('pgtuner.indexes.filter', 'duplicate');
    assert.deepEqual(
      (await viewRows()).map((r) => r.path),
      ['public', 'public/items', 'public/items/items_order_again'],
    );
    await run('pgtuner.indexes.filter', 'audit unused');
    assert.deepEqual(
      (await viewRows()).map((r) => r.path),
      ['public', 'public/Audit Log', 'public/Audit Log/Audit Log note'],
    );
    await run('pgtuner.indexes.clearFilter');
    await run('pgtuner.indexes.sortBySize');
    const tables = (await viewRows()).filter((r) => r.path.split('/').length === 2).map((r) => r.label);
    assert.equal(tables[0], 'items', 'the table with the most index bytes first');
    await run('pgtuner.indexes.sortByName');
    assert.deepEqual(
      (await viewRows()).filter((r) => r.path.split('/').length === 2).map((r) => r.label),
      ['Audit Log', 'dupes', 'items'],
    );
  });

  it('Copy Definition puts the exact CREATE INDEX on the clipboard', async () => {
    const text = await run<string>('pgtuner.indexes.copyDefinition', { schema: 'public', table: 'Audit Log', name: 'Audit Log note' });
    assert.equal(text, 'CREATE INDEX "Audit Log note" ON public."Audit Log" USING btree (note);');
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  it('Copy Definition reads the definition the database has now, not the one the view loaded', async () => {
    await adminSql(databaseOf(url), 'CREATE INDEX "Audit Log id" ON "Audit Log" (id)');
    await run('pgtuner.indexes.refresh');
    // Rebuilt differently behind the view's back (no refresh).
    await adminSql(databaseOf(url), 'DROP INDEX "Audit Log id"; CREATE INDEX "Audit Log id" ON "Audit Log" (id DESC) WHERE id > 0');
    try {
      const text = await run<string>('pgtuner.indexes.copyDefinition', { schema: 'public', table: 'Audit Log', name: 'Audit Log id' });
      assert.equal(text, 'CREATE INDEX "Audit Log id" ON public."Audit Log" USING btree (id DESC) WHERE (id > 0);');
    } finally {
      await adminSql(databaseOf(url), 'DROP INDEX "Audit Log id"');
      await run('pgtuner.indexes.refresh');
    }
  });

  it('Generate Drop Migration writes a migration whose .down recreates the same definition', async () => {
    const relative = 'health-test-migrations';
    const config = () => vscode.workspace.getConfiguration('pgtuner.migrations');
    await config().update('directory', relative, vscode.ConfigurationTarget.Workspace);
    try {
      await eventually('the migrations folder setting', async () => config().get('directory') === relative || undefined);
      const before = await queryRows(url, `SELECT pg_get_indexdef('public."Audit Log note"'::regclass) AS def`);
      const generated = await run<GeneratedMigration>('pgtuner.indexes.generateDropMigration', {
        schema: 'public',
        table: 'Audit Log',
        name: 'Audit Log note',
      });
      assert.ok(generated?.downPath, 'an up and a down file');
      assert.equal(path.dirname(generated.upPath), path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, relative));
      assert.match(fs.readFileSync(generated.upPath, 'utf8'), /DROP INDEX CONCURRENTLY IF EXISTS public\."Audit Log note"/);

      // Apply the drop, then roll it back: the .down must bring the identical index back.
      await run('pgtuner.applyMigrations');
      assert.deepEqual(await queryRows(url, `SELECT to_regclass('public."Audit Log note"') AS idx`), [{ idx: null }]);
      await run('pgtuner.rollbackMigration', { steps: 1 });
      assert.deepEqual(await queryRows(url, `SELECT pg_get_indexdef('public."Audit Log note"'::regclass) AS def`), before);

      assert.equal(
        await run('pgtuner.indexes.generateDropMigration', { schema: 'public', table: 'items', name: 'items_sku_key' }),
        undefined,
        'a constraint-backing index is refused',
      );
      assert.equal(fs.readdirSync(path.dirname(generated.upPath)).filter((f) => /items_sku_key/.test(f)).length, 0);
    } finally {
      await config().update('directory', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it("Show Table Stats opens the table's sizes and activity", async () => {
    const stats = await run<TableStats>('pgtuner.indexes.showTableStats', { schema: 'public', table: 'items' });
    assert.equal(stats?.table, 'items');
    assert.ok(stats.indexesBytes >= 5 * 8192);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.languageId, 'markdown');
    assert.match(editor!.document.getText(), /^# public\.items\n/);
  });

  it('Reindex Concurrently (confirmed) rebuilds the invalid index once its data is fixed', async () => {
    await adminSql(databaseOf(url), 'DELETE FROM dupes WHERE id = 2');
    const done = await run<{ name: string }>('pgtuner.indexes.reindexConcurrently', {
      schema: 'public',
      table: 'dupes',
      name: 'dupes_v',
      confirmed: true,
    });
    assert.equal(done?.name, 'dupes_v');
    assert.deepEqual(await queryRows(url, `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'dupes_v'::regclass`), [
      { valid: true },
    ]);
    const row = (await viewRows()).find((r) => r.path === 'public/dupes/dupes_v');
    assert.doesNotMatch(row!.description!, /invalid/, 'the view was refreshed');
  });
});
