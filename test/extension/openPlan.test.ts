/**
 * Open any plan: psql's text output and an auto_explain log line from files, the clipboard, and
 * a .pgplan file in its custom editor, all in the plan viewer with the same hotspots.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplainResultView } from '../../src/vscode/explain/messages';
import { AUTO_EXPLAIN_LOG, PSQL_TEXT } from '../support/planSamples';
import { activateExtension, eventually } from './support';

type PanelState = { rendered?: string };

function workspaceFile(name: string, text: string): vscode.Uri {
  const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

/** What the plan panel shows once it shows `text`. */
function panelShowing(text: string): Promise<string> {
  return eventually(`the plan panel shows "${text}"`, async () => {
    const state = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
    return state?.rendered?.includes(text) ? state.rendered : undefined;
  });
}

describe('Open a plan from psql, a log, the clipboard or a .pgplan file', function () {
  this.timeout(120_000);
  before(activateExtension);

  it("opens psql's EXPLAIN (ANALYZE, BUFFERS) text output from a file, with the hotspots of a plan PG Tuner ran", async () => {
    const result = await vscode.commands.executeCommand<ExplainResultView>(
      'pgtuner.openPlanFile',
      workspaceFile('psql-output.txt', PSQL_TEXT),
    );
    assert.equal(result?.before.plan.hotspots[0]?.kind, 'seq-scan');
    const rendered = await panelShowing('psql-output.txt');
    for (const text of [
      'EXPLAIN ANALYZE',
      'Slowest path: Limit › Sort › Seq Scan on alerts',
      'Sequential scan on alerts',
      '59,946',
      'Execution',
    ]) {
      assert.ok(rendered.includes(text), `the panel does not show "${text}":\n${rendered}`);
    }
  });

  it('opens an auto_explain JSON log line from a file, with its statement', async () => {
    await vscode.commands.executeCommand('pgtuner.openPlanFile', workspaceFile('postgresql.log', AUTO_EXPLAIN_LOG));
    const rendered = await panelShowing('postgresql.log');
    assert.ok(rendered.includes('SELECT id FROM alerts WHERE resolved_at IS NULL'), rendered);
    assert.ok(rendered.includes('Seq Scan') && rendered.includes('59,388'), rendered);
  });

  it('opens the plan on the clipboard', async () => {
    await vscode.env.clipboard.writeText(AUTO_EXPLAIN_LOG.replace('resolved_at IS NULL"', 'resolved_at IS NULL AND true"'));
    await vscode.commands.executeCommand('pgtuner.openPlanFromClipboard');
    await panelShowing('resolved_at IS NULL AND true');
  });

  it('renders a plan of 2,000 nodes (measured and printed, not a timed test)', async () => {
    // An Append over 1,999 analysed scans, as a partitioned table's plan looks.
    const scan = (i: number) => ({
      'Node Type': 'Seq Scan',
      'Relation Name': `events_p${i}`,
      Alias: `events_p${i}`,
      'Startup Cost': 0,
      'Total Cost': 10 + i,
      'Plan Rows': 100,
      'Plan Width': 8,
      'Actual Startup Time': 0.01,
      'Actual Total Time': 0.05 + i / 1000,
      'Actual Rows': 100,
      'Actual Loops': 1,
      Filter: '(kind = 1)',
      'Rows Removed by Filter': 5,
    });
    const big = [
      {
        Plan: {
          'Node Type': 'Append',
          'Startup Cost': 0,
          'Total Cost': 50000,
          'Plan Rows': 199900,
          'Plan Width': 8,
          'Actual Startup Time': 0.01,
          'Actual Total Time': 2100,
          'Actual Rows': 199900,
          'Actual Loops': 1,
          Plans: Array.from({ length: 1999 }, (_, i) => scan(i)),
        },
        'Execution Time': 2100.5,
      },
    ];
    const started = Date.now();
    await vscode.commands.executeCommand('pgtuner.openPlanFile', workspaceFile('big-plan.json', JSON.stringify(big)));
    await panelShowing('big-plan.json');
    const state = await vscode.commands.executeCommand<{ renderMs?: number }>('pgtuner.test.explainPanelState');
    const line = `2,000-node plan: rendered in the webview in ${state.renderMs?.toFixed(0)} ms (DOM built and laid out); ${Date.now() - started} ms from the command to the rendered message`;
    console.log(`      ${line}`);
    const artifacts = path.join(__dirname, '..', '..', '..', 'test-artifacts');
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, 'plan-render-2000-nodes.txt'), `${line}\n`);
    assert.ok(state.renderMs !== undefined, 'the webview reports its render time');
  });

  it('shows a .pgplan file in the plan viewer (its custom editor)', async () => {
    const uri = workspaceFile('slow-query.pgplan', PSQL_TEXT);
    await vscode.commands.executeCommand('vscode.open', uri);
    const rendered = await eventually('the .pgplan editor renders the plan', async () => {
      const text = await vscode.commands.executeCommand<string | undefined>('pgtuner.test.planEditorRendered', uri.toString());
      return text?.includes('Slowest path') ? text : undefined;
    });
    assert.ok(rendered.includes('Sequential scan on alerts'), rendered);
  });
});
