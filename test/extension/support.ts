/**
 * Helpers for extension-tier tests (they run inside the real extension host). The launcher
 * starts a throwaway PostgreSQL and passes its superuser URL as PGTUNER_TEST_PG_URL.
 */
import * as vscode from 'vscode';
import { Client } from 'pg';
import { Environment } from '../../src/core/db/profile';
import { queryUrl } from '../support/sql';

export const EXTENSION_ID = 'pgtuner.pgtuner';

const AVAILABLE_EXTENSIONS_SQL = `SELECT name FROM pg_available_extensions WHERE name = ANY($1)`;
let counter = 0;

/** The superuser URL of the throwaway cluster. */
export function testServerUrl(): string {
  const url = process.env.PGTUNER_TEST_PG_URL;
  if (!url) throw new Error('PGTUNER_TEST_PG_URL is not set: run the extension tier through scripts/run-vscode-tests.js');
  return url;
}

/** The same server URL with another database (and optionally user/password). */
export function urlFor(database: string, user?: string, password?: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${encodeURIComponent(database)}`;
  if (user !== undefined) url.username = encodeURIComponent(user);
  if (password !== undefined) url.password = encodeURIComponent(password);
  return url.toString();
}

/** Runs SQL as the superuser on one database of the test cluster. */
export async function adminSql(database: string, sql: string): Promise<void> {
  await queryUrl(urlFor(database), sql);
}

/**
 * A new empty database on the test cluster, with `extensions` created in it (default: pg_trgm,
 * and hypopg when the server has it). Returns its superuser URL (password included, sslmode=disable).
 */
export async function freshDatabaseUrl(extensions?: string[]): Promise<string> {
  const name = `ext_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  let wanted = extensions;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    if (!wanted) {
      const available = await admin.query<{ name: string }>(AVAILABLE_EXTENSIONS_SQL, [['pg_trgm', 'hypopg']]);
      wanted = available.rows.map((r) => r.name).sort((a, b) => (a === 'pg_trgm' ? -1 : b === 'pg_trgm' ? 1 : 0));
    }
  } finally {
    await admin.end();
  }
  for (const ext of wanted) await adminSql(name, `CREATE EXTENSION IF NOT EXISTS "${ext}"`);
  return urlFor(name);
}

export async function activateExtension(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this host`);
  await ext.activate();
}

/**
 * Adds a connection profile for `url` through pgtuner.addConnection's argument form (the
 * password goes to secret storage) and makes it the active connection.
 */
export async function useConnection(url: string, environment: Environment = 'development'): Promise<void> {
  await activateExtension();
  const database = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  const name = `${database} (${environment})`;
  await vscode.commands.executeCommand('pgtuner.addConnection', { name, url, environment });
  await vscode.commands.executeCommand('pgtuner.selectConnection', { name });
}

/** The database name in a postgres:// URL. */
export const databaseOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

export { queryUrl as queryRows } from '../support/sql';

/** Polls `probe` until it returns a value: views and settings update asynchronously. */
export async function eventually<T>(what: string, probe: () => T | undefined | PromiseLike<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const originalWarning = vscode.window.showWarningMessage;

/**
 * Stands in for the user on modal warnings (until restoreModals): every modal question gets
 * `answer`; returns the questions asked, each as its message, a newline and its detail.
 */
export function answerModals(answer: string | undefined): string[] {
  const asked: string[] = [];
  (vscode.window as { showWarningMessage: unknown }).showWarningMessage = (message: string, ...rest: unknown[]) => {
    const options = rest[0] as vscode.MessageOptions | undefined;
    if (typeof options === 'object' && options?.modal) {
      asked.push(`${message}\n${options.detail ?? ''}`);
      return Promise.resolve(answer);
    }
    return (originalWarning as (...a: unknown[]) => Thenable<unknown>)(message, ...rest);
  };
  return asked;
}

export function restoreModals(): void {
  (vscode.window as { showWarningMessage: unknown }).showWarningMessage = originalWarning;
}
