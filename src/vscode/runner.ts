/**
 * How every editor command runs long work: a cancellable progress notification whose Cancel
 * (or "PG Tuner: Cancel Running Operations") stops the statement on the server, the settings read
 * once, and failures shown the same way everywhere — a cancel as information, an error as an
 * error message with "Show Log".
 */
import * as vscode from 'vscode';
import { ConnectionLostError } from '../core/db/connectionErrors';
import { PgTunerError } from '../core/errors';
import { Run } from '../core/run';
import { readSettings } from './config';

export class Runner implements vscode.Disposable {
  private readonly running = new Set<AbortController>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Runs `work` under a cancellable notification titled `title`; resolves or rejects as it does. */
  async withProgress<T>(title: string, work: (run: Run) => Promise<T>, resource?: vscode.Uri): Promise<T> {
    const controller = new AbortController();
    this.running.add(controller);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const subscription = token.onCancellationRequested(() => controller.abort());
          // VS Code's bar takes increments; the engine reports how much is done.
          let shown = 0;
          const onProgress = (message: string, fraction?: number) => {
            const increment = fraction === undefined ? undefined : Math.max(0, Math.min(1, fraction) * 100 - shown);
            shown += increment ?? 0;
            progress.report({ message, increment });
          };
          try {
            return await work({ signal: controller.signal, onProgress, settings: readSettings(this.log, resource) });
          } finally {
            subscription.dispose();
          }
        },
      );
    } finally {
      this.running.delete(controller);
    }
  }

  /** Stops every running operation (the server cancels its statements); returns how many. */
  cancelAll(): number {
    for (const c of this.running) c.abort();
    return this.running.size;
  }

  /**
   * Shows a failure: a cancel as information, anything else as an error with "Show Log" (the log
   * has the details). Returns the message shown.
   */
  report(title: string, err: unknown): string {
    // A lost connection names the command itself ("… closed the connection during "Explain"").
    const lost = err instanceof ConnectionLostError;
    const message = lost
      ? err.during(`"${title}"`)
      : err instanceof PgTunerError
        ? err.message
        : `Unexpected error: ${(err as Error)?.message ?? err}`;
    if (err instanceof PgTunerError && err.code === 'CANCELLED') {
      this.log.info(`${title}: ${message}`);
      void vscode.window.showInformationMessage(message);
    } else {
      const shown = lost ? message : `${title}: ${message}`;
      this.log.error(`${shown}${err instanceof Error && !(err instanceof PgTunerError) && err.stack ? `\n${err.stack}` : ''}`);
      void vscode.window.showErrorMessage(shown, 'Show Log').then((choice) => {
        if (choice === 'Show Log') this.log.show();
      });
    }
    return message;
  }

  dispose(): void {
    this.cancelAll();
  }
}

/** One entry of the command table: the title failures are reported under, and the handler. */
export interface Command {
  title: string;
  /** Returns what tests and scripts read; a throw is reported by the runner and becomes undefined. */
  run: (arg: never) => unknown;
  /** Runs however the command ended (e.g. to refresh a view). */
  after?: () => void;
}

/**
 * Registers every command of the table. A handler that throws has its failure reported by the
 * runner and returns undefined; `after` runs however it ended (e.g. to refresh a view).
 */
export function registerCommandTable(context: vscode.ExtensionContext, runner: Runner, table: Record<string, Command>): void {
  for (const [id, command] of Object.entries(table)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (arg: unknown) => {
        try {
          return await command.run(arg as never);
        } catch (err) {
          runner.report(command.title, err);
          return undefined;
        } finally {
          command.after?.();
        }
      }),
    );
  }
}
