/**
 * UI check: "PG Tuner: Back Up Database" from the command palette shows a progress notification
 * that counts tables, and its Cancel button stops pg_dump and leaves no .dump behind. Then a
 * backup that runs to the end appears in the Backups view as "not verified". Last, on a
 * production connection "Test Restore" asks first, and Cancel in that dialog restores nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { addConnectionByUrl, normalise, notificationMessages, pick, runCommand, UiCheck } from './support';
import { databaseWith, queryUrl } from '../support/sql';

const DATABASE = 'ui_backup';

export const run: UiCheck = async (page, ctx) => {
  // One big table keeps pg_dump busy long enough to press Cancel; the small one is dumped after it.
  const url = await databaseWith(
    ctx.pgUrl,
    DATABASE,
    `CREATE TABLE a_big AS SELECT g AS id, md5(g::text) || repeat(md5((g * 3)::text), 8) AS payload FROM generate_series(1, 1000000) g;
    CREATE TABLE b_small (id int); INSERT INTO b_small VALUES (1), (2)`,
  );
  // The workspace's DATABASE_URL is offered as a connection.
  fs.writeFileSync(path.join(ctx.workspaceFolder, '.env'), `DATABASE_URL=${url}\n`);
  const backups = path.join(ctx.workspaceFolder, 'backups');

  await runCommand(page, 'PG Tuner: Back Up Database');
  await pick(page, 'DATABASE_URL');
  await notificationMessages(page, /dumping 1\/2 tables/);
  const progress = page.locator('.notifications-center .notification-list-item', { hasText: /backing up ui_backup/ }).first();
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'backup-progress.png') });
  await progress.getByRole('button', { name: 'Cancel' }).click();
  const messages = await notificationMessages(page, /Backup cancelled/);
  assert.ok(
    messages.some((m) => /Backup cancelled; the partial dump was removed/.test(m)),
    messages.join(' | '),
  );
  assert.deepEqual(
    fs.readdirSync(backups).filter((f) => f.endsWith('.dump') || f.endsWith('.partial')),
    [],
    'no dump and no partial file after Cancel',
  );

  await runCommand(page, 'PG Tuner: Back Up Database');
  await notificationMessages(page, /Backed up ui_backup/);
  await runCommand(page, 'PG Tuner: Focus on Backups View');
  const row = page.locator('.monaco-list-row', { hasText: /ui_backup \d{4}-\d{2}-\d{2} \d{2}:\d{2}/ }).first();
  await row.waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), /MB.*ago.*not verified/s);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'backups-view.png') });

  // The same database as a production connection: a restore-test there asks first.
  const prod = new URL(url);
  const password = decodeURIComponent(prod.password);
  prod.password = '';
  await addConnectionByUrl(page, prod.toString(), 'ui backup prod', 'production', password);
  await runCommand(page, 'PG Tuner: Test Restore');
  await pick(page, 'ui_backup');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(
    normalise(await dialog.innerText()),
    /scratch database on the PRODUCTION server of "ui backup prod".*pgtuner\.backup\.restoreTestConnection/s,
  );
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'restore-test-production.png') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  // Nothing ran: a restore-test creates its scratch database first thing, and records its result in the manifest.
  const scratch = `SELECT datname FROM pg_database WHERE datname LIKE '${DATABASE}\\_restore\\_test\\_%'`;
  for (let waited = 0; waited < 5_000; waited += 500) {
    assert.deepEqual(await queryUrl(url, scratch), [], 'no scratch database after Cancel');
    await page.waitForTimeout(500);
  }
  const manifests = fs.readdirSync(backups).filter((f) => f.endsWith('.manifest.json'));
  assert.ok(manifests.length > 0, `a manifest in ${fs.readdirSync(backups).join(', ')}`);
  for (const m of manifests)
    assert.equal(JSON.parse(fs.readFileSync(path.join(backups, m), 'utf8')).lastRestoreTest, undefined, `${m} records no restore-test`);
};
