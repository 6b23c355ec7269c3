import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GeneratedMigration } from '../../src/core/migrations/generate';
import type { TopQuery } from '../../src/core/workload/topQueries';
import type { WorkloadReport } from '../../src/core/workload/types';
import type { ToWorkloadWebview, WorkloadView } from '../../src/vscode/workload/reportPanel';
import { adminSql, databaseOf, eventually, freshDatabaseUrl, queryRows, useConnection } from './support';

const run = <T>(id: string, arg?: unknown) => vscode.commands.executeCommand<T | undefined>(id, arg);
type PanelState = { posted?: ToWorkloadWebview; rendered?: string };

const SCHEMA_SQL = `
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, total int NOT NULL, note text);
INSERT INTO orders (customer_id, total, note) SELECT i % 500, i % 1000, md5(i::text) FROM generate_series(1, 100000) i;`;

describe('Workload: Top Queries view and Advise Workload', function () {
  let url: string;
  let workspaceDir: string;
  let sqlDir: string;

  before(async () => {
    url = await freshDatabaseUrl(['hypopg', 'pg_stat_statements']);
    await adminSql(databaseOf(url), SCHEMA_SQL);
    await adminSql(databaseOf(url), 'VACUUM ANALYZE orders');
    await useConnection(url);
    const name = `${databaseOf(url)} (development)`;
    await eventually(
      `connection ${name} to become active`,
      async () => (await run<{ database?: string }>('pgtuner.selectConnection', { name }))?.database === databaseOf(url) || undefined,
    );
    workspaceDir = vscode.workspace.workspaceFolders![0].uri.fsPath;
    sqlDir = fs.mkdtempSync(path.join(workspaceDir, 'workload-'));
    await vscode.workspace
      .getConfiguration('pgtuner.migrations')
      .update('directory', 'workload-migrations', vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('pgtuner.migrations').update('directory', undefined, vscode.ConfigurationTarget.Workspace);
    if (sqlDir) fs.rmSync(sqlDir, { recursive: true, force: true });
    if (workspaceDir) fs.rmSync(path.join(workspaceDir, 'workload-migrations'), { recursive: true, force: true });
  });

  it('Top Queries lists the statements by total time; Reset Statistics (confirmed) empties it', async () => {
    await queryRows(url, 'SELECT pg_stat_statements_reset()');
    for (let i = 0; i < 5; i++) await queryRows(url, 'SELECT total FROM orders WHERE customer_id = $1', [i]);
    const listed = await eventually('Top Queries to show the statement', async () => {
      const state = await run<{ items: TopQuery[]; message?: string }>('pgtuner.test.topQueries');
      return state?.items.find((q) => /customer_id = \$1/.test(q.query)) ? state : undefined;
    });
    const mine = listed.items.find((q) => /customer_id = \$1/.test(q.query))!;
    assert.equal(mine.calls, 5);
    assert.ok(mine.share > 0 && mine.share <= 1);
    assert.ok(mine.explainable);
    assert.match(listed.message ?? '', /of statement time recorded/);

    const after = await run<TopQuery[]>('pgtuner.topQueries.reset', { confirmed: true });
    assert.ok(after, 'the reset returns the reloaded list');
    assert.ok(!after.some((q) => /customer_id = \$1/.test(q.query)), JSON.stringify(after.map((q) => q.query)));
  });

  it('Explain & Suggest on a Top Queries statement plans it (the $n placeholder as a generic plan)', async () => {
    for (let i = 0; i < 3; i++) await queryRows(url, 'SELECT note FROM orders WHERE customer_id = $1', [i]);
    const state = await eventually('the statement in Top Queries', async () => {
      const s = await run<{ items: TopQuery[] }>('pgtuner.test.topQueries');
      return s?.items.find((q) => /SELECT note FROM orders/.test(q.query));
    });
    const outcome = await run<{ status: string; result?: { statement: string; suggestions: unknown[] } }>('pgtuner.explainAndSuggest', {
      sql: state.query,
      generic: true,
    });
    assert.equal(outcome?.status, 'done', JSON.stringify(outcome));
    assert.match(outcome!.result!.statement, /customer_id = \$1/);
  });

  it('Advise Workload from JS/TS code reads the SQL of its string and template literals', async () => {
    const code = path.join(sqlDir, 'code');
    fs.mkdirSync(code, { recursive: true });
    fs.writeFileSync(
      path.join(code, 'orders.ts'),
      'export const totals = (db: any, id: number) => db.query(`SELECT total FROM orders WHERE customer_id = ${id}`);\n',
    );
    const report = await run<WorkloadReport>('pgtuner.adviseWorkload', { source: 'code', paths: [code], budget: '' });
    assert.ok(report, 'the command returns the report');
    assert.equal(report.statements.length, 1, JSON.stringify(report.statements));
    assert.match(report.statements[0].sql, /customer_id = \$1/);
    assert.ok(
      report.indexes.some((i) => /\(customer_id\)/.test(i.ddl)),
      JSON.stringify(report.indexes.map((i) => i.ddl)),
    );
  });

  it('Advise Workload from SQL files shows the report panel; Create Migration writes the ticked indexes', async () => {
    fs.writeFileSync(
      path.join(sqlDir, 'queries.sql'),
      '-- pgtuner: calls=500\nSELECT total FROM orders WHERE customer_id = 7;\n-- pgtuner: calls=20\nSELECT id FROM orders WHERE note = $$abc$$;\n',
    );
    const report = await run<WorkloadReport>('pgtuner.adviseWorkload', { source: 'files', paths: [sqlDir], budget: '' });
    assert.ok(report, 'the command returns the report');
    assert.equal(report.statements.length, 2);
    assert.ok(report.indexes.length >= 1, JSON.stringify(report.indexes));
    let last: PanelState | undefined;
    const state = await eventually(
      `the workload panel to render the report (last state: ${JSON.stringify(last)?.slice(0, 300)})`,
      async () => {
        last = await run<PanelState>('pgtuner.test.workloadPanelState');
        return last?.rendered?.includes(report.indexes[0].name) ? last : undefined;
      },
      90_000, // a webview renders slowly on a loaded machine
    );
    assert.equal(state.posted?.view.report.indexes.length, report.indexes.length);
    for (const ix of report.indexes) assert.ok(state.rendered!.includes(ix.name), `${ix.name} in the panel`);
    assert.match(state.rendered!, /Budget curve/);
    assert.match(state.rendered!, /weighted cost/);

    // Out-of-range picks from the webview write nothing.
    const bogus = await run('pgtuner.test.workloadPanelMessage', { type: 'createMigration', indexes: [99], drops: [] });
    assert.equal(bogus, undefined);
    const folder = path.join(workspaceDir, 'workload-migrations');
    assert.ok(!fs.existsSync(folder) || fs.readdirSync(folder).length === 0);

    const created = await run<GeneratedMigration[]>('pgtuner.test.workloadPanelMessage', {
      type: 'createMigration',
      indexes: [0],
      drops: [],
    });
    assert.equal(created?.length, 1, JSON.stringify(created));
    const up = fs.readFileSync(created![0].upPath, 'utf8');
    assert.ok(up.includes(report.indexes[0].ddl), up);
    for (const other of report.indexes.slice(1)) assert.ok(!up.includes(other.ddl), 'an unticked index stays out');
    assert.ok(fs.readFileSync(created![0].downPath!, 'utf8').includes(report.indexes[0].down));

    // Measure: the ticked index built in a rolled-back transaction, every statement timed without and with it.
    const indexCount = async () => (await queryRows(url, 'SELECT count(*)::int AS n FROM pg_index'))[0].n;
    const before = await indexCount();
    // Picks from the webview are checked: out of range or none measures nothing.
    assert.equal(await run('pgtuner.test.workloadPanelMessage', { type: 'measure', indexes: [99] }), undefined);
    assert.equal(await run('pgtuner.test.workloadPanelMessage', { type: 'measure', indexes: [] }), undefined);
    const measured = await run<WorkloadView>('pgtuner.test.workloadPanelMessage', { type: 'measure', indexes: [0] });
    assert.ok(measured?.measured, 'Measure returns the view with its times');
    assert.deepEqual(measured.measured.indexes, [report.indexes[0].name]);
    const totals = measured.report.statements.find((st) => /customer_id = 7/.test(st.sql))!;
    assert.ok(totals.msAfter! < totals.msBefore!, JSON.stringify(totals));
    assert.ok(measured.measured.weightedMsAfter < measured.measured.weightedMsBefore, JSON.stringify(measured.measured));
    assert.equal(await indexCount(), before, 'the built index was rolled back');
    await eventually('the panel to show the measurement', async () => {
      const shown = await run<PanelState>('pgtuner.test.workloadPanelState');
      return /Measured with 1 index built and rolled back/.test(shown?.rendered ?? '') && /Time before/.test(shown!.rendered!)
        ? true
        : undefined;
    });
  });
});
