/**
 * The plan history in the real extension host: explained statements keep their plans in the
 * workspace's storage, the Plan History commands reopen, compare and delete them, and
 * pgtuner.plan.historySize bounds them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry } from '../../src/core/plan/history';
import type { CommandOutcome } from '../../src/vscode/explain/controller';
import type { ExplainResultView, ToWebview } from '../../src/vscode/explain/messages';
import type { ExplainArgs } from '../../src/vscode/explain/target';
import { adminSql, databaseOf, eventually, freshDatabaseUrl, useConnection } from './support';

interface ViewRow {
  label: string;
  description: string;
  rows: ViewRow[];
}
interface HistoryState {
  entries: HistoryEntry[];
  file?: string;
  rows: ViewRow[];
}
interface PanelState {
  posted?: ToWebview;
  rendered?: string;
}

const STATEMENT = 'SELECT id, kind FROM items WHERE kind = 3';

const history = async () => (await vscode.commands.executeCommand<HistoryState>('pgtuner.test.planHistory'))!;

async function explain(args: ExplainArgs): Promise<ExplainResultView> {
  const outcome = await vscode.commands.executeCommand<CommandOutcome<{ result: ExplainResultView }>>('pgtuner.explain', args);
  assert.equal(outcome?.status, 'done', JSON.stringify(outcome));
  return (outcome as { result: ExplainResultView }).result;
}

/** Explains `sql` and waits until the history holds `count` plans (the record is written in the background). */
async function explainAndRecord(sql: string, analyze: boolean, count: number): Promise<HistoryEntry[]> {
  await explain({ sql, analyze });
  return eventually(`${count} plans in the history`, async () => {
    const { entries } = await history();
    return entries.length === count ? entries : undefined;
  });
}

/** The panel once its posted message and rendered text satisfy `ready`. */
function panelWhen(what: string, ready: (state: PanelState) => boolean): Promise<PanelState> {
  return eventually(what, async () => {
    const state = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
    return state && ready(state) ? state : undefined;
  });
}

describe('Plan history', function () {
  this.timeout(120_000);
  let url: string;
  let connection: string;

  before(async () => {
    url = await freshDatabaseUrl([]);
    connection = `${databaseOf(url)} (development)`;
    await adminSql(
      databaseOf(url),
      `CREATE TABLE items (id int PRIMARY KEY, kind int NOT NULL);
       INSERT INTO items SELECT g, g % 500 FROM generate_series(1, 50000) g;
       ANALYZE items;`,
    );
    await useConnection(url);
    await vscode.commands.executeCommand('pgtuner.history.clear', { confirmed: true });
  });

  afterEach(() => vscode.workspace.getConfiguration('pgtuner.plan').update('historySize', undefined, vscode.ConfigurationTarget.Workspace));

  it('keeps two plans of a statement explained twice (spacing, case and comments aside), in workspace storage, not in the repository', async () => {
    await explainAndRecord(STATEMENT, true, 1);
    // Same statement for the history: other spacing, case, a comment and a semicolon.
    await adminSql(databaseOf(url), 'CREATE INDEX items_kind_idx ON items (kind); ANALYZE items;');
    const entries = await explainAndRecord(`-- again, with the index\nselect id, kind\n  from ITEMS where kind = 3;`, false, 2);
    const [first, second] = entries;
    assert.equal(first.key, second.key, 'one statement');
    assert.equal(first.statement, STATEMENT);
    assert.deepEqual(
      entries.map((e) => [e.connection, e.analyzed]),
      [
        [connection, true],
        [connection, false],
      ],
    );
    assert.ok(first.durationMs !== null && first.durationMs > 0, 'the analysed run has its execution time');
    assert.equal(second.durationMs, null, 'a plan that was not run has none');

    // The view: one row for the statement (as last explained, without its comment), its plans below it,
    // newest first, with time and connection.
    const { file, rows } = await history();
    assert.deepEqual(
      rows.map((r) => [r.label, r.description, r.rows.length]),
      [['select id, kind from ITEMS where kind = 3', '2 plans', 2]],
    );
    assert.equal(rows[0].rows[0].description, `${connection} · estimates (not run)`);
    assert.ok(rows[0].rows[1].description.startsWith(`${connection} · executed in `), rows[0].rows[1].description);
    assert.match(rows[0].rows[0].label, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    assert.ok(file && fs.existsSync(file), `the history file ${file} exists`);
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.ok(path.relative(workspace, file).startsWith('..'), `${file} is outside the workspace folder ${workspace}`);
    const stored = fs.readFileSync(file, 'utf8');
    assert.deepEqual(
      (JSON.parse(stored) as { entries: HistoryEntry[] }).entries.map((e) => e.id),
      [first.id, second.id],
    );
    const password = decodeURIComponent(new URL(url).password);
    assert.ok(!stored.includes('postgres://') && !stored.includes('postgresql://'), 'no connection URL in the history');
    if (password) assert.ok(!stored.includes(password), 'no password in the history');
  });

  it('reopens a stored plan in the viewer', async () => {
    // The panel shows the last statement as it was typed (lower case); the first plan's text differs.
    const [first] = (await history()).entries;
    await vscode.commands.executeCommand('pgtuner.history.reopen', { id: first.id });
    const state = await panelWhen('the reopened plan', (s) => s.posted?.type === 'result' && !!s.rendered?.includes(STATEMENT));
    assert.ok(state.rendered!.includes('Seq Scan'), state.rendered);
    assert.ok(state.rendered!.includes(connection), state.rendered);
  });

  it('compares two stored plans side by side: the changed scan, rows, totals, the plan not run labelled as estimates', async () => {
    const [first, second] = (await history()).entries;
    await vscode.commands.executeCommand('pgtuner.comparePlans', { before: first.id, after: second.id });
    const state = await panelWhen('the comparison', (s) => s.posted?.type === 'comparison' && !!s.rendered?.includes('What changed'));
    const posted = state.posted as Extract<ToWebview, { type: 'comparison' }>;
    assert.equal(posted.diff.measure, 'cost', 'one plan has no times: costs are compared');
    assert.equal(posted.diff.totalBefore, first.totalCost);
    assert.equal(posted.diff.totalAfter, second.totalCost);
    const scan = posted.diff.nodes.find((n) => n.key === 'items');
    assert.ok(scan?.changed, JSON.stringify(posted.diff.nodes));
    assert.equal(scan.before?.label, 'Seq Scan');
    assert.match(scan.after?.label ?? '', /items_kind_idx|Bitmap Heap Scan/);
    const rendered = state.rendered!;
    for (const text of ['(estimates, not run)', `on ${connection}`, 'Before', 'After', '◀ changed', 'planner units']) {
      assert.ok(rendered.includes(text), `the panel does not show "${text}":\n${rendered}`);
    }
    assert.ok(!rendered.includes('hypothetical'), 'stored plans are not labelled as what-if plans');

    // From a row of the view: "Compare With…" puts the earlier plan first whichever row it starts from.
    const shown = await vscode.commands.executeCommand<{ before: { title: string }; after: { title: string } }>(
      'pgtuner.history.compareWith',
      { id: second.id, otherId: first.id },
    );
    assert.match(shown!.before.title, /executed in/);
    assert.match(shown!.after.title, /estimates, not run/);
  });

  it('keeps at most pgtuner.plan.historySize plans per statement, and none with 0', async () => {
    const settings = vscode.workspace.getConfiguration('pgtuner.plan');
    await settings.update('historySize', 2, vscode.ConfigurationTarget.Workspace);
    const before = (await history()).entries;
    await explain({ sql: STATEMENT, analyze: false });
    const entries = await eventually('the third plan replacing the oldest', async () => {
      const now = (await history()).entries;
      return now.length === 2 && !now.some((e) => e.id === before[0].id) ? now : undefined;
    });
    assert.equal(entries[0].id, before[1].id, 'the newest two remain');

    await settings.update('historySize', 0, vscode.ConfigurationTarget.Workspace);
    await explain({ sql: 'SELECT max(id) FROM items', analyze: false });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await history()).entries.map((e) => e.id),
      entries.map((e) => e.id),
      'nothing recorded with 0',
    );
  });

  it('deletes one plan, the plans of a statement, and clears all', async () => {
    await explainAndRecord('SELECT count(*) FROM items WHERE kind < 10', false, 3);
    const [one, two, other] = (await history()).entries;
    assert.equal(one.key, two.key);
    assert.notEqual(one.key, other.key);

    assert.equal(await vscode.commands.executeCommand('pgtuner.history.delete', { id: one.id }), 1);
    assert.deepEqual(
      (await history()).entries.map((e) => e.id),
      [two.id, other.id],
    );
    assert.equal(await vscode.commands.executeCommand('pgtuner.history.delete', { key: other.key, confirmed: true }), 1);
    assert.deepEqual(
      (await history()).entries.map((e) => e.id),
      [two.id],
    );
    assert.equal(await vscode.commands.executeCommand('pgtuner.history.clear', { confirmed: true }), 1);
    const { entries, file } = await history();
    assert.deepEqual(entries, []);
    assert.deepEqual(JSON.parse(fs.readFileSync(file!, 'utf8')), { entries: [] }, 'the file is emptied too');
  });
});
