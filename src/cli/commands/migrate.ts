import * as path from 'path';
import { Database } from '../../core/db/database';
import { PgTunerError } from '../../core/errors';
import { GeneratedMigration, generateBlankMigration } from '../../core/migrations/generate';
import { applyPending, ApplyResult, MigrationFailure, MigrationRun, rollback, RollbackResult } from '../../core/migrations/runner';
import { migrationStatus, MigrationStatus, trackingLabel } from '../../core/migrations/status';
import { Run } from '../../core/run';
import { DEFAULT_SETTINGS, Settings } from '../../core/settings/schema';
import { defineVerb } from '../runner';

const SUBCOMMANDS = ['new', 'up', 'down', 'status'] as const;

type MigrateInput =
  | { subcommand: 'new'; directory: string; name: string }
  | { subcommand: 'up' | 'status'; directory: string }
  | { subcommand: 'down'; directory: string; steps: number };

type MigrateResult =
  | { subcommand: 'new'; created: GeneratedMigration }
  | { subcommand: 'up'; result: ApplyResult }
  | { subcommand: 'down'; result: RollbackResult }
  | { subcommand: 'status'; status: MigrationStatus };

const SUMMARY = `migrations: ${SUBCOMMANDS.join(' | ')}  (--dir <folder> [--name <text>] [--steps N] [--tracking-schema <schema>])`;

/**
 * `pgtuner migrate new|up|down|status --dir <folder>`: new writes a blank migration in the
 * folder's convention (no database needed); up applies pending ones, down rolls back --steps
 * (default 1), status lists applied / pending / changed. A failed migration exits 1.
 */
export const migrateVerb = defineVerb({
  summary: SUMMARY,
  usage: `pgtuner migrate new|up|down|status: migration files in the folder's own convention, applied and rolled back with checksums.
A failed migration exits 1 (the JSON says which and where). Ctrl-C stops the running migration on the server; it is not
recorded as applied (exit 130).

  new                         write a blank migration and its down in --dir (no database needed); needs --name
  up                          apply every pending migration, in version order
  down                        roll back the newest --steps applied migrations with their down SQL
  status                      list applied, pending and changed migrations
  --dir <folder>              the migrations folder (default ./${DEFAULT_SETTINGS['migrations.directory']})
  --name <text>               new: what the migration does
  --steps N                   down: how many to roll back, newest first (default 1)
  --tracking-schema <schema>  the schema of the schema_migrations table (default ${DEFAULT_SETTINGS['migrations.trackingSchema']})

Examples: pgtuner migrate new --dir db/migrations --name "add orders status"
          pgtuner migrate up --db postgres://app@localhost/shop --dir db/migrations --json
          pgtuner migrate down --dir db/migrations --steps 2 --tracking-schema pgtuner
          pgtuner migrate status --connection staging --dir db/migrations`,
  options: {
    dir: { type: 'string', default: DEFAULT_SETTINGS['migrations.directory'] },
    name: { type: 'string' },
    steps: { type: 'string', default: '1' },
    'tracking-schema': { type: 'string' },
  },
  input(values, positionals): MigrateInput {
    const subcommand = positionals[0];
    if (positionals.length !== 1)
      throw new PgTunerError('BAD_INPUT', `usage: pgtuner migrate ${SUBCOMMANDS.join('|')} --dir <folder> (see pgtuner migrate --help)`);
    const directory = path.resolve(values.dir);
    switch (subcommand) {
      case 'new':
        if (!values.name) throw new PgTunerError('BAD_INPUT', 'pgtuner migrate new needs --name "what it does".');
        return { subcommand, directory, name: values.name };
      case 'down':
        return { subcommand, directory, steps: Number(values.steps) };
      case 'up':
      case 'status':
        return { subcommand, directory };
      default:
        throw new PgTunerError('BAD_INPUT', `usage: pgtuner migrate ${SUBCOMMANDS.join('|')} --dir <folder> (not "${subcommand}")`);
    }
  },
  settings: (values): Partial<Settings> =>
    values['tracking-schema'] === undefined ? {} : { 'migrations.trackingSchema': values['tracking-schema'] },
  needsDatabase: (input) => input.subcommand !== 'new',
  run: runMigrate,
  output(outcome: MigrateResult) {
    switch (outcome.subcommand) {
      case 'new':
        return { json: outcome.created, text: [outcome.created.upPath, outcome.created.downPath].filter(Boolean).join('\n') };
      case 'status':
        return { json: outcome.status, text: formatStatus(outcome.status) };
      case 'up':
        return {
          json: outcome.result,
          text: formatRuns('applied', outcome.result.applied, outcome.result.failed),
          exitCode: outcome.result.failed ? 1 : 0,
        };
      case 'down':
        return {
          json: outcome.result,
          text: formatRuns('rolled back', outcome.result.rolledBack, outcome.result.failed),
          exitCode: outcome.result.failed ? 1 : 0,
        };
    }
  },
});

/** `db` is undefined for new (needsDatabase), which only writes files. */
async function runMigrate(db: Database | undefined, input: MigrateInput, run: Run): Promise<MigrateResult> {
  if (input.subcommand === 'new') return { subcommand: 'new', created: await generateBlankMigration(input) };
  const database = db as Database;
  switch (input.subcommand) {
    case 'up':
      return { subcommand: 'up', result: await applyPending(database, input, run) };
    case 'down':
      return { subcommand: 'down', result: await rollback(database, input, run) };
    case 'status':
      return { subcommand: 'status', status: await migrationStatus(database, input, run) };
  }
}

function formatRuns(verb: string, runs: MigrationRun[], failed: MigrationFailure | undefined): string {
  const lines = runs.map((r) => `${verb} ${r.name} (${r.executionMs} ms${r.transactional ? '' : ', outside a transaction'})`);
  if (runs.length === 0 && !failed) lines.push(verb === 'applied' ? 'nothing to apply: the database is up to date' : 'nothing rolled back');
  if (failed) lines.push(`FAILED ${failed.name}${failed.line ? ` at ${failed.file}:${failed.line}` : ''}: ${failed.message}`);
  return lines.join('\n');
}

function formatStatus(status: MigrationStatus): string {
  const lines = [`${status.directory}: ${status.conventionLabel}; tracking table ${trackingLabel(status)}`];
  for (const e of status.entries) {
    const when = e.appliedAt ? ` ${e.appliedAt} (${e.executionMs} ms)` : '';
    lines.push(`${e.state.padEnd(12)} ${e.name}${when}${e.hasDown || e.state === 'missing-file' ? '' : '  [no down]'}`);
  }
  if (status.entries.length === 0) lines.push('no migrations yet');
  for (const p of status.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
