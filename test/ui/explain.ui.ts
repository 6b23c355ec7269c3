/**
 * UI check: a SQL file opened with Quick Open, a query selected with the keyboard, "PG Tuner:
 * Explain & Suggest Index" run from the command palette, and the plan panel's visible text read
 * from its webview frame. Screenshots of the panel (top, and the plans after "Explain Again With
 * This Index") in a dark and a light theme go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Frame, Page } from 'playwright-core';
import { BENCH_SLICE_SQL, OPEN_CRITICAL_ALERTS } from '../support/benchSlice';
import { PSQL_TEXT } from '../support/planSamples';
import { addConnectionByUrl, answerInput, normalise, panelFrame, pick, quickOpen, runCommand, UiCheck, UiContext } from './support';
import { databaseWith, queryUrl } from '../support/sql';

const DATABASE = `ui_explain_${process.pid}`;

async function createDatabase(serverUrl: string): Promise<string> {
  const url = await databaseWith(serverUrl, DATABASE, BENCH_SLICE_SQL);
  await queryUrl(url, 'CREATE EXTENSION IF NOT EXISTS hypopg').catch(() => undefined);
  return url;
}

/** Sets a workbench setting in the folder's .vscode/settings.json, keeping what is there (e.g. connections). */
function setWorkspaceSetting(folder: string, key: string, value: unknown): void {
  const file = path.join(folder, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8') || '{}') : {};
  fs.writeFileSync(file, JSON.stringify({ ...settings, [key]: value }, null, 2));
}

export const run: UiCheck = async (page, ctx) => {
  setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', 'Default Dark Modern');
  const url = new URL(await createDatabase(ctx.pgUrl));
  const password = decodeURIComponent(url.password);
  url.password = '';
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'queries.sql'), `SELECT count(*) FROM users;\n\n${OPEN_CRITICAL_ALERTS};\n`);

  await addConnectionByUrl(page, url.toString(), 'ui explain', 'development', password);

  // Open the file with Quick Open and select the alerts query (lines 3–7) with the keyboard.
  await quickOpen(page, 'queries.sql');
  const editor = page.locator('.editor-instance .monaco-editor .view-lines');
  await editor.waitFor({ timeout: 30_000 });
  await editor.click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+End');

  await runCommand(page, 'PG Tuner: Explain & Suggest Index');
  const frame = await panelFrame(page, 'Create Migration');
  // More room for the panel in the screenshots.
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await frame.locator('body.vscode-dark').waitFor({ timeout: 30_000 });
  const text = normalise(await frame.locator('#app').innerText());
  for (const expected of [
    'Explain & Suggest',
    'EXPLAIN ANALYZE',
    'FROM alerts',
    'Suggested indexes',
    'ON public.alerts',
    'Verified by',
    'Seq Scan',
    'Execution',
    'Slowest path: Limit › Sort › Seq Scan on alerts',
    '% self',
    'planner units',
  ]) {
    assert.ok(text.includes(expected), `the panel does not show "${expected}":\n${text}`);
  }
  assert.ok(!text.includes('SELECT count(*) FROM users'), 'the selection, not the whole file, was explained');
  await treeKeyboard(page, frame);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-dark.png') });

  // The what-if plan next to the current one (stacked in a panel this narrow).
  await frame.getByRole('button', { name: 'Explain Again With This Index' }).first().click();
  await panelFrame(page, 'hypothetical');
  await panelFrame(page, '◀ changed');
  const plans = await scrollPanelTo(page, frame, '.plan-section');
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'view-compare-dark.png') });
  // A wide window puts the two plans side by side.
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: 2400, height: 1000 });
  await frame.locator('.plans.side-by-side').waitFor();
  // The webview's frame takes the new width a moment after the window does: poll the layout.
  const columnTops = () => frame.locator('.plan-column').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
  let columns = await columnTops();
  for (const deadline = Date.now() + 10_000; new Set(columns).size !== 1 && Date.now() < deadline; columns = await columnTops()) {
    await page.waitForTimeout(200);
  }
  assert.equal(new Set(columns).size, 1, `the plans are side by side at this width: tops ${columns}`);
  await scrollPanelTo(page, frame, '.plan-section');
  await page
    .locator('iframe.webview')
    .first()
    .screenshot({ path: path.join(ctx.screenshotDir, 'explain-compare-wide-dark.png') });
  await page.setViewportSize(viewport);
  await scrollPanelTo(page, frame, '.plan-section');

  setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', 'Default Light Modern');
  await frame.locator('body.vscode-light').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'view-compare-light.png') });
  await page.mouse.move(plans.x + 20, plans.y + 20);
  await page.mouse.wheel(0, -5000);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-light.png') });

  await savePlanAsFile(page, frame);
  await productionUpdateWithParameter(page, ctx, url.toString(), password);
  await reloadKeepsThePlan(page);
  await planFileViewer(page, ctx);
  await planViews(page, ctx);
};

/** A plan with a join, an aggregate and a UNION ALL branch (about ten nodes), from the UI database. */
const VIEWS_QUERY = `SELECT u.role, a.severity, count(*) AS alerts, max(a.created_at) AS latest
FROM alerts a JOIN users u ON u.id = a.facility_id
WHERE a.resolved_at IS NULL OR a.severity = 'critical'
GROUP BY u.role, a.severity
UNION ALL
SELECT 'inactive', NULL, count(*), max(last_login_at) FROM users WHERE NOT is_active
ORDER BY alerts DESC`;

/**
 * Each view of one plan (tree, graph, icicle, text) in the light and the dark theme, and the graph
 * driven with the real mouse and keyboard: a click selects a box (and the tree shows it), + zooms,
 * a drag pans.
 */
async function planViews(page: Page, ctx: UiContext): Promise<void> {
  const url = new URL(ctx.pgUrl);
  url.pathname = `/${DATABASE}`;
  const rows = await queryUrl(url.toString(), `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${VIEWS_QUERY}`);
  const plan = rows[0]['QUERY PLAN'];
  type JsonNode = { Plans?: JsonNode[] };
  const countNodes = (n: JsonNode): number => 1 + (n.Plans ?? []).reduce((sum, c) => sum + countNodes(c), 0);
  const nodes = countNodes(plan[0].Plan);
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'alerts-by-role.pgplan'), JSON.stringify(plan, null, 2));
  await quickOpen(page, 'alerts-by-role.pgplan');
  const viewer = await panelFrame(page, 'plan from alerts-by-role.pgplan');
  const showPlan = () => viewer.locator('.plan-section').evaluate((el) => el.scrollIntoView());

  for (const theme of ['dark', 'light'] as const) {
    setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern');
    await viewer.locator(`body.vscode-${theme}`).waitFor({ timeout: 30_000 });
    for (const [tab, ready] of [
      ['Tree', '.tree'],
      ['Graph', '.graph-node'],
      ['Icicle', '.icicle-box'],
      ['Text', '.plan-text'],
    ] as const) {
      await viewer.getByRole('tab', { name: tab }).click();
      await viewer.locator(ready).first().waitFor();
      await showPlan();
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ctx.screenshotDir, `view-${tab.toLowerCase()}-${theme}.png`) });
    }
  }

  await viewer.getByRole('tab', { name: 'Graph' }).click();
  await showPlan();
  const boxes = viewer.locator('.graph-node');
  assert.equal(await boxes.count(), nodes, `one box per node of the ${nodes}-node plan`);
  const transform = () => viewer.locator('.graph-world').getAttribute('transform');
  // A click on the last box selects it; the tree then shows the same node selected.
  const last = boxes.nth(nodes - 1);
  const key = await last.getAttribute('data-node');
  await last.click();
  assert.equal(await last.getAttribute('aria-pressed'), 'true');
  await viewer.locator('#selection').getByRole('button', { name: 'Show in tree' }).click();
  await viewer.locator(`details.selected[data-node="${key}"]`).waitFor({ timeout: 10_000 });
  // Keyboard zoom and mouse drag change the graph's transform.
  await viewer.getByRole('tab', { name: 'Graph' }).click();
  await showPlan();
  const before = await transform();
  await viewer.locator('.graph-viewport').focus();
  await page.keyboard.press('+');
  const zoomed = await transform();
  assert.notEqual(zoomed, before, '+ zooms in');
  const area = await viewer.locator('.graph-viewport').boundingBox();
  assert.ok(area, 'the graph is on screen');
  await page.mouse.move(area.x + 10, area.y + area.height - 10);
  await page.mouse.down();
  await page.mouse.move(area.x + 120, area.y + area.height - 60, { steps: 5 });
  await page.mouse.up();
  assert.notEqual(await transform(), zoomed, 'a drag pans');
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'view-graph-selected-light.png') });
}

/** A .pgplan file (psql's text output) opens in the plan viewer: screenshots in the light and the dark theme. */
async function planFileViewer(page: Page, ctx: UiContext): Promise<void> {
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'from-psql.pgplan'), PSQL_TEXT);
  await quickOpen(page, 'from-psql.pgplan');
  const viewer = await panelFrame(page, 'plan from from-psql.pgplan');
  const text = normalise(await viewer.locator('#app').innerText());
  assert.ok(text.includes('Slowest path: Limit › Sort › Seq Scan on alerts'), text);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-file-light.png') });
  // The icicle: Limit, Sort and Seq Scan stacked, the scan (all the time) in the severe colour.
  await viewer.getByRole('tab', { name: 'Icicle' }).click();
  const boxes = viewer.locator('.icicle-box');
  assert.deepEqual(await boxes.allInnerTexts(), ['Limit', 'Sort', 'Seq Scan on alerts']);
  assert.match((await boxes.nth(2).getAttribute('class')) ?? '', /sev-high/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'icicle-light.png') });
  setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', 'Default Dark Modern');
  await viewer.locator('body.vscode-dark').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'icicle-dark.png') });
  // A click on a box selects that node in every view; "Show in tree" goes to it there.
  await boxes.nth(2).click();
  assert.equal(await boxes.nth(2).getAttribute('aria-pressed'), 'true');
  await viewer.locator('#selection').getByRole('button', { name: 'Show in tree' }).click();
  await viewer.locator('#before-2.flash.selected').waitFor({ timeout: 10_000 });
  assert.equal(await viewer.locator('.tab.selected').innerText(), 'Tree');
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-file-dark.png') });
}

/** The plan tree by keyboard: arrows move between nodes, left closes a node and then goes to its parent, right opens. */
async function treeKeyboard(page: Page, frame: Frame): Promise<void> {
  const focused = () => frame.evaluate<string | undefined>("document.activeElement?.closest('details')?.id");
  const isOpen = (id: string) => frame.locator(`#${id}`).evaluate((el) => (el as unknown as { open: boolean }).open);
  await frame.locator('#before-0 > summary').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), 'before-2', 'down twice: Limit → Sort → Seq Scan');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), 'before-1', 'left on a leaf goes to its parent');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await isOpen('before-1'), false, 'left closes an open node');
  await page.keyboard.press('ArrowRight');
  assert.equal(await isOpen('before-1'), true, 'right opens it again');
  await page.keyboard.press('Home');
  assert.equal(await focused(), 'before-0');
}

/** The plan panel survives a window reload (its serializer): the same plan, and only the status line is live. */
async function reloadKeepsThePlan(page: Page): Promise<void> {
  await runCommand(page, 'Developer: Reload Window');
  const frame = await panelFrame(page, 'UPDATE alerts SET', 120_000);
  const text = normalise(await frame.locator('#app').innerText());
  assert.ok(text.includes('Slowest path') && text.includes('EXPLAIN ANALYZE'), `the plan after a reload:\n${text}`);
  assert.equal(await frame.locator('[aria-live]').count(), 1, 'one live region');
  assert.match(await frame.locator('#status[aria-live]').innerText(), /^Plan shown: execution .*; slowest: /);
}

/** "Save as .plan": the save dialog, then the file open as a PostgreSQL Plan (pgplan) document. */
async function savePlanAsFile(page: Page, frame: Frame): Promise<void> {
  await frame.getByRole('button', { name: 'Save as .plan' }).first().click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  // The simple file dialog fills in the folder first, then the suggested name.
  for (let i = 0; i < 50 && !(await input.inputValue()).endsWith('query.plan'); i++) await page.waitForTimeout(100);
  assert.match(await input.inputValue(), /query\.plan$/);
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: 'query.plan' }).waitFor({ timeout: 30_000 });
  await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'PostgreSQL Plan' }).waitFor({ timeout: 30_000 });
}

/** resolved_at of alert 7, to prove EXPLAIN ANALYZE of an UPDATE changed nothing. */
async function alertResolvedAt(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  url.pathname = `/${DATABASE}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return String((await client.query(`SELECT resolved_at::text AS v FROM alerts WHERE id = 7`)).rows[0].v);
  } finally {
    await client.end();
  }
}

/**
 * On a production connection, an UPDATE with $1: the value is asked for (and remembered), the
 * warning says it would run and be rolled back, plain EXPLAIN is offered; then EXPLAIN ANALYZE
 * with the remembered value really rolls back.
 */
async function productionUpdateWithParameter(page: Page, ctx: UiContext, url: string, password: string): Promise<void> {
  const resolvedBefore = await alertResolvedAt(ctx.pgUrl);
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'update.sql'), `UPDATE alerts SET resolved_at = now() WHERE id = $1;\n`);
  await addConnectionByUrl(page, url, 'ui explain prod', 'production', password);

  // Open it in the first editor group (the plan panel and query.plan share the second).
  const firstEditor = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await firstEditor.click();
  await quickOpen(page, 'update.sql');

  const dialog = page.locator('.monaco-dialog-box');
  await runCommand(page, 'PG Tuner: Explain Query Plan');
  await pick(page, 'Enter values…');
  await answerInput(page, /Value for \$1/, '7');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  const warning = normalise(await dialog.innerText());
  assert.match(warning, /"ui explain prod" is a production connection/);
  assert.match(warning, /This statement writes: it will really run .* and then be rolled back/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-production-warning.png') });
  await dialog.getByRole('button', { name: 'Plain EXPLAIN (do not execute)' }).click();
  const frame = await panelFrame(page, 'UPDATE alerts SET');
  let text = normalise(await frame.locator('#app').innerText());
  assert.ok(text.includes('estimates only') && text.includes('1 value'), `plain EXPLAIN with one value:\n${text}`);

  // Again: the value is remembered; this time EXPLAIN ANALYZE, rolled back.
  await firstEditor.click();
  await runCommand(page, 'PG Tuner: Explain Query Plan');
  await pick(page, 'Use the last values');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Run EXPLAIN ANALYZE' }).click();
  await frame.locator('.pill.analyzed').waitFor({ timeout: 30_000 });
  text = normalise(await frame.locator('#app').innerText());
  assert.ok(
    text.includes('UPDATE alerts SET') && text.includes('EXPLAIN ANALYZE') && text.includes('Execution'),
    `EXPLAIN ANALYZE of the UPDATE:\n${text}`,
  );
  assert.equal(await alertResolvedAt(ctx.pgUrl), resolvedBefore, 'the UPDATE was rolled back');
}

/** Scrolls the panel until `selector` is near its top; returns where the panel sits on the page. */
async function scrollPanelTo(page: Page, frame: Frame, selector: string): Promise<{ x: number; y: number }> {
  const panel = await page.locator('iframe.webview').first().boundingBox();
  const target = await frame.locator(selector).boundingBox();
  assert.ok(panel && target, 'the panel and its plan are on screen');
  await page.mouse.move(panel.x + 20, panel.y + 20);
  await page.mouse.wheel(0, target.y - panel.y - 10);
  await page.waitForTimeout(300);
  return { x: panel.x, y: panel.y };
}
