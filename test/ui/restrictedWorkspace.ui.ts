/**
 * UI check (workspace trust on, folder untrusted): connections from the workspace's settings and
 * .env are not offered, the UI says why, and a connection added now goes to user settings.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { answerInput, pick, runCommand, UiCheck, UiContext } from './support';

export const workspaceTrust = 'restricted';

const settingsFile = (ctx: UiContext) => path.join(ctx.workspaceFolder, '.vscode', 'settings.json');
const WORKSPACE_SETTINGS = JSON.stringify(
  { 'pgtuner.connections': [{ name: 'from the workspace', host: 'db.example.invalid', database: 'shop' }] },
  null,
  2,
);

/** A cloned repository that tries to choose the server: a profile in its settings and a .env. */
export async function prepare(ctx: UiContext): Promise<void> {
  fs.mkdirSync(path.dirname(settingsFile(ctx)), { recursive: true });
  fs.writeFileSync(settingsFile(ctx), WORKSPACE_SETTINGS);
  fs.writeFileSync(path.join(ctx.workspaceFolder, '.env'), `DATABASE_URL=${ctx.pgUrl}\n`);
}

export const run: UiCheck = async (page, ctx) => {
  await runCommand(page, 'PG Tuner: Select Connection');
  await page
    .locator('.quick-input-widget')
    .getByPlaceholder(/^Restricted mode: connections from workspace settings and \.env are ignored/)
    .waitFor();
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Add Connection' }).waitFor();
  const offered = await page.locator('.quick-input-widget .monaco-list-row').allTextContents();
  assert.ok(!offered.some((row) => /from the workspace|DATABASE_URL/.test(row)), `offered in restricted mode: ${offered.join(' | ')}`);

  // "Add Connection…" from the same pick: in a restricted workspace the profile goes to user settings.
  const url = new URL(ctx.pgUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  await pick(page, 'Add Connection');
  await answerInput(page, /postgres:\/\/ URL, or the server host name/, url.toString());
  await answerInput(page, /A name for this connection/, 'personal');
  await pick(page, 'development');
  await answerInput(page, /Password \(kept in VS Code secret storage/, password);
  await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'personal · development' }).waitFor({ timeout: 15_000 });
  assert.equal(fs.readFileSync(settingsFile(ctx), 'utf8'), WORKSPACE_SETTINGS, 'the untrusted workspace settings were not written');

  // The Connections view says why the workspace's connections are missing.
  await page.locator('.activitybar .action-item a[aria-label^="PG Tuner"]').click();
  await page
    .getByText(/Restricted mode: connections from workspace settings and \.env are ignored/)
    .first()
    .waitFor({ timeout: 15_000 });
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'connections-restricted-mode.png') });
};
