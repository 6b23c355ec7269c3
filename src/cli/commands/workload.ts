import { refuseOnProduction } from '../../core/advisor/measure';
import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { formatBytes } from '../../core/format';
import { GeneratedMigration } from '../../core/migrations/generate';
import { adviseWorkload } from '../../core/workload/adviseWorkload';
import { MeasurementSummary, measureWorkload, summaryOf, withTimes } from '../../core/workload/measure';
import { generateWorkloadMigrations } from '../../core/workload/migration';
import { parseBudget } from '../../core/workload/budget';
import { MAX_CODE_FILE_BYTES, parseWorkloadFile, readText, statementsFromCode, statementsFromSqlPaths } from '../../core/workload/inputs';
import { WorkloadInput, WorkloadReport, WorkloadStatement } from '../../core/workload/types';
import { Settings } from '../../core/settings/schema';
import { defineVerb } from '../runner';

const OPTIONS = {
  'from-stats': { type: 'boolean', default: false },
  file: { type: 'string', multiple: true },
  code: { type: 'string', multiple: true },
  workload: { type: 'string' },
  budget: { type: 'string' },
  'max-indexes': { type: 'string' },
  migration: { type: 'string' },
  'migration-per-index': { type: 'boolean', default: false },
  measure: { type: 'boolean', default: false },
  'statement-timeout': { type: 'string' },
  /** Read by openDatabase: the target gets a production profile's safeguards. */
  production: { type: 'boolean', default: false },
} as const;

/** `pgtuner workload`: the index set for a whole workload under a storage budget (the CLI contract; exit 0/1/2). */
export const workloadVerb = defineVerb({
  summary: 'advise the index set for a whole workload under a storage budget, verified as a set',
  usage: `pgtuner workload: the indexes a whole workload needs, under a storage budget, weighing the read cost each
saves (HypoPG what-if plans of every statement) against what it costs the writers; merged indexes that serve
several statements; unused non-unique indexes that cost writers proposed for dropping; the set verified together
and the budget curve. Statements are only planned (generic plans for $n), never run, in a transaction that is
rolled back. Exit 0 also when nothing is suggested, 1 when the verified set makes a statement worse, 2 for bad
input. Ctrl-C stops the statement on the server (exit 130).

  --from-stats [N]        the top N statements of pg_stat_statements by total time (default: the setting
                          pgtuner.workload.topStatements, 50); with --file/--code, a recorded statement found
                          there is planned with its constants (pg_stat_statements keeps none), else generically
  --file <path>…          SQL files or folders (every .sql under them); a "-- pgtuner: calls=N" comment
                          before a statement gives its weight (default 1). Repeat --file or list paths after it
  --code <path>…          SQL in the string and template literals of the JS/TS files under the folders
                          (node_modules, dist, out, build skipped; files over ${formatBytes(MAX_CODE_FILE_BYTES)} left out); \${expr}
                          becomes $n; a "// pgtuner: calls=N" comment before the literal gives its weight
  --workload <file.json>  { "statements": [ { "id"?, "sql", "calls"?, "params"?: [v…] | [[v…], …] } ] }
                          (one of --from-stats [with --file/--code], --file/--code, --workload)
  --budget <size|share>   storage the new indexes may take: 500MB, 2GB, or 10% of the database's size
                          (default: no limit)
  --max-indexes <n>       at most this many new indexes
  --migration <folder>    also write the set as a migration (and its .down) in the folder's convention: new
                          indexes built first, unused ones dropped after
  --migration-per-index   one migration per index and per drop instead of one for the set
  --measure               then build the set for real in a transaction that is rolled back and run every
                          statement with EXPLAIN ANALYZE without and with it (times, not estimates; each run
                          rolled back). Builds lock writers out of the tables: refused on production
  --statement-timeout <s> stop any one statement after this many seconds (default: the setting
                          pgtuner.statementTimeoutSeconds, 30); --measure leaves a statement stopped so unmeasured
  --production            treat the database as production: read-only transaction, no trial builds

Examples: pgtuner workload --db postgres://app@localhost/shop --from-stats 30 --budget 500MB --json
          pgtuner workload --file queries/ --budget 10%
          pgtuner workload --code src/ --file db/queries.sql
          pgtuner workload --workload ci/workload.json --max-indexes 5
          pgtuner workload --from-stats --budget 1GB --migration migrations/`,
  options: OPTIONS,
  settings(values): Partial<Settings> {
    const timeout = values['statement-timeout'];
    return timeout !== undefined ? { statementTimeoutSeconds: positiveInteger(timeout, '--statement-timeout') } : {};
  },
  input(values, positionals): WorkloadInput & MigrationOutput & { measure: boolean } {
    const workspace = !!values.file?.length || !!values.code?.length;
    // With --from-stats, --file/--code lend their constants to the recorded statements.
    const sources = [values['from-stats'] || workspace, values.workload !== undefined].filter(Boolean).length;
    if (sources !== 1)
      throw new PgTunerError(
        'BAD_INPUT',
        'Give the workload with exactly one of --from-stats [N] (with --file/--code lending constants), --file <path>… and/or --code <folder>…, or --workload <file.json>.',
      );
    const limits = {
      measure: values.measure,
      migration: values.migration !== undefined ? { directory: values.migration, perIndex: values['migration-per-index'] } : undefined,
      budget: values.budget !== undefined ? parseBudget(values.budget) : undefined,
      maxIndexes: values['max-indexes'] !== undefined ? positiveInteger(values['max-indexes'], '--max-indexes') : undefined,
    };
    if (values['from-stats']) {
      if (positionals.length > 1) throw new PgTunerError('BAD_INPUT', `Unexpected arguments: ${positionals.slice(1).join(' ')}`);
      const top = positionals.length ? positiveInteger(positionals[0], '--from-stats') : undefined;
      const sample = workspace ? workspaceStatements(values.file ?? [], values.code ?? []) : undefined;
      return { fromStats: true, top, workspace: sample?.statements, ...limits };
    }
    if (values.workload !== undefined) {
      if (positionals.length) throw new PgTunerError('BAD_INPUT', `Unexpected arguments: ${positionals.join(' ')}`);
      return { statements: parseWorkloadFile(readText(values.workload), values.workload), ...limits };
    }
    // Paths after the flags belong to --code when only --code is given, else to --file.
    const onlyCode = !values.file?.length && !!values.code?.length;
    const { statements, inputNotes } = workspaceStatements(
      onlyCode ? [] : [...(values.file ?? []), ...positionals],
      onlyCode ? [...values.code!, ...positionals] : (values.code ?? []),
    );
    return { statements, inputNotes, ...limits };
  },
  async run(db, input, run): Promise<WorkloadReport & { migrations: GeneratedMigration[]; measured?: Measured }> {
    // Before the search, not after it: a production target is refused at once.
    if (input.measure) refuseOnProduction(db.profile);
    const report = await adviseWorkload(db, input, run);
    const { migration } = input;
    const migrations =
      migration && (report.indexes.length || report.drops.length)
        ? await generateWorkloadMigrations({ ...migration, indexes: report.indexes, drops: report.drops })
        : [];
    if (!input.measure) return { ...report, migrations };
    if (!report.indexes.length) return { ...report, migrations, notes: [...report.notes, 'Nothing was measured: no index was chosen.'] };
    const m = await measureWorkload(db, { statements: report.statements, indexes: report.indexes }, run);
    // The statements not run go to the notes, as every other note of the report.
    const { notRun, ...measured } = summaryOf(m);
    return {
      ...report,
      statements: withTimes(report.statements, m),
      migrations,
      measured,
      notes: [...report.notes, ...notRun.map((t) => `${t.id} was not measured: ${t.note}`)],
    };
  },
  output(report, values, db) {
    const { budgetBytes, totalBytes, indexes, drops, statements, curve } = report;
    return {
      json: {
        budgetBytes,
        totalBytes,
        indexes: indexes.map(({ table, ddl, down, kinds, bytes, serves, writeCost, readBenefit, requires, reason }) => ({
          table,
          ddl,
          down,
          kinds,
          bytes,
          serves,
          writeCost,
          readBenefit,
          requires,
          reason,
        })),
        drops,
        statements,
        curve,
        worse: report.worse,
        search: report.search,
        notes: report.notes,
        migrations: report.migrations,
        ...(report.measured ? { measured: report.measured } : {}),
      },
      text: renderReport(report, describeProfile(db.profile)) + renderMigrations(report.migrations, values.migration),
      exitCode: report.worse.length ? 1 : 0,
    };
  },
});

/** --measure's totals: Σ calls × ms over the statements run on both sides, and the set's build time. */
type Measured = Omit<MeasurementSummary, 'notRun'>;

/** Where --migration writes the set. */
interface MigrationOutput {
  migration?: { directory: string; perIndex: boolean };
}

function renderMigrations(written: GeneratedMigration[], folder: string | undefined): string {
  if (folder === undefined) return '';
  if (!written.length) return `no migration written to ${folder}: nothing to create or drop\n`;
  return written.map((m) => `migration: ${[m.upPath, m.downPath].filter(Boolean).join(' and ')}\n`).join('');
}

/** The statements of SQL files/folders and of the JS/TS code under folders; none at all is bad input. */
function workspaceStatements(sqlPaths: string[], codePaths: string[]): { statements: WorkloadStatement[]; inputNotes?: string[] } {
  const code = statementsFromCode(codePaths);
  const statements = [...statementsFromSqlPaths(sqlPaths), ...code.statements];
  if (!statements.length) throw new PgTunerError('BAD_INPUT', `No SQL statement found in ${[...sqlPaths, ...codePaths].join(', ')}.`);
  const inputNotes = code.skipped.length
    ? [
        `Left out ${code.skipped.length} source file(s) over ${formatBytes(MAX_CODE_FILE_BYTES)} (bundles or generated code): ${code.skipped.join(', ')}.`,
      ]
    : undefined;
  return { statements, inputNotes };
}

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString('en-US')} ms`;

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PgTunerError('BAD_INPUT', `${flag} ${text}: give a whole number of at least 1.`);
  return n;
}

function renderReport(r: WorkloadReport & { measured?: Measured }, where: string): string {
  const cost = (n: number) => Math.round(n).toLocaleString('en-US');
  const before = r.statements.reduce((s, x) => s + x.calls * x.costBefore, 0);
  const after = r.statements.reduce((s, x) => s + x.calls * x.costAfter, 0);
  const lines = [
    `database: ${where}`,
    `workload: ${r.statements.length} statements, weighted cost ${cost(before)} → ${cost(after)}` +
      ` with ${r.indexes.length} index${r.indexes.length === 1 ? '' : 'es'} (${formatBytes(r.totalBytes)}` +
      `${r.budgetBytes !== null ? ` of a ${formatBytes(r.budgetBytes)} budget` : ''})`,
  ];
  if (!r.indexes.length) lines.push('no index suggested');
  r.indexes.forEach((ix, i) => {
    lines.push(
      '',
      `${i + 1}. ${ix.table} — ${ix.kinds.join(', ')}, ${formatBytes(ix.bytes)}`,
      ...ix.requires.map((q) => `   ${q}`),
      `   ${ix.ddl}`,
      `   down: ${ix.down}`,
      `   serves: ${ix.serves.join(', ') || '(none in the final plans)'}`,
      `   read cost saved ≈ ${cost(ix.readBenefit)}, write cost ≈ ${cost(ix.writeCost)}`,
      `   why: ${ix.reason}`,
    );
  });
  for (const d of r.drops) lines.push('', `drop ${d.index}`, `   ${d.ddl}`, `   down: ${d.down}`, `   why: ${d.reason}`);
  lines.push('', 'statements (weighted by calls):');
  for (const s of r.statements) {
    lines.push(
      `  ${s.id}: ${s.calls} calls, cost ${s.costBefore.toFixed(1)} → ${s.costAfter.toFixed(1)}` +
        (s.msBefore != null && s.msAfter != null ? `, measured ${ms(s.msBefore)} → ${ms(s.msAfter)}` : '') +
        (s.servedBy.length ? ` by ${s.servedBy.join(', ')}` : ''),
    );
  }
  if (r.measured) {
    const m = r.measured;
    lines.push(
      `measured (EXPLAIN ANALYZE, rolled back): weighted time ${ms(m.weightedMsBefore)} → ${ms(m.weightedMsAfter)}; building the set took ${ms(m.buildMs)}`,
      ...(m.slower.length ? [`SLOWER when measured with the set (the planner judged otherwise): ${m.slower.join(', ')}`] : []),
    );
  }
  if (r.worse.length) lines.push(`WORSE with the set: ${r.worse.join(', ')}`);
  lines.push('', 'budget curve (storage → weighted cost incl. index maintenance):');
  for (const p of r.curve) lines.push(`  ${formatBytes(p.budgetBytes).padStart(10)} → ${cost(p.cost)}`);
  const s = r.search;
  lines.push(
    '',
    `search: ${s.candidates} candidates, ${s.whatIfPlans} what-if plans, cache hit rate ${(s.cacheHitRate * 100).toFixed(0)}%, ${(s.ms / 1000).toFixed(1)} s` +
      (s.trialBuildMs ? ` (GIN trial builds ${(s.trialBuildMs / 1000).toFixed(1)} s)` : ''),
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
