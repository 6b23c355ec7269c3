import * as vscode from 'vscode';
import { PgTunerError } from '../core/errors';

/**
 * Registers a command whose failures become a message (error, or information for a cancellation)
 * and a log line instead of an unhandled rejection; the command then returns undefined.
 * `after` runs however the command ended (e.g. to refresh a view).
 */
export function registerGuardedCommand<A, R>(log: vscode.LogOutputChannel, id: string, run: (arg: A) => Promise<R>, after?: () => void): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg: A) => {
    try {
      return await run(arg);
    } catch (err) {
      const message = err instanceof PgTunerError ? err.message : `Unexpected error: ${(err as Error)?.message ?? err}`;
      if (err instanceof PgTunerError && err.code === 'CANCELLED') {
        log.info(`${id}: ${message}`);
        void vscode.window.showInformationMessage(message);
      } else {
        log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(message);
      }
      return undefined;
    } finally {
      after?.();
    }
  });
}
