/**
 * One way every CLI verb runs: parse its arguments, open the database, run the engine with Ctrl-C
 * wired to cancel the statement on the server, print the result (JSON for machines, text for
 * people), close the pool, and turn the outcome into the exit code. Verbs only parse and format.
 */
import { ParseArgsConfig } from 'util';
import { Database } from '../core/db/database';
import { isUserInputError, PgTunerError } from '../core/errors';
import { Run } from '../core/run';
import { DEFAULT_SETTINGS, Settings } from '../core/settings/schema';
import { openDatabase, parseVerbArgs, printJson, TargetOptions } from './context';
import { CliVerb } from './verb';

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

type Values<O extends ParseArgsConfig['options']> = ReturnType<typeof parseVerbArgs<O>>['values'];

export interface VerbSpec<O extends ParseArgsConfig['options'], I, R> {
  summary: string;
  /** Every option of the verb with an example: what `pgtuner <verb> --help` prints. */
  usage: string;
  options: O;
  /** Arguments → the engine's input; throws BAD_INPUT (exit 2) before anything connects. */
  input(values: Values<O>, positionals: string[]): I;
  /** Settings the flags change (defaults otherwise). */
  settings?(values: Values<O>): Partial<Settings>;
  /** Inputs that need no database (e.g. migrate new): false opens none; run and output then receive undefined. */
  needsDatabase?(input: I): boolean;
  /** The engine call (db is undefined only when needsDatabase said false). */
  run(db: Database, input: I, run: Run): Promise<R>;
  /** The result for machines (--json) or people, and the exit code (default 0). */
  output(result: R, values: Values<O>, db: Database): { json: unknown; text: string; exitCode?: number };
}

/** Builds a CliVerb from a spec: the open-run-close, SIGINT and output glue lives only here. */
export function defineVerb<O extends ParseArgsConfig['options'], I, R>(spec: VerbSpec<O, I, R>): CliVerb {
  return {
    summary: spec.summary,
    usage: spec.usage,
    options: Object.keys(spec.options ?? {}),
    async run(argv) {
      const { values, positionals } = parseVerbArgs(argv, spec.options);
      const json = (values as { json?: boolean }).json === true;
      const input = spec.input(values, positionals);
      const settings: Settings = { ...DEFAULT_SETTINGS, ...spec.settings?.(values) };
      const db = ((spec.needsDatabase?.(input) ?? true) ? openDatabase(values as TargetOptions, settings) : undefined) as Database;
      const progress = progressWriter(json);
      const controller = new AbortController();
      const interrupt = () => {
        process.stderr.write('pgtuner: cancelling (the server stops the running statement) …\n');
        controller.abort();
        // A second Ctrl-C does not wait for the cancel to come back.
        process.once('SIGINT', () => process.exit(EXIT_INTERRUPTED));
      };
      process.once('SIGINT', interrupt);
      // `kill` and CI timeouts send SIGTERM: the same clean stop (child tools killed, partial files removed).
      process.once('SIGTERM', interrupt);
      try {
        const result = await spec.run(db, input, { signal: controller.signal, onProgress: progress.report, settings });
        progress.done();
        const out = spec.output(result, values, db);
        if (json) printJson(out.json);
        else process.stdout.write(out.text.endsWith('\n') ? out.text : out.text + '\n');
        return out.exitCode ?? 0;
      } catch (err) {
        progress.done();
        if (controller.signal.aborted) {
          process.stderr.write(`pgtuner: cancelled: ${err instanceof PgTunerError ? err.message : String(err)}\n`);
          return EXIT_INTERRUPTED;
        }
        throw err;
      } finally {
        process.removeListener('SIGINT', interrupt);
        process.removeListener('SIGTERM', interrupt);
        await db?.end();
      }
    },
  };
}

/**
 * Progress for people, on stderr: on a terminal each message replaces the last; in a log (CI)
 * each distinct message is written once. Nothing with --json, whose stdout is for machines.
 */
function progressWriter(json: boolean): { report?: (message: string) => void; done(): void } {
  if (json) return { done: () => undefined };
  const tty = !!process.stderr.isTTY;
  let last = '';
  return {
    report: (message) => {
      if (message === last) return;
      last = message;
      process.stderr.write(tty ? `\r\x1b[2K… ${message}` : `… ${message}\n`);
    },
    done: () => {
      if (tty && last) process.stderr.write('\r\x1b[2K');
      last = '';
    },
  };
}

/** For main.ts: the exit code of an error a verb threw. */
export function exitCodeOf(err: unknown): number {
  return isUserInputError(err) ? 2 : 1;
}
