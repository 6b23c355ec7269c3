/**
 * Helpers for UI checks (test/ui/*.ui.ts): each check exports `run(page, ctx)` and drives the real
 * workbench in headless Chromium (scripts/run-vscode-tests.js opens the window with the extension loaded).
 * Optional exports: `prepare(ctx)` runs before the window opens (write workspace files there), and
 * `workspaceTrust = 'restricted'` opens the folder in an untrusted (restricted mode) workbench.
 */
import type { Frame, Page } from 'playwright-core';

export interface UiContext {
  /** The folder open in this window (a fresh temp dir). */
  workspaceFolder: string;
  /** Superuser URL of the throwaway PostgreSQL. */
  pgUrl: string;
  /** Where screenshots go (test-artifacts/). */
  screenshotDir: string;
}

export type UiCheck = (page: Page, ctx: UiContext) => Promise<void>;

/** Monaco and the workbench render spaces as U+00A0; compare normalised text. */
export const normalise = (text: string | null): string => (text ?? '').replace(/\u00a0/g, ' ').trim();

const QUICK_INPUT = '.quick-input-widget';

/**
 * Runs a command through the command palette by its full title ("PG Tuner: Select Connection").
 * Retries for a while: a fresh window lists an extension's commands only once its extension host is up.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await page.locator(`${QUICK_INPUT} input`).waitFor({ state: 'visible' });
    await page.keyboard.type(title);
    const row = page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 5_000 });
      // Click rather than Enter: Enter runs whichever row has focus while the list is still filtering.
      await row.click();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * Opens a workspace file through Quick Open (Ctrl+P) and waits for its tab. Retries: a file
 * written moments ago may not be in the workbench's file search results yet.
 */
export async function quickOpen(page: Page, fileName: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Control+P');
    await page.locator(`${QUICK_INPUT} input`).waitFor({ state: 'visible' });
    await page.keyboard.type(fileName);
    const row = page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: fileName }).first();
    try {
      await row.waitFor({ timeout: 5_000 });
      await row.click();
      await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
}

/** Waits for the open input box to show `expected` (its prompt or placeholder), types `value` and accepts it. */
export async function answerInput(page: Page, expected: RegExp, value: string): Promise<void> {
  const widget = page.locator(QUICK_INPUT);
  await widget.filter({ hasText: expected }).or(widget.getByPlaceholder(expected)).first().waitFor({ state: 'visible' });
  await widget.locator('input').fill(value);
  await page.keyboard.press('Enter');
}

/** Picks the quick-pick row whose label contains `label`. */
export async function pick(page: Page, label: string): Promise<void> {
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/**
 * "PG Tuner: Add Connection" from the palette with a URL, a name, an environment and the
 * password; returns once the status bar shows it as the active connection (saving and selecting
 * finish after the last input closes).
 */
export async function addConnectionByUrl(page: Page, url: string, name: string, environment: string, password: string): Promise<void> {
  await runCommand(page, 'PG Tuner: Add Connection');
  await answerInput(page, /postgres:\/\/ URL, or the server host name/, url);
  await answerInput(page, /A name for this connection/, name);
  await pick(page, environment);
  await answerInput(page, /Password \(kept in VS Code secret storage/, password);
  await page
    .locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: `${name} · ${environment}` })
    .waitFor({ timeout: 15_000 });
}

/** The texts of the status bar entries. */
export async function statusBarTexts(page: Page): Promise<string[]> {
  const items = await page.locator('#workbench\\.parts\\.statusbar .statusbar-item').allTextContents();
  return items.map(normalise).filter(Boolean);
}

/**
 * The messages in the Notifications center. With the smoke-test driver enabled the workbench
 * shows no toasts, so open the center and read it there.
 */
export async function notificationMessages(page: Page, waitFor: RegExp): Promise<string[]> {
  await runCommand(page, 'Notifications: Show Notifications');
  const messages = page.locator('.notifications-center .notification-list-item-message');
  await messages.filter({ hasText: waitFor }).first().waitFor({ timeout: 30_000 });
  return (await messages.allTextContents()).map(normalise);
}

/** A PG Tuner webview's frame (the plan, workload … panels) once the text of its #app matches `text`. */
export async function panelFrame(page: Page, text: string | RegExp, timeoutMs = 90_000): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const body = await frame
        .locator('#app')
        .innerText({ timeout: 200 })
        .catch(() => '');
      if (typeof text === 'string' ? body.includes(text) : text.test(body)) return frame;
    }
    if (Date.now() > until) throw new Error(`no webview frame shows ${text}`);
    await page.waitForTimeout(500);
  }
}
