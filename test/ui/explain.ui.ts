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
import { answerInput, normalise, pick, runCommand, UiCheck } from './support';

const DATABASE = `ui_explain_${process.pid}`;

async function createDatabase(serverUrl: string): Promise<string> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${DATABASE}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE EXTENSION IF NOT EXISTS hypopg`).catch(() => undefined);
    await client.query(BENCH_SLICE_SQL);
  } finally {
    await client.end();
  }
  return url.toString();
}

/** Sets a workbench setting in the folder's .vscode/settings.json, keeping what is there (e.g. connections). */
function setWorkspaceSetting(folder: string, key: string, value: unknown): void {
  const file = path.join(folder, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8') || '{}') : {};
  fs.writeFileSync(file, JSON.stringify({ ...settings, [key]: value }, null, 2));
}

/** The webview frame holding the plan panel (webviews are nested iframes), once it shows `text`. */
async function panelFrame(page: Page, text: string, timeoutMs = 90_000): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const body = await frame.locator('#app').innerText({ timeout: 200 }).catch(() => '');
      if (body.includes(text)) return frame;
    }
    if (Date.now() > until) throw new Error(`no webview frame shows "${text}"`);
    await page.waitForTimeout(500);
  }
}

export const run: UiCheck = async (page, ctx) => {
  setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', 'Default Dark Modern');
  const url = new URL(await createDatabase(ctx.pgUrl));
  const password = decodeURIComponent(url.password);
  url.password = '';
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'queries.sql'), `SELECT count(*) FROM users;\n\n${OPEN_CRITICAL_ALERTS};\n`);

  await runCommand(page, 'PG Tuner: Add Connection');
  await answerInput(page, /postgres:\/\/ URL, or the server host name/, url.toString());
  await answerInput(page, /A name for this connection/, 'ui explain');
  await pick(page, 'development');
  await answerInput(page, /Password \(kept in VS Code secret storage/, password);

  // Open the file with Quick Open and select the alerts query (lines 3–7) with the keyboard.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type('queries.sql');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'queries.sql' }).first().waitFor();
  await page.keyboard.press('Enter');
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
  for (const expected of ['Explain & Suggest', 'EXPLAIN ANALYZE', 'FROM alerts', 'Suggested indexes', 'ON public.alerts', 'Verified by', 'Seq Scan', 'Execution']) {
    assert.ok(text.includes(expected), `the panel does not show "${expected}":\n${text}`);
  }
  assert.ok(!text.includes('SELECT count(*) FROM users'), 'the selection, not the whole file, was explained');
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-dark.png') });

  // The what-if plan next to the current one (stacked in a panel this narrow).
  await frame.getByRole('button', { name: 'Explain Again With This Index' }).first().click();
  await panelFrame(page, 'hypothetical');
  const plans = await scrollPanelTo(page, frame, '.plan-section');
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-plan-dark.png') });

  setWorkspaceSetting(ctx.workspaceFolder, 'workbench.colorTheme', 'Default Light Modern');
  await frame.locator('body.vscode-light').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-plan-light.png') });
  await page.mouse.move(plans.x + 20, plans.y + 20);
  await page.mouse.wheel(0, -5000);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'explain-light.png') });
};

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
