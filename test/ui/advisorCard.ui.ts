/**
 * UI check (issue 17, items 7 and 8): on the demo database, Explain & Suggest on a time-range
 * query gives a BRIN card with the btree beside it. Clicked as a user would in the webview:
 * Measure (the real times appear on the card), then the btree's radio button (Create Migration
 * names it). Screenshots of the card before and after go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { databaseWith, queryUrl } from '../support/sql';
import { addConnectionByUrl, normalise, panelFrame, quickOpen, runCommand, UiCheck } from './support';

const DATABASE = `ui_advisor_card_${process.pid}`;
const RANGE = "SELECT action, count(*) FROM events WHERE created_at >= '2024-02-01' AND created_at < '2024-02-03' GROUP BY action;\n";

const cardText = async (frame: Frame) => normalise(await frame.locator('.card').first().innerText());

async function waitForCard(page: Page, frame: Frame, test: (text: string) => boolean, what: string): Promise<string> {
  for (const until = Date.now() + 120_000; ;) {
    const text = await cardText(frame);
    if (test(text)) return text;
    if (Date.now() > until) throw new Error(`the card never showed ${what}:\n${text}`);
    await page.waitForTimeout(300);
  }
}

export const run: UiCheck = async (page, ctx) => {
  const demo = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'demo', 'sample.sql'), 'utf8');
  const url = new URL(await databaseWith(ctx.pgUrl, DATABASE, demo));
  await queryUrl(url.toString(), 'CREATE EXTENSION IF NOT EXISTS hypopg');
  await queryUrl(url.toString(), 'VACUUM ANALYZE');
  const password = decodeURIComponent(url.password);
  url.password = '';
  fs.writeFileSync(path.join(ctx.workspaceFolder, 'range.sql'), RANGE);
  await addConnectionByUrl(page, url.toString(), 'ui advisor card', 'development', password);

  await quickOpen(page, 'range.sql');
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await runCommand(page, 'PG Tuner: Explain & Suggest Index');
  const frame = await panelFrame(page, 'Which index?');
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  const card = frame.locator('.card').first();
  await card.scrollIntoViewIfNeeded();
  const before = await cardText(frame);
  for (const expected of ['idx_events_created_at_brin', 'brin (default)', 'idx_events_created_at', 'The default is the brin', 'Measure']) {
    assert.ok(before.includes(expected), `the card does not show "${expected}":\n${before}`);
  }
  assert.match(before, /Create Migration(?! \()/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'advisor-card-alternatives.png') });

  // Measure, clicked: the real times land on the card.
  await card.getByRole('button', { name: 'Measure', exact: true }).click();
  const measured = await waitForCard(page, frame, (t) => t.includes('Measure Again'), '"Measure Again"');
  assert.match(measured, /Measured\s+[\d.]+ (ms|s) → [\d.]+ (ms|s)/);
  assert.match(measured, /faster of 2 runs each/);

  // The btree, picked: Create Migration names it, and the row is marked.
  await card.getByRole('radio', { name: 'Use idx_events_created_at', exact: true }).check();
  await waitForCard(page, frame, (t) => t.includes('Create Migration (btree)'), '"Create Migration (btree)"');
  assert.equal(await card.locator('tr.picked td').nth(1).innerText(), 'idx_events_created_at');
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'advisor-card-picked.png') });
};
