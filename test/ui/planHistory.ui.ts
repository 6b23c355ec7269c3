/**
 * UI check: a statement explained twice (before and after an index) is listed once in the Plan
 * History view with its two plans (time, connection, execution time); "Compare Two Plans…" from
 * the palette shows them side by side with what changed, and the comparison survives a window
 * reload. Screenshots of the view and the comparison in a dark and a light theme.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { addConnectionByUrl, normalise, panelFrame, pick, quickOpen, runCommand, UiCheck, UiContext } from './support';
import { databaseWith, queryUrl } from '../support/sql';

const DATABASE = `ui_history_${process.pid}`;
const CONNECTION = 'ui history';
const STATEMENT = 'SELECT id, kind FROM items WHERE kind = 3';

function setTheme(folder: string, theme: string): void {
  const file = path.join(folder, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8') || '{}') : {};
  fs.writeFileSync(file, JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2));
}

async function explainInEditor(page: Page): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await runCommand(page, 'PG Tuner: Explain Query Plan');
}

export function prepare(ctx: UiContext): void {
  setTheme(ctx.workspaceFolder, 'Default Dark Modern');
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'history.sql'), `${STATEMENT};\n`);
}

export const run: UiCheck = async (page, ctx) => {
  const url = new URL(
    await databaseWith(
      ctx.pgUrl,
      DATABASE,
      `CREATE TABLE items (id int PRIMARY KEY, kind int NOT NULL);
       INSERT INTO items SELECT g, g % 500 FROM generate_series(1, 50000) g;
       ANALYZE items;`,
    ),
  );
  const adminUrl = url.toString();
  const password = decodeURIComponent(url.password);
  url.password = '';
  await addConnectionByUrl(page, url.toString(), CONNECTION, 'development', password);

  // Explained twice: a sequential scan, then (with an index) a bitmap scan.
  await quickOpen(page, 'history.sql');
  await explainInEditor(page);
  await panelFrame(page, 'Seq Scan on items');
  await queryUrl(adminUrl, 'CREATE INDEX items_kind_idx ON items (kind); ANALYZE items;');
  await explainInEditor(page);
  await panelFrame(page, 'items_kind_idx');

  // One statement row, two plans below it.
  await runCommand(page, 'PG Tuner: Focus on Plan History View');
  const statementRow = page.locator('.monaco-list-row', { hasText: STATEMENT }).first();
  await statementRow.waitFor({ timeout: 30_000 });
  assert.match(normalise(await statementRow.innerText()), /2 plans/);
  await statementRow.click();
  const planRows = page.locator('.monaco-list-row', { hasText: `${CONNECTION} · executed in` });
  await planRows.nth(1).waitFor({ timeout: 15_000 });
  assert.equal(await planRows.count(), 2);
  for (const text of await planRows.allInnerTexts())
    assert.match(normalise(text), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s*ui history · executed in [\d.]+ ms$/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-history-dark.png') });

  // Compare Two Plans…: the older plan first (the list shows the newest first), then the other.
  await runCommand(page, 'PG Tuner: Compare Two Plans…');
  const choices = page.locator('.quick-input-widget .monaco-list-row', { hasText: CONNECTION });
  await choices.nth(1).waitFor({ state: 'visible' });
  await choices.nth(1).click();
  await page.locator('.quick-input-widget', { hasText: 'the second (after)' }).waitFor({ state: 'visible' });
  await pick(page, CONNECTION);
  const frame = await panelFrame(page, 'What changed');
  const text = normalise(await frame.locator('#app').innerText());
  for (const expected of ['Before', 'After', '◀ changed', 'Seq Scan', 'items_kind_idx', `on ${CONNECTION} (executed in`]) {
    assert.ok(text.includes(expected), `the comparison does not show "${expected}":\n${text}`);
  }
  assert.ok(!text.includes('hypothetical'), 'two real plans, not a what-if plan');
  await frame.locator('.differences').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-history-compare-dark.png') });

  setTheme(ctx.workspaceFolder, 'Default Light Modern');
  await frame.locator('body.vscode-light').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-history-compare-light.png') });

  // The panel's serializer brings the comparison back after a reload, headings included.
  await runCommand(page, 'Developer: Reload Window');
  const revived = await panelFrame(page, 'What changed', 120_000);
  const after = normalise(await revived.locator('#app').innerText());
  assert.ok(after.includes(`on ${CONNECTION} (executed in`) && after.includes('◀ changed'), `after a reload:\n${after}`);
  await runCommand(page, 'PG Tuner: Focus on Plan History View');
  await page.locator('.monaco-list-row', { hasText: STATEMENT }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'plan-history-light.png') });
};
