/**
 * UI check: "PG Tuner: Check Database Health" from the command palette opens the report webview
 * (critical first, summary counts, time taken) and puts the health indicator in the status bar;
 * the Indexes view then shows the tables' indexes with their badges. Screenshots of both.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { normalise, pick, runCommand, statusBarTexts, UiCheck, UiContext } from './support';
import { databaseWith } from '../support/sql';

const DATABASE = 'ui_health';

const SCHEMA_SQL = `
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, note text);
SELECT setval('orders_id_seq', 2100000000);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_customer_copy ON orders (customer_id);
CREATE INDEX orders_customer_note ON orders (customer_id, note);
CREATE TABLE events (at timestamptz, payload text);`;

/** The webview frame of the report, once it shows `text` (webviews are nested iframes). */
async function reportFrame(page: Page, text: string, timeoutMs = 60_000): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const body = await frame
        .locator('body')
        .innerText({ timeout: 200 })
        .catch(() => '');
      if (body.includes(text)) return frame;
    }
    if (Date.now() > until) throw new Error(`no webview frame shows "${text}"`);
    await page.waitForTimeout(500);
  }
}

/** The database with its findings, offered to the window through the workspace's .env. */
export async function prepare(ctx: UiContext): Promise<void> {
  const url = await databaseWith(ctx.pgUrl, DATABASE, SCHEMA_SQL);
  fs.mkdirSync(ctx.workspaceFolder, { recursive: true });
  fs.writeFileSync(path.join(ctx.workspaceFolder, '.env'), `DATABASE_URL=${url}\n`);
}

export const run: UiCheck = async (page, ctx) => {
  await runCommand(page, 'PG Tuner: Check Database Health');
  await pick(page, 'DATABASE_URL');
  const frame = await reportFrame(page, 'Database health: ui_health');
  const text = normalise(await frame.locator('body').innerText());
  assert.match(text, /checks in \d/);
  // The sequence, and the backup recovery point: no backup of ui_health in the workspace's backups folder has passed a restore-test.
  assert.match(text, /Critical \(2\)[\s\S]*Warnings \(/, 'critical findings come first');
  assert.match(text, /Backup recovery point\s+no backup of ui_health .* has passed a restore-test/);
  assert.match(text, /Sequences near their maximum\s+highest: public\.orders_id_seq at 97\.79%/);
  assert.match(text, /What to do: Widen the column to bigint/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'health-report.png') });
  const status = await statusBarTexts(page);
  assert.ok(
    status.some((s) => /DB 2 critical/.test(s)),
    status.join(' | '),
  );

  await runCommand(page, 'PG Tuner: Focus on Indexes View');
  const table = page.locator('.monaco-list-row', { hasText: /^orders/ }).first();
  await table.waitFor({ timeout: 30_000 });
  await table.click();
  const copy = page.locator('.monaco-list-row', { hasText: 'orders_customer_copy' }).first();
  await copy.waitFor({ timeout: 15_000 });
  assert.match(normalise(await copy.innerText()), /⚑ duplicate, unused · 0 scans · 0 read · 8\.0 kB/);
  const message = normalise(await page.locator('.pane', { hasText: 'Indexes' }).locator('.message').first().innerText());
  assert.match(message, /Scans since statistics began \(never reset\) · 4 indexes: 3 unused, 1 duplicate, 1 redundant/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'indexes-view.png') });
};
