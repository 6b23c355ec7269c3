/**
 * Explain & Suggest Index in the real extension host, against a real PostgreSQL holding a slice of
 * the benchmark (test/support/benchSlice.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../src/vscode/explain/controller';
import type { ExplainResultView, PlanView, ToWebview } from '../../src/vscode/explain/messages';
import type { ExplainArgs } from '../../src/vscode/explain/target';
import { formatBytes } from '../../src/core/format';
import { BENCH_SLICE_SQL, OPEN_CRITICAL_ALERTS } from '../support/benchSlice';
import { freshDatabaseUrl, useConnection } from './support';

type ExplainOutcome = CommandOutcome<{ result: ExplainResultView }>;
interface PanelState {
  posted?: ToWebview;
  rendered?: string;
}

const explain = (args?: ExplainArgs) => vscode.commands.executeCommand<ExplainOutcome>('pgtuner.explain', args);
const explainAndSuggest = (args?: ExplainArgs) => vscode.commands.executeCommand<ExplainOutcome>('pgtuner.explainAndSuggest', args);

function done(outcome: ExplainOutcome | undefined): ExplainResultView {
  assert.ok(outcome, 'the command returned nothing');
  assert.equal(outcome.status, 'done', `expected a result, got ${JSON.stringify(outcome)}`);
  return (outcome as { result: ExplainResultView }).result;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A file in the test workspace, opened in an editor. */
async function openFile(name: string, content: string): Promise<vscode.TextEditor> {
  const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name);
  fs.writeFileSync(file, content);
  const document = await vscode.workspace.openTextDocument(file);
  return vscode.window.showTextDocument(document);
}

/** The range of the first occurrence of `text` in the editor's document. */
function rangeOf(editor: vscode.TextEditor, text: string): vscode.Range {
  const offset = editor.document.getText().indexOf(text);
  assert.ok(offset >= 0, `"${text}" not in the document`);
  return new vscode.Range(editor.document.positionAt(offset), editor.document.positionAt(offset + text.length));
}

describe('Explain & Suggest in the editor', function () {
  this.timeout(120_000);
  let url: string;

  before(async () => {
    url = await freshDatabaseUrl();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(BENCH_SLICE_SQL);
    } finally {
      await client.end();
    }
    await useConnection(url);
  });

  it('explains the selection, else the statement under the cursor, and offers CodeLens per statement', async () => {
    const first = `SELECT count(*) FROM users WHERE role = 'director'`;
    const second = `SELECT id, severity\nFROM alerts\nWHERE facility_id = 7`;
    const editor = await openFile('two.sql', `-- two statements\n${first};\n\n${second};\n`);

    // Cursor inside the second statement, nothing selected.
    const inSecond = rangeOf(editor, 'FROM alerts').start;
    editor.selection = new vscode.Selection(inSecond, inSecond);
    assert.equal(done(await explain({ analyze: false })).statement, second);

    // A selection wins over the cursor: the first statement (with its semicolon and newline).
    const selected = rangeOf(editor, `${first};\n`);
    editor.selection = new vscode.Selection(selected.start, selected.end);
    const result = done(await explain({ analyze: true }));
    assert.equal(result.statement, first);
    assert.equal(result.before.plan.analyzed, true);
    assert.ok(result.before.plan.executionMs !== null && result.before.plan.executionMs > 0);

    // One pair of lenses per statement, each aimed at its statement's range.
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
    const ours = lenses.filter((l) => l.command?.command.startsWith('pgtuner.explain'));
    assert.deepEqual(
      ours.map((l) => l.command!.title),
      ['Explain & Suggest', 'Explain', 'Explain & Suggest', 'Explain'],
    );
    const lens = ours.find((l) => l.command!.command === 'pgtuner.explain' && l.range.start.line === inSecond.line - 1)!;
    assert.ok(lens, 'a lens on the second statement');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const viaLens = done(
      await vscode.commands.executeCommand<ExplainOutcome>(lens.command!.command, { ...lens.command!.arguments![0], analyze: false }),
    );
    assert.equal(viaLens.statement, second);

    // The setting turns them off.
    const settings = vscode.workspace.getConfiguration('pgtuner.explain');
    await settings.update('codeLens', false, vscode.ConfigurationTarget.Workspace);
    try {
      const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
      assert.equal(after.filter((l) => l.command?.command.startsWith('pgtuner.explain')).length, 0);
    } finally {
      await settings.update('codeLens', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('explains SQL selected in a TypeScript template literal, ${id} becoming $1', async () => {
    const literal = 'sql`SELECT id, email FROM users WHERE id = ${id}`';
    const editor = await openFile('repo.ts', `export async function findUser(db: Db, id: number) {\n  return db.query(${literal});\n}\n`);
    const range = rangeOf(editor, literal);
    editor.selection = new vscode.Selection(range.start, range.end);

    const bound = done(await explain({ params: ['42'], analyze: true }));
    assert.equal(bound.statement, 'SELECT id, email FROM users WHERE id = $1');
    assert.equal(bound.parameters, '1 value');
    assert.equal(bound.before.plan.root.index, 'users_pkey');
    assert.equal(bound.before.plan.root.actualRows, 1, 'user 42 was found through the bound value');

    const generic = done(await explain({ generic: true }));
    assert.equal(generic.parameters, 'generic plan');
    assert.equal(generic.before.plan.analyzed, false, 'a generic plan is never executed');
  });

  it('explains the template literal under the cursor without a selection, and says what to do from plain code', async () => {
    const source =
      "const quotes = /'\"`/g;\nexport const byEmail = (db: Db, email: string) =>\n  db.query(`SELECT id, email FROM users WHERE email = ${email.replace(quotes, '')}`);\n";
    const editor = await openFile('byEmail.ts', source);
    const inside = rangeOf(editor, 'FROM users').start;
    editor.selection = new vscode.Selection(inside, inside);
    const plan = done(await explain({ generic: true }));
    assert.equal(plan.statement, 'SELECT id, email FROM users WHERE email = $1');

    const code = rangeOf(editor, 'byEmail').start;
    editor.selection = new vscode.Selection(code, code);
    const outcome = await explain({ analyze: false });
    assert.equal(outcome?.status, 'failed', JSON.stringify(outcome));
    assert.match((outcome as { message: string }).message, /Put the cursor in the SQL string or template literal, or select the SQL/);
  });

  let advised: ExplainResultView;

  it('shows the plan and the expected partial index in the panel, and the what-if plan beside it', async () => {
    const editor = await openFile('alerts.sql', `${OPEN_CRITICAL_ALERTS};\n`);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    advised = done(await explainAndSuggest({ analyze: true }));

    assert.equal(advised.statement, OPEN_CRITICAL_ALERTS);
    assert.ok(advised.before.plan.hotspots.length > 0, 'the seq scan over 60k alerts is a hotspot');
    const best = advised.suggestions[0];
    assert.ok(best, `no suggestion; notes: ${advised.notes.join(' | ')}`);
    assert.equal(best.table, 'public.alerts');
    assert.ok(best.kinds.includes('partial'), `expected a partial index, got ${best.kinds.join(', ')}: ${best.ddl}`);
    assert.ok(best.evidence.costAfter < best.evidence.costBefore);

    // What the extension posted, and what the webview actually rendered from it.
    const state = await waitFor('the panel to render the suggestion', async () => {
      const s = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
      return s?.rendered?.includes(best.name) ? s : undefined;
    });
    assert.equal(state.posted?.type, 'result');
    assert.deepEqual((state.posted as { result: ExplainResultView }).result.suggestions[0], best);
    for (const text of [
      'Explain & Suggest',
      'Suggested indexes (',
      'Create Migration',
      'Copy DDL',
      'Explain Again With This Index',
      'Seq Scan',
      'alerts',
      'Hotspots',
      'Slowest path:',
      '% self',
      // The size as the core formats it (the webview has no formatter of its own).
      formatBytes(best.evidence.sizeBytes!),
    ]) {
      assert.ok(state.rendered!.includes(text), `the panel does not show "${text}":\n${state.rendered}`);
    }

    // "Explain Again With This Index": the HypoPG plan uses the index and is cheaper.
    const again = await vscode.commands.executeCommand<CommandOutcome<{ after: PlanView }>>('pgtuner.test.explainPanelMessage', {
      type: 'explainWithIndex',
      suggestionIndex: 0,
    });
    assert.equal(again?.status, 'done', JSON.stringify(again));
    const after = (again as { after: PlanView }).after;
    assert.ok(after.plan.totalCost < advised.before.plan.totalCost);
    // HypoPG names its indexes "<oid>btree_alerts_…": the plan shows the name the suggestion will have.
    assert.ok(after.text.includes(best.name), after.text);
    assert.doesNotMatch(after.text, /<\d+>btree_/);
    await waitFor('the side-by-side plans', async () => {
      const s = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
      return s?.posted?.type === 'comparison' &&
        s.rendered?.includes('hypothetical') &&
        s.rendered.includes('Current plan') &&
        // The scan of alerts changed type: the differences say so.
        /What changed: total [\s\S]*alerts\s+Seq Scan\s+(Bitmap Heap Scan|Index (Only )?Scan using \S+) ◀ changed/.test(s.rendered)
        ? s
        : undefined;
    });

    // The bench's expectation: partial on the open alerts, with created_at in the key so that
    // ORDER BY created_at DESC LIMIT 50 reads the index in order (severity may come first).
    assert.match(
      best.ddl,
      /^CREATE INDEX CONCURRENTLY IF NOT EXISTS \S+ ON public\.alerts (USING btree )?\((severity, )?created_at( DESC)?\) WHERE .*resolved_at IS NULL/s,
    );
  });

  it('"Create Migration" writes the index migration and its down file', async () => {
    assert.ok(advised, 'needs the previous test');
    const best = advised.suggestions[0];
    const files = await vscode.commands.executeCommand<{ upPath: string; downPath?: string }>('pgtuner.test.explainPanelMessage', {
      type: 'createMigration',
      suggestionIndex: 0,
    });
    assert.ok(files?.upPath && files.downPath, `no migration files: ${JSON.stringify(files)}`);
    const up = fs.readFileSync(files.upPath, 'utf8');
    const down = fs.readFileSync(files.downPath, 'utf8');
    assert.ok(up.includes(best.ddl), `the up file lacks the DDL:\n${up}`);
    assert.ok(down.includes(best.down), `the down file lacks the DROP:\n${down}`);
    assert.ok(files.upPath.startsWith(vscode.workspace.workspaceFolders![0].uri.fsPath), 'written inside the workspace');
  });

  it('ignores panel messages whose suggestion index is not an integer within the suggestions shown', async () => {
    assert.ok(advised, 'needs the previous test');
    await vscode.env.clipboard.writeText('untouched');
    for (const suggestionIndex of ['0', 1.5, -1, advised.suggestions.length, 'constructor']) {
      for (const type of ['copyDdl', 'explainWithIndex', 'createMigration', 'measure']) {
        assert.equal(
          await vscode.commands.executeCommand('pgtuner.test.explainPanelMessage', { type, suggestionIndex }),
          undefined,
          `${type} ${String(suggestionIndex)}`,
        );
      }
    }
    assert.equal(await vscode.env.clipboard.readText(), 'untouched');
  });

  it('cancelling stops the query on the server', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    const running = () =>
      admin.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(45)%' AND pid <> pg_backend_pid()`,
      );
    try {
      const started = Date.now();
      const pending = explain({ sql: 'SELECT pg_sleep(45)', analyze: true });
      await waitFor('the query to run on the server', async () => ((await running()).rowCount ? true : undefined));
      assert.ok((await vscode.commands.executeCommand<number>('pgtuner.cancel')) >= 1, 'one explain was running');
      const outcome = await pending;
      assert.equal(outcome?.status, 'cancelled', JSON.stringify(outcome));
      assert.match((outcome as { message: string }).message, /cancel/i);
      assert.ok(Date.now() - started < 30_000, 'it did not wait for pg_sleep to end');
      await waitFor('the server to drop the query', async () => ((await running()).rowCount === 0 ? true : undefined), 5_000);
    } finally {
      await admin.end();
    }
  });

  it('stops a statement at pgtuner.statementTimeoutSeconds', async () => {
    const settings = vscode.workspace.getConfiguration('pgtuner');
    await settings.update('statementTimeoutSeconds', 1, vscode.ConfigurationTarget.Workspace);
    try {
      const started = Date.now();
      const outcome = await explain({ sql: 'SELECT pg_sleep(20)', analyze: true });
      assert.equal(outcome?.status, 'failed', JSON.stringify(outcome));
      const failure = outcome as { code: string; message: string };
      assert.equal(failure.code, 'TIMEOUT');
      assert.match(failure.message, /longer than 1 s .*pgtuner\.statementTimeoutSeconds/);
      assert.ok(Date.now() - started < 10_000, 'stopped after about a second');
    } finally {
      await settings.update('statementTimeoutSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('reports a syntax error with the line and column in the file, as a message, not a diagnostic', async () => {
    const editor = await openFile('broken.sql', `SELECT 1;\n\nSELECT id\nFROM users\nWHERE id = = 1;\n`);
    editor.selection = new vscode.Selection(3, 0, 3, 0);

    for (const run of [explainAndSuggest, explain]) {
      const outcome = await run({ analyze: false });
      assert.equal(outcome?.status, 'failed', JSON.stringify(outcome));
      const failure = outcome as { code: string; message: string };
      assert.equal(failure.code, 'PARSE_ERROR');
      assert.match(failure.message, /line 5, column 1[0-9] of broken\.sql/);
      assert.equal(editor.selection.active.line, 4, 'the cursor moved to the error');
    }
    assert.deepEqual(vscode.languages.getDiagnostics(editor.document.uri), []);
  });
});
