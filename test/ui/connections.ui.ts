/**
 * UI check: adding connections through the guided command-palette flow, the status bar showing
 * the active connection and its environment (production on the warning background), switching
 * with "Select Connection", and "Test Connection" reporting the server.
 */
import assert from 'node:assert/strict';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { answerInput, notificationMessages, pick, runCommand, UiCheck } from './support';

const connectionItem = (page: Page) => page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /PG Tuner|·/ }).first();

/** The guided Add Connection flow, starting from either a URL or the server's host name. */
async function addThroughPalette(
  page: Page,
  start: { url: string } | { host: string; port: string; database: string; user: string },
  password: string,
  name: string,
  environment: string,
) {
  await runCommand(page, 'PG Tuner: Add Connection');
  if ('url' in start) {
    await answerInput(page, /postgres:\/\/ URL, or the server host name/, start.url);
  } else {
    await answerInput(page, /postgres:\/\/ URL, or the server host name/, start.host);
    await answerInput(page, /Port/, start.port);
    await answerInput(page, /Database/, start.database);
    await answerInput(page, /User/, start.user);
  }
  await answerInput(page, /A name for this connection/, name);
  await pick(page, environment);
  await answerInput(page, /Password \(kept in VS Code secret storage/, password);
}

async function expectStatus(page: Page, text: string, warning: boolean) {
  const item = connectionItem(page);
  await item.filter({ hasText: text }).waitFor({ timeout: 15_000 });
  const classes = (await item.getAttribute('class')) ?? '';
  assert.equal(classes.includes('warning-kind'), warning, `status bar item "${text}" warning colour: classes are "${classes}"`);
}

export const run: UiCheck = async (page, ctx) => {
  const url = new URL(ctx.pgUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';

  // The extension activates with the first PG Tuner command (or a .sql file); the item appears then.
  await addThroughPalette(page, { url: url.toString() }, password, 'ui dev', 'development');
  await expectStatus(page, 'ui dev · development', false);

  await addThroughPalette(
    page,
    { host: url.hostname, port: url.port, database: 'postgres', user: 'postgres' },
    password,
    'ui prod',
    'production',
  );
  await expectStatus(page, 'ui prod · production', true);
  await page.screenshot({ path: path.join(ctx.screenshotDir, 'connections-production.png') });

  await runCommand(page, 'PG Tuner: Select Connection');
  await pick(page, 'ui dev');
  await expectStatus(page, 'ui dev · development', false);

  await runCommand(page, 'PG Tuner: Test Connection');
  await runCommand(page, 'PG Tuner: Select Connection');
  await pick(page, 'ui prod');
  await runCommand(page, 'PG Tuner: Test Connection');
  const messages = await notificationMessages(page, /Connected to "ui prod"/);
  for (const name of ['ui dev', 'ui prod']) {
    const connected = messages.find((m) => m.includes(`Connected to "${name}"`));
    assert.match(connected ?? `no message for ${name}`, /PostgreSQL 1\d.*user postgres \(superuser\), database postgres.*hypopg: /);
  }
  assert.ok(!messages.some((m) => m.includes(password)), 'no notification shows the password');

  // A wrong password: the error says so, and its "Set Password" button fixes it in place.
  const wrong = 'definitely-not-it';
  await addThroughPalette(page, { url: url.toString() }, wrong, 'ui wrong', 'staging');
  await expectStatus(page, 'ui wrong · staging', false);
  await runCommand(page, 'PG Tuner: Test Connection');
  const afterFailure = await notificationMessages(page, /Password authentication failed/);
  assert.ok(
    afterFailure.some((m) => /^Password authentication failed for postgres@127\.0\.0\.1:\d+\/postgres\./.test(m)),
    afterFailure.join(' | '),
  );
  assert.ok(!afterFailure.some((m) => m.includes(wrong)), 'the wrong password is not shown');
  await page
    .locator('.notifications-center .notification-list-item', { hasText: 'Password authentication failed' })
    .locator('.monaco-button', { hasText: 'Set Password' })
    .first()
    .click();
  await answerInput(page, /Kept in VS Code secret storage/, password);
  await notificationMessages(page, /Connected to "ui wrong"/);
};
