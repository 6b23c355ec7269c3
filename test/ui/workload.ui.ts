/**
 * UI check: "PG Tuner: Advise Workload…" on the statements pg_stat_statements recorded opens the
 * report (the index set, the budget curve, the statements before and after) and its Measure button
 * answers; the Top Queries view lists the same statements by total time. Screenshots of each.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { databaseWith, queryUrl } from '../support/sql';
import { normalise, panelFrame, pick, runCommand, UiCheck, UiContext } from './support';

const DATABASE = 'ui_workload';

const SCHEMA_SQL = `
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, total int NOT NULL, note text);
INSERT INTO orders (customer_id, total, note) SELECT i % 500, i % 1000, md5(i::text) FROM generate_series(1, 100000) i;
ANALYZE orders;`;

/** A database whose pg_stat_statements holds a small workload, offered through the workspace's .env. */
export async function prepare(ctx: UiContext): Promise<void> {
  const url = await databaseWith(ctx.pgUrl, DATABASE, SCHEMA_SQL);
  // The bulk load is not the workload: its 100,000 inserted rows would count as writes against every index.
  await queryUrl(url, 'SELECT pg_stat_statements_reset(), pg_stat_reset()');
  for (let i = 0; i < 30; i++) await queryUrl(url, 'SELECT total FROM orders WHERE customer_id = $1', [i]);
  for (let i = 0; i < 5; i++) await queryUrl(url, 'SELECT id FROM orders WHERE total = $1 ORDER BY id DESC LIMIT 10', [i]);
  fs.mkdirSync(ctx.workspaceFolder, { recursive: true });
  fs.writeFileSync(path.join(ctx.workspaceFolder, '.env'), `DATABASE_URL=${url}\n`);
}

export const run: UiCheck = async (page, ctx) => {
  await runCommand(page, 'PG Tuner: Advise Workload…');
  await pick(page, 'DATABASE_URL');
  await pick(page, 'Top statements of pg_stat_statements');
  await page.locator('.quick-input-widget', { hasText: /storage budget/ }).waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  const frame = await panelFrame(page, 'Workload advice');
  const text = normalise(await frame.locator('body').innerText());
  assert.match(text, /weighted cost [\d,]+ → [\d,]+ \(-\d+%\) with \d+ new index/);
  assert.match(text, /customer_id/);
  assert.match(text, /Budget curve/);
  assert.doesNotMatch(text, /null|undefined/);
  await frame.locator('svg.curve').waitFor();
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'workload-report.png') });

  // Measure: pg_stat_statements keeps no values, so its $n statements cannot run; the panel says so.
  await frame.getByRole('button', { name: 'Measure', exact: true }).click();
  await frame.locator('.measured').waitFor({ timeout: 60_000 });
  const measured = normalise(await frame.locator('body').innerText());
  assert.match(measured, /Measured with \d+ index(es)? built and rolled back/);
  assert.match(measured, /no statement could be run \(below\)/);
  assert.match(measured, /customer_id = \$1 was not measured: It has \$n parameters without values/);
  assert.match(measured, /Time before/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'workload-measured.png') });

  await runCommand(page, 'PG Tuner: Focus on Top Queries View');
  const row = page.locator('.monaco-list-row', { hasText: 'customer_id = $1' }).first();
  await row.waitFor({ timeout: 30_000 });
  assert.match(normalise(await row.innerText()), /· 30 calls · mean/);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'top-queries-view.png') });
};
