import * as fs from 'fs';
import * as path from 'path';
import { backupDatabase, readServerFacts, serverIdentity } from '../../core/backup/backup';
import { BackupKeyring, fileKeyring } from '../../core/backup/keys';
import { listBackups, newestBackup } from '../../core/backup/listing';
import { DumpFormat } from '../../core/backup/manifest';
import { ToolProgress } from '../../core/backup/progress';
import { RestoreTestResult, restoreTest } from '../../core/backup/restoreTest';
import { VerificationQuery } from '../../core/backup/verify';
import { Database } from '../../core/db/database';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatSeconds } from '../../core/format';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';

const BACKUP_OPTIONS = {
  out: { type: 'string', default: 'backups' },
  format: { type: 'string', default: 'custom' },
  jobs: { type: 'string' },
  tools: { type: 'string' },
  keep: { type: 'string' },
  'max-age-days': { type: 'string' },
} as const;

const RESTORE_TEST_OPTIONS = {
  dir: { type: 'string', default: 'backups' },
  jobs: { type: 'string' },
  tools: { type: 'string' },
  'keep-scratch': { type: 'boolean', default: false },
  queries: { type: 'string' },
  'trust-unsigned': { type: 'boolean', default: false },
} as const;

/**
 * The CLI's manifest key: $XDG_CONFIG_HOME/pgtuner/backup-hmac.key (default ~/.config/…), mode
 * 0600, created by the first backup. Never in the workspace or the backup folder.
 */
const cliKeys = (): BackupKeyring => fileKeyring();

/** `pgtuner backup --out <folder>`: a checksummed, manifest-described pg_dump; Ctrl-C cancels and cleans up. */
export const backupVerb: CliVerb = {
  summary: 'pg_dump with checksum and manifest  (--out <folder> [--format custom|directory] [--jobs N] [--keep N] [--max-age-days N] [--tools <dir>])',
  async run(argv) {
    const { values } = parseVerbArgs(argv, BACKUP_OPTIONS);
    if (values.format !== 'custom' && values.format !== 'directory') throw new PgTunerError('BAD_INPUT', `--format must be custom or directory, not "${values.format}".`);
    const db = openDatabase(values);
    const cancel = cancelOnInterrupt();
    try {
      const result = await backupDatabase(db, {
        directory: path.resolve(values.out),
        format: values.format as DumpFormat,
        jobs: positiveInt(values.jobs, '--jobs'),
        tools: values.tools ? { toolsDirectory: values.tools } : undefined,
        retention: { keep: positiveInt(values.keep, '--keep'), maxAgeDays: positiveInt(values['max-age-days'], '--max-age-days') },
        keys: cliKeys(),
        signal: cancel.signal,
        onProgress: values.json ? undefined : progressPrinter(),
      });
      const rows = result.manifest.tables.reduce((s, t) => s + t.rows, 0);
      if (values.json) printJson(result);
      else {
        process.stdout.write([
          `backup ${result.dumpPath}`,
          `  ${result.manifest.tables.length} tables, ${rows} rows, ${formatBytes(result.manifest.sizeBytes)}, ${formatSeconds(result.manifest.durationMs / 1000)} (pg_dump ${result.manifest.pgDumpVersion}, server ${result.manifest.server.version})`,
          `  checksum ${result.checksumPath}`,
          `  manifest ${result.manifestPath}`,
          ...result.deleted.map((d) => `  retention removed ${d}`),
        ].join('\n') + '\n');
      }
      return 0;
    } finally {
      cancel.dispose();
      await db.end();
    }
  },
};

/** `pgtuner restore-test [file]`: restores into a scratch database and checks it against the manifest; exit 1 when a check fails. */
export const restoreTestVerb: CliVerb = {
  summary: 'restore a backup into a scratch database and verify it  ([file] or newest trusted in --dir; [--jobs N] [--keep-scratch] [--queries <json>] [--trust-unsigned])',
  async run(argv) {
    const { values, positionals } = parseVerbArgs(argv, RESTORE_TEST_OPTIONS);
    if (positionals.length > 1) throw new PgTunerError('BAD_INPUT', 'usage: pgtuner restore-test [file] [--dir <folder>] [--jobs N] [--keep-scratch] [--queries <file.json>] [--trust-unsigned] [--json]');
    const keys = cliKeys();
    const trustUnsigned = values['trust-unsigned'];
    if (positionals[0] && !fs.existsSync(path.resolve(positionals[0]))) throw new PgTunerError('BAD_INPUT', `${path.resolve(positionals[0])} does not exist.`);
    const db = openDatabase(values);
    const cancel = cancelOnInterrupt();
    try {
      const dumpPath = positionals[0] ? path.resolve(positionals[0]) : await newestInFolder(db, path.resolve(values.dir), keys, trustUnsigned);
      const result = await restoreTest(db, dumpPath, {
        keys,
        trustUnsigned,
        jobs: positiveInt(values.jobs, '--jobs'),
        tools: values.tools ? { toolsDirectory: values.tools } : undefined,
        keepScratch: values['keep-scratch'],
        verificationQueries: values.queries ? readQueries(values.queries) : undefined,
        signal: cancel.signal,
        onProgress: values.json ? undefined : progressPrinter(),
      });
      if (values.json) printJson(result);
      else process.stdout.write(formatRestoreTest(result));
      return result.ok ? 0 : 1;
    } finally {
      cancel.dispose();
      await db.end();
    }
  },
};

function formatRestoreTest(r: RestoreTestResult): string {
  const lines = [`${r.ok ? 'PASSED' : 'FAILED'} ${r.dumpPath}`, `  ${r.message}`];
  if (r.restoreMs !== undefined) lines.push(`  restore time (RTO) ${formatSeconds(r.restoreMs / 1000)}, total ${formatSeconds(r.totalMs / 1000)}`);
  for (const c of r.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (r.scratchKept && r.scratchDatabase) lines.push(`  scratch database kept: ${r.scratchDatabase}`);
  return lines.join('\n') + '\n';
}

/**
 * The newest trusted backup in `dir` (authenticated, not future-dated), of one server and
 * database: with several in the folder, the one of the --db connection when it is among them.
 * Newer backups passed over are named on stderr.
 */
async function newestInFolder(db: Database, dir: string, keys: BackupKeyring, trustUnsigned: boolean): Promise<string> {
  const entries = await listBackups(dir, { keys });
  const facts = await db.withSession(readServerFacts);
  const { entry, skipped } = newestBackup(entries, dir, { trustUnsigned, prefer: serverIdentity(db, facts) });
  for (const s of skipped) process.stderr.write(`skipped ${s.dumpPath}: ${s.trust.problems.join('; ')}\n`);
  return entry.dumpPath;
}

function readQueries(file: string): VerificationQuery[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `--queries ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((q) => q && typeof q.sql === 'string' && 'expected' in q)) {
    throw new PgTunerError('BAD_INPUT', `--queries ${file} must hold a JSON array of {"sql": "...", "expected": ...}.`);
  }
  return parsed as VerificationQuery[];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new PgTunerError('BAD_INPUT', `${flag} must be a whole number ≥ 0, not "${value}".`);
  return n;
}

/** Ctrl-C stops pg_dump / pg_restore and lets the engine remove partial files before exiting. */
function cancelOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, dispose: () => (process.off('SIGINT', onSignal), process.off('SIGTERM', onSignal)) };
}

function progressPrinter(): (p: ToolProgress) => void {
  let last = '';
  return (p) => {
    const line = `${p.phase} ${p.tablesDone}/${p.tablesTotal}${p.table ? ` ${p.table}` : ''}`;
    if (line !== last) process.stderr.write(line + '\n');
    last = line;
  };
}
