/**
 * The suggestion card's advisor actions in the real extension host (issue 17, items 0, 7, 8):
 * Measure, the BRIN/btree alternatives and which one Create Migration uses, and Advise Without
 * Running, against a real PostgreSQL with HypoPG holding the demo database.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Measured } from '../../src/core/advisor/types';
import type { CommandOutcome } from '../../src/vscode/explain/controller';
import type { ExplainResultView, ToWebview } from '../../src/vscode/explain/messages';
import type { ExplainArgs } from '../../src/vscode/explain/target';
import { answerModals, eventually, freshDatabaseUrl, queryRows, restoreModals, useConnection } from './support';

type ExplainOutcome = CommandOutcome<{ result: ExplainResultView }>;
interface PanelState {
  posted?: ToWebview;
  rendered?: string;
}

const LOOKUP = 'SELECT id, action FROM events WHERE actor_id = 4242';
const RANGE = "SELECT action, count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-02-03' GROUP BY action";

const run = (command: string, args: ExplainArgs) => vscode.commands.executeCommand<ExplainOutcome>(command, args);
const panelMessage = <T>(message: unknown) => vscode.commands.executeCommand<T>('pgtuner.test.explainPanelMessage', message);
const rendered = (what: string, test: (text: string) => boolean) =>
  eventually(what, async () => {
    const s = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
    return s?.rendered && test(s.rendered) ? s.rendered : undefined;
  });

function done(outcome: ExplainOutcome | undefined): ExplainResultView {
  assert.equal(outcome?.status, 'done', JSON.stringify(outcome));
  return (outcome as { result: ExplainResultView }).result;
}

describe('Advisor card: Measure, alternatives, Advise Without Running', function () {
  this.timeout(180_000);
  let url: string;
  before(async () => {
    url = await freshDatabaseUrl();
    await queryRows(url, fs.readFileSync(path.join(__dirname, '..', '..', '..', 'demo', 'sample.sql'), 'utf8'));
    await queryRows(url, 'VACUUM ANALYZE');
    await useConnection(url);
  });

  afterEach(async () => {
    restoreModals();
    await vscode.workspace
      .getConfiguration('pgtuner')
      .update('advisor.adviseWithoutRunningCost', undefined, vscode.ConfigurationTarget.Global);
  });

  it('"Measure" builds the HypoPG-verified index in a rolled-back transaction and fills the real times into the card', async () => {
    const result = done(await run('pgtuner.explainAndSuggest', { sql: LOOKUP, analyze: true }));
    const s = result.suggestions[0];
    assert.equal(s?.evidence.verifiedBy, 'hypopg', JSON.stringify(result.suggestions));
    await rendered('the Measure button', (t) => t.includes(s.name) && /\bMeasure\b/.test(t));

    const outcome = await panelMessage<CommandOutcome<{ measured: Measured }>>({ type: 'measure', suggestionIndex: 0 });
    assert.equal(outcome?.status, 'done', JSON.stringify(outcome));
    const m = (outcome as { measured: Measured }).measured;
    assert.equal(m.name, s.name);
    assert.ok(m.msBefore !== null && m.msAfter !== null && m.msAfter < m.msBefore, JSON.stringify(m));
    const text = await rendered('the measured times on the card', (t) => t.includes('Measured') && t.includes('Measure Again'));
    assert.match(text, /Measured\s+[\d.]+ (ms|s) → [\d.]+ (ms|s)/);
    assert.match(text, /built in .* and rolled back, faster of 2 runs each/);
    const state = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
    assert.equal(state?.posted?.type, 'suggestion');
    assert.deepEqual((state?.posted as { suggestion: { evidence: { measured: Measured } } }).suggestion.evidence.measured, m);
    const left = await queryRows(url, 'SELECT to_regclass($1) AS r', [`public.${s.name}`]);
    assert.equal(left[0].r, null, 'the measured index was rolled back');
  });

  it('shows the BRIN and the btree side by side, says which is the default, and Create Migration uses the one picked', async () => {
    const result = done(await run('pgtuner.explainAndSuggest', { sql: RANGE, analyze: true }));
    const s = result.suggestions[0];
    assert.equal(s?.method, 'brin', JSON.stringify(result.suggestions));
    const btree = s.alternatives?.[0];
    assert.ok(btree, 'a btree alternative');
    const text = await rendered('the alternatives', (t) => t.includes('Which index?') && t.includes(btree.name));
    assert.ok(text.includes('brin (default)'), text);
    assert.ok(text.includes('The default is the brin (the reason above says why)'), text);
    assert.ok(text.includes(s.sizeText) && text.includes(s.alternativeSizeTexts[0]), 'both sizes');

    // Hostile or stale picks are ignored: not an alternative of this card.
    for (const alternative of [1, -2, 0.5, '0', 'constructor']) {
      assert.equal(await panelMessage({ type: 'pickAlternative', suggestionIndex: 0, alternative }), undefined, String(alternative));
    }
    assert.equal(await panelMessage({ type: 'pickAlternative', suggestionIndex: 0, alternative: 0 }), btree.name);
    await rendered('the picked btree', (t) => t.includes('Create Migration (btree)'));

    // The picked index is measured, not the default.
    const measured = await panelMessage<CommandOutcome<{ measured: Measured }>>({ type: 'measure', suggestionIndex: 0 });
    assert.equal(measured?.status, 'done', JSON.stringify(measured));
    assert.equal((measured as { measured: Measured }).measured.name, btree.name);
    const state = await vscode.commands.executeCommand<PanelState>('pgtuner.test.explainPanelState');
    const card = (state?.posted as { suggestion: ExplainResultView['suggestions'][number] }).suggestion;
    assert.equal(card.alternatives?.[0].measured?.name, btree.name);
    assert.equal(card.evidence.measured, undefined, 'the BRIN was not measured');

    const files = await panelMessage<{ upPath: string; downPath?: string }>({ type: 'createMigration', suggestionIndex: 0 });
    assert.ok(files?.upPath, JSON.stringify(files));
    const up = fs.readFileSync(files.upPath, 'utf8');
    assert.ok(up.includes(btree.ddl), up);
    assert.doesNotMatch(up, /USING brin/);
    assert.ok(fs.readFileSync(files.downPath!, 'utf8').includes(btree.down));

    assert.equal(await panelMessage({ type: 'pickAlternative', suggestionIndex: 0, alternative: -1 }), s.name);
    await rendered('the default again', (t) => /Create Migration(?! \()/.test(t) && !t.includes('Create Migration (btree)'));
  });

  it('"Advise Without Running" advises from plain EXPLAIN, and Explain & Suggest offers it for a costly statement', async () => {
    const direct = done(await run('pgtuner.adviseWithoutRunning', { sql: LOOKUP }));
    assert.equal(direct.before.plan.analyzed, false, 'nothing executed');
    assert.match(direct.notes[0], /^Advised without running the statement: the advice comes from the estimated plan/);
    assert.equal(direct.suggestions[0]?.evidence.verifiedBy, 'hypopg', JSON.stringify(direct));
    await rendered('the note in the panel', (t) => t.includes('Advised without running the statement'));

    // Above the threshold: asked first; "Advise Without Running" runs nothing.
    await vscode.workspace.getConfiguration('pgtuner').update('advisor.adviseWithoutRunningCost', 1000, vscode.ConfigurationTarget.Global);
    let asked = answerModals('Advise Without Running');
    const offered = done(await run('pgtuner.explainAndSuggest', { sql: LOOKUP }));
    assert.equal(asked.length, 1, asked.join('\n'));
    assert.match(asked[0], /estimates this statement at cost [\d,]+, above 1,000 \(setting pgtuner\.advisor\.adviseWithoutRunningCost\)/);
    assert.equal(offered.before.plan.analyzed, false);
    assert.ok(offered.suggestions.length > 0);

    // "Run EXPLAIN ANALYZE" runs it as before.
    asked = answerModals('Run EXPLAIN ANALYZE');
    const ran = done(await run('pgtuner.explainAndSuggest', { sql: LOOKUP }));
    assert.equal(asked.length, 1);
    assert.equal(ran.before.plan.analyzed, true);
    assert.ok(!ran.notes.some((n) => n.startsWith('Advised without running')));

    // Closing the question cancels.
    answerModals(undefined);
    assert.equal((await run('pgtuner.explainAndSuggest', { sql: LOOKUP }))?.status, 'cancelled');

    // Below the threshold (the default, 1,000,000): no question, the statement runs.
    await vscode.workspace
      .getConfiguration('pgtuner')
      .update('advisor.adviseWithoutRunningCost', undefined, vscode.ConfigurationTarget.Global);
    asked = answerModals('Advise Without Running');
    const cheap = done(await run('pgtuner.explainAndSuggest', { sql: LOOKUP }));
    assert.deepEqual(asked, []);
    assert.equal(cheap.before.plan.analyzed, true);
  });
  it('"Measure" on a production connection is refused with the reason on the panel, and builds nothing', async () => {
    await useConnection(url, 'production');
    try {
      const result = done(await run('pgtuner.explainAndSuggest', { sql: LOOKUP, analyze: false }));
      assert.equal(result.suggestions[0]?.evidence.verifiedBy, 'hypopg', JSON.stringify(result));
      await rendered('the card', (t) => t.includes(result.suggestions[0].name) && t.includes('(production)'));
      const outcome = await panelMessage<CommandOutcome<{ measured: Measured }>>({ type: 'measure', suggestionIndex: 0 });
      assert.equal(outcome?.status, 'failed', JSON.stringify(outcome));
      assert.match((outcome as { message: string }).message, /is a production connection: measuring builds the index for real/);
      await rendered('the refusal on the panel', (t) => t.includes('is a production connection: measuring builds the index for real'));
      const left = await queryRows(url, 'SELECT to_regclass($1) AS r', [`public.${result.suggestions[0].name}`]);
      assert.equal(left[0].r, null);
    } finally {
      await useConnection(url);
    }
  });
});
