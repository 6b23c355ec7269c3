import * as vscode from 'vscode';
import { describeServerInfo, readServerInfo, ServerInfo } from '../../core/db/serverInfo';
import { PgTunerError, PgTunerErrorCode } from '../../core/errors';
import type { Runner } from '../runner';
import type { ConnectionManager } from './connectionManager';
import { ConnectionEntry, isEditable } from '../../core/db/connectionCatalog';

/** What pgtuner.testConnection returns (and shows): the server facts, or the error's code and message. */
export type ConnectionTestResult =
  { ok: true; name: string; info: ServerInfo; summary: string } | { ok: false; name: string; code: PgTunerErrorCode; message: string };

/**
 * Connects, reads server version, user, database and the tuning extensions, and tells the user;
 * after a wrong password offers to set it. Cancelling stops the test (reported by the runner).
 */
export async function testConnection(
  manager: ConnectionManager,
  entry: ConnectionEntry,
  runner: Runner,
  log: vscode.LogOutputChannel,
): Promise<ConnectionTestResult> {
  const result = await runner.withProgress(vscode.l10n.t('PG Tuner: testing "{0}"…', entry.name), (run) =>
    runTest(manager, entry, run.signal),
  );
  if (result.ok) {
    log.info(`test of "${entry.name}" succeeded: ${result.summary}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Connected to "{0}": {1}', entry.name, result.summary));
  } else {
    log.error(`test of "${entry.name}" failed (${result.code}): ${result.message}`);
    const canSetPassword = result.code === 'AUTH_FAILED' && isEditable(entry);
    void vscode.window.showErrorMessage(result.message, ...(canSetPassword ? ['Set Password'] : [])).then(async (choice) => {
      if (choice !== 'Set Password') return;
      const password = await vscode.window.showInputBox({
        title: vscode.l10n.t('Password for "{0}"', entry.name),
        prompt: vscode.l10n.t('Kept in VS Code secret storage'),
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return;
      await manager.setPassword(entry, password);
      await testConnection(manager, entry, runner, log).catch((err: unknown) => runner.report('Test Connection', err));
    });
  }
  return result;
}

/** The test's outcome as data; only a cancel is thrown. */
async function runTest(manager: ConnectionManager, entry: ConnectionEntry, signal?: AbortSignal): Promise<ConnectionTestResult> {
  try {
    const info = await manager.database(entry).withSession(readServerInfo, signal);
    return { ok: true, name: entry.name, info, summary: describeServerInfo(info).join(' · ') };
  } catch (err) {
    // The Database already turned driver errors into PgTunerErrors with the password scrubbed.
    if (err instanceof PgTunerError && err.code === 'CANCELLED') throw err;
    if (err instanceof PgTunerError) return { ok: false, name: entry.name, code: err.code, message: err.message };
    return {
      ok: false,
      name: entry.name,
      code: 'INTERNAL',
      message: `Unexpected error while testing "${entry.name}": ${(err as Error)?.message ?? err}`,
    };
  }
}
