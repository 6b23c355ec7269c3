import { randomBytes } from 'crypto';
import { createWriteStream } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { Database, Session } from '../db/database';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { checksumDump, formatChecksums } from './checksum';
import { libpqEnvironment, runTool } from './childProcess';
import { countRows, listConstraints, listIndexes, listSequences, listTables } from './inventory';
import { Encryption, describeEncryption, encryptingStream, encryptionOf } from './encryption';
import { BackupKeyring } from './keys';
import { BackupManifest, DumpFormat, companionPaths, signManifest, writeFileAtomic, writeManifest } from './manifest';
import { DUMP_SUFFIX, backupBaseName, lockFileName, partialDumpName } from './naming';
import { ToolProgress, reportTo, tableCounter } from './progress';
import { UploadResult, applyRemoteRetention, uploadBackup } from './remote';
import { applyRetention, retentionOf } from './retention';
import { readBackupSource } from './source';
import { BackupTools, discoverTools, jobsOf, toolSearchOf } from './tools';

/** What to back up into; everything else comes from the settings (pgtuner.backup.*). */
export interface BackupInput {
  /** Folder the backup goes into (created when missing). */
  directory: string;
  /** Signs the manifest (HMAC). Without keys the manifest is unsigned and retention does nothing. */
  keys?: BackupKeyring;
  /** The passphrase when pgtuner.backup.encryption is "passphrase" (secret storage or an environment variable; never a setting). */
  passphrase?: string;
  /** pg_dump's pid once it runs (tests read /proc/<pid>). */
  onToolSpawn?: (pid: number) => void;
  now?: () => Date;
}

export interface BackupResult {
  dumpPath: string;
  checksumPath: string;
  manifestPath: string;
  manifest: BackupManifest;
  /** Older backups removed by the retention policy. */
  deleted: string[];
  /** The off-site copy (pgtuner.backup.s3.uploadAfterBackup), or why it failed: the local backup stands either way. */
  uploaded?: UploadResult;
  /** Remote copies removed by the retention policy. */
  deletedRemote?: string[];
  uploadError?: string;
}

// Counting runs beside pg_dump, which has its own timeout-free session: no statement or idle
// timeout while the snapshot must stay open, and no parallel workers, so counting takes one core
// and leaves pg_dump its own. One statement per message (sessions use the extended protocol).
const SNAPSHOT_SETTINGS_SQL = [
  'SET LOCAL statement_timeout = 0',
  'SET LOCAL idle_in_transaction_session_timeout = 0',
  'SET LOCAL max_parallel_workers_per_gather = 0',
] as const;
const EXPORT_SNAPSHOT_SQL = 'SELECT pg_export_snapshot() AS snapshot';

/**
 * Dumps the database of `db` into `<directory>/<db>-<UTC stamp>.dump` with its .sha256 and
 * manifest (pgtuner.backup.format, jobs, toolsDirectory), then applies the retention settings to
 * this server's and database's backups in the folder. The dump is written under a hidden
 * temporary name and renamed only after the checksum and manifest exist, so a crash or a cancel
 * never leaves a ".dump" that looks complete.
 */
export async function backupDatabase(db: Database, input: BackupInput, run: Run): Promise<BackupResult> {
  const { signal, settings } = run;
  const format = settings['backup.format'] as DumpFormat;
  const now = input.now ?? (() => new Date());
  const onProgress = reportTo(run.onProgress);
  let startedAt = now();
  await fs.mkdir(input.directory, { recursive: true });
  // A bad key file or a missing passphrase must stop the backup before pg_dump runs, not after.
  const signingKey = await input.keys?.signingKey();
  const encryption = await encryptionOf(settings, input.passphrase);
  if (encryption && format !== 'custom')
    throw new PgTunerError('BAD_INPUT', 'Only the custom format (one file) can be encrypted; set pgtuner.backup.format to "custom".');

  let partialPath: string | undefined;
  let lockPath: string | undefined;
  try {
    const dumped = await db.withSession(async (session) => {
      const source = await readBackupSource(db, session);
      const { database } = source.identity;
      const tools = await discoverTools(source.versionNum, toolSearchOf(settings));
      let base = backupBaseName(database, startedAt);
      lockPath = await claimName(input.directory, base);
      if (!lockPath) {
        // Names have one-second resolution: a second backup within the same second takes the next one.
        await new Promise((resolve) => setTimeout(resolve, 1000 - (startedAt.getTime() % 1000)));
        startedAt = now();
        base = backupBaseName(database, startedAt);
        lockPath = await claimName(input.directory, base);
      }
      if (!lockPath) {
        throw new PgTunerError(
          'BAD_INPUT',
          `Another backup of ${database} is being written to ${input.directory} right now, or ${base}${DUMP_SUFFIX} already exists; try again when it has finished.`,
        );
      }
      partialPath = path.join(input.directory, partialDumpName(base, `${process.pid}-${randomBytes(4).toString('hex')}`));
      const dump: DumpJob = {
        tools,
        file: partialPath,
        format,
        jobs: jobsOf(settings),
        encryption,
        onToolSpawn: input.onToolSpawn,
        signal,
        onProgress,
      };
      const inventory = await dumpInSnapshot(db, session, database, dump);
      return { source, tools, base, inventory };
    }, signal);

    const dumpPath = path.join(input.directory, dumped.base + DUMP_SUFFIX);
    onProgress?.({ phase: 'checksum', tablesDone: dumped.inventory.tables.length, tablesTotal: dumped.inventory.tables.length });
    const checksums = await checksumDump(partialPath!, signal, path.basename(dumpPath));
    const { identity } = dumped.source;
    const unsigned: BackupManifest = {
      kind: 'pgtuner-backup',
      version: 1,
      database: identity.database,
      server: {
        host: identity.host,
        port: identity.port,
        version: dumped.source.version,
        versionNum: dumped.source.versionNum,
        ...(identity.systemIdentifier ? { systemIdentifier: identity.systemIdentifier } : {}),
      },
      file: path.basename(dumpPath),
      format,
      pgDumpVersion: dumped.tools.pgDump.version,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      sizeBytes: await sizeOf(partialPath!),
      ...dumped.inventory,
      ...(encryption ? { encryption: describeEncryption(encryption) } : {}),
      checksums,
    };
    const manifest = signingKey ? signManifest(unsigned, signingKey) : unsigned;
    const companions = companionPaths(dumpPath);
    await writeManifest(dumpPath, manifest);
    await writeFileAtomic(companions.checksum, formatChecksums(checksums));
    // The rename is the commit point: before it there is no file named *.dump. The lock makes
    // this backup the only one that can write this name.
    await fs.rename(partialPath!, dumpPath);
    partialPath = undefined;
    const deleted = await applyRetention(input.directory, identity, retentionOf(settings), input.keys, startedAt);
    const result: BackupResult = { dumpPath, checksumPath: companions.checksum, manifestPath: companions.manifest, manifest, deleted };
    if (!settings['backup.s3.uploadAfterBackup']) return result;
    try {
      const uploaded = await uploadBackup({ dumpPath }, run);
      const deletedRemote = await applyRemoteRetention({ identity, keys: input.keys, now: startedAt }, run);
      return { ...result, uploaded, deletedRemote };
    } catch (err) {
      return { ...result, uploadError: (err as Error).message };
    }
  } catch (err) {
    if (signal?.aborted) throw new PgTunerError('CANCELLED', 'Backup cancelled; the partial dump was removed.', { cause: err });
    throw err;
  } finally {
    if (partialPath) await fs.rm(partialPath, { recursive: true, force: true });
    if (lockPath) await fs.rm(lockPath, { force: true });
  }
}

/**
 * Claims `<base>.dump` for this backup: creates its lock file exclusively (O_EXCL). Undefined when
 * another backup holds the name or a dump of that name exists already.
 */
async function claimName(directory: string, base: string): Promise<string | undefined> {
  const dumpPath = path.join(directory, base + DUMP_SUFFIX);
  if (await exists(dumpPath)) return undefined;
  const lockPath = path.join(directory, lockFileName(base));
  try {
    await fs.writeFile(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new PgTunerError('BACKUP_ERROR', `Cannot create ${lockPath}: ${(err as Error).message}`, { cause: err });
  }
  // The holder before us may have finished between the two checks.
  if (await exists(dumpPath)) {
    await fs.rm(lockPath, { force: true });
    return undefined;
  }
  return lockPath;
}

type Inventory = Pick<BackupManifest, 'snapshot' | 'tables' | 'indexes' | 'constraints' | 'sequences'>;

/** One pg_dump run. */
interface DumpJob {
  tools: BackupTools;
  file: string;
  format: DumpFormat;
  /** Parallel workers of the directory format. */
  jobs: number;
  /** pg_dump writes to stdout, encrypted on its way into the file. */
  encryption?: Encryption;
  onToolSpawn?: (pid: number) => void;
  signal?: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
}

/**
 * Runs pg_dump on an exported snapshot while counting rows in that same snapshot: the counts and
 * pg_dump must see the same data, so the transaction that exported it stays open until pg_dump ends.
 */
async function dumpInSnapshot(db: Database, session: Session, database: string, job: DumpJob): Promise<Inventory> {
  return session.transaction({ snapshot: true, readOnly: true }, async () => {
    for (const sql of SNAPSHOT_SETTINGS_SQL) await session.query(sql);
    const snapshot = (await session.query<{ snapshot: string }>(EXPORT_SNAPSHOT_SQL)).rows[0].snapshot;
    // Sequences are not transactional: read them before pg_dump does, so the dump holds at least these values.
    const sequences = await listSequences(session);
    const tables = await listTables(session);
    const indexes = await listIndexes(session);
    const constraints = await listConstraints(session);
    job.onProgress?.({ phase: 'dumping', tablesDone: 0, tablesTotal: tables.length });

    const password = await db.passwordForChildProcess();
    const args = [
      `--format=${job.format}`,
      ...(job.encryption ? [] : ['--file', job.file]),
      '--verbose',
      '--no-password',
      `--snapshot=${snapshot}`,
      ...(job.format === 'directory' ? [`--jobs=${job.jobs}`] : []),
    ];
    // A failed count must stop pg_dump too, not leave it running until it finishes.
    const stopDump = new AbortController();
    const onAbort = () => stopDump.abort();
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const dump = runTool(job.tools.pgDump.path, args, {
      env: libpqEnvironment(db.profile, password, database),
      signal: stopDump.signal,
      onStderrLine: tableCounter('dumping', tables.length, job.onProgress),
      onSpawn: job.onToolSpawn,
      secrets: password ? [password] : [],
      stdout: job.encryption && encryptInto(job.file, job.encryption),
    });
    // pg_dump failing first must not leave a long count running on the server, and its error (not
    // the cancelled count's) is the one to report.
    let counting = true;
    let dumpFailedFirst: unknown;
    void dump.catch((err) => {
      if (!counting) return;
      dumpFailedFirst = err;
      session.cancel();
    });
    try {
      const counted = countRows(session, tables).then(
        (counts) => {
          counting = false;
          return counts;
        },
        (err) => {
          counting = false;
          stopDump.abort();
          throw err;
        },
      );
      const [counts] = await Promise.all([counted, dump]);
      return { snapshot, tables: counts, indexes, constraints, sequences };
    } catch (err) {
      // Whichever failed first, wait for pg_dump to be gone before the partial file is removed.
      stopDump.abort();
      await dump.catch(() => undefined);
      throw dumpFailedFirst ?? err;
    } finally {
      job.signal?.removeEventListener('abort', onAbort);
    }
  });
}

/** Writes pg_dump's stdout into `file`, encrypted; the plain archive never touches the disk. */
function encryptInto(file: string, encryption: Encryption) {
  return async (plain: Readable) =>
    pipeline(await encryptingStream(plain, encryption), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
}

async function sizeOf(p: string): Promise<number> {
  const stat = await fs.stat(p);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await fs.readdir(p)) total += (await fs.stat(path.join(p, entry))).size;
  return total;
}

function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
