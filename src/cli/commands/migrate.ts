import * as path from 'path';
import { PgTunerError } from '../../core/errors';
import { whileWatchingBlockers } from '../../core/migrations/blockers';
import { generateBlankMigration } from '../../core/migrations/generate';
import { applyPending, ApplyResult, MigrationFailure, MigrationRun, rollback, RollbackResult, RunnerOptions } from '../../core/migrations/runner';
import { DEFAULT_TRACKING_SCHEMA, migrationStatus, MigrationStatus } from '../../core/migrations/status';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';

const SUBCOMMANDS = ['new', 'up', 'down', 'status'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const OPTIONS = {
  dir: { type: 'string', default: 'migrations' },
  name: { type: 'string' },
  steps: { type: 'string', default: '1' },
  'tracking-schema': { type: 'string', default: DEFAULT_TRACKING_SCHEMA },
} as const;

const USAGE = `usage: pgtuner migrate ${SUBCOMMANDS.join('|')} --dir <folder> [--name <name>] [--steps N] [--tracking-schema <schema>] [--json]`;

/**
 * `pgtuner migrate new|up|down|status --dir <folder>`: new writes a blank migration in the
 * folder's convention (no database needed); up applies pending ones, down rolls back --steps
 * (default 1), status lists applied / pending / changed. A failed migration exits 1.
 */
export const migrateVerb: CliVerb = {
  summary: 'migrations: new | up | down [--steps N] | status  (--dir <folder>)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseVerbArgs(argv, OPTIONS);
    const sub = positionals[0] as Subcommand | undefined;
    if (!sub || !SUBCOMMANDS.includes(sub) || positionals.length > 1) throw new PgTunerError('BAD_INPUT', USAGE);
    const dir = path.resolve(values.dir);
    if (sub === 'new') {
      if (!values.name) throw new PgTunerError('BAD_INPUT', 'pgtuner migrate new needs --name "what it does".');
      const created = await generateBlankMigration(dir, values.name);
      if (values.json) printJson(created);
      else process.stdout.write([created.upPath, created.downPath].filter(Boolean).join('\n') + '\n');
      return 0;
    }
    const steps = Number(values.steps);
    // Progress (lock waits, sessions a concurrent index build waits for) goes to stderr, so --json stdout stays clean.
    const onProgress = (message: string) => process.stderr.write(message + '\n');
    const options: RunnerOptions = { trackingSchema: values['tracking-schema'], onProgress };
    const db = openDatabase(values);
    try {
      return await db.withSession(async (session) => {
        if (sub === 'status') {
          const status = await migrationStatus(session, dir, options.trackingSchema);
          if (values.json) printJson(status);
          else process.stdout.write(formatStatus(status));
          return 0;
        }
        const result = await whileWatchingBlockers<ApplyResult | RollbackResult>(db, session, onProgress, () =>
          sub === 'up' ? applyPending(session, dir, options) : rollback(session, dir, steps, options));
        const done = 'applied' in result ? result.applied : result.rolledBack;
        if (values.json) printJson(result);
        else process.stdout.write(formatRuns(sub === 'up' ? 'applied' : 'rolled back', done, result.failed));
        return result.failed ? 1 : 0;
      });
    } finally {
      await db.end();
    }
  },
};

function formatRuns(verb: string, runs: MigrationRun[], failed: MigrationFailure | undefined): string {
  const lines = runs.map((r) => `${verb} ${r.name} (${r.executionMs} ms${r.transactional ? '' : ', outside a transaction'})`);
  if (runs.length === 0 && !failed) lines.push(verb === 'applied' ? 'nothing to apply: the database is up to date' : 'nothing rolled back');
  if (failed) lines.push(`FAILED ${failed.name}${failed.line ? ` at ${failed.file}:${failed.line}` : ''}: ${failed.message}`);
  return lines.join('\n') + '\n';
}

function formatStatus(status: MigrationStatus): string {
  const lines = [`${status.directory}: ${status.conventionLabel}; tracking table ${status.trackingTable}`];
  for (const e of status.entries) {
    const when = e.appliedAt ? ` ${e.appliedAt} (${e.executionMs} ms)` : '';
    lines.push(`${e.state.padEnd(12)} ${e.name}${when}${e.hasDown || e.state === 'missing-file' ? '' : '  [no down]'}`);
  }
  if (status.entries.length === 0) lines.push('no migrations yet');
  for (const p of status.problems) lines.push(`problem: ${p}`);
  return lines.join('\n') + '\n';
}
