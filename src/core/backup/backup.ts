import { randomBytes } from 'crypto';
import * as fs from 'fs/promises';
import * as path from 'path';
import { Database, Session } from '../db/database';
import { PgTunerError } from '../errors';
import { checksumDump, formatChecksums } from './checksum';
import { libpqEnvironment, runTool } from './childProcess';
import { countRows, listConstraints, listIndexes, listSequences, listTables } from './inventory';
import { BackupKeyring } from './keys';
import { BackupIdentity } from './listing';
import { BackupManifest, DumpFormat, companionPaths, signManifest, writeFileAtomic, writeManifest } from './manifest';
import { DUMP_SUFFIX, backupBaseName, lockFileName, partialDumpName } from './naming';
import { ToolProgress, tableCounter } from './progress';
import { RetentionPolicy, applyRetention } from './retention';
import { BackupTools, ToolSearch, defaultJobs, discoverTools } from './tools';

export interface BackupOptions {
  /** Folder the backup goes into (created when missing). */
  directory: string;
  /** custom (-Fc, one file) or directory (-Fd, dumped with `jobs` parallel workers). */
  format?: DumpFormat;
  jobs?: number;
  /** Where to look for pg_dump / pg_restore. */
  tools?: ToolSearch;
  /** Applied after a successful backup to this server's and database's backups in the folder. */
  retention?: RetentionPolicy;
  /** Signs the manifest (HMAC). Without keys the manifest is unsigned and retention does nothing. */
  keys?: BackupKeyring;
  signal?: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
  /** pg_dump's pid once it runs. */
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
}

// system_identifier tells apart servers that share a host name and port (it is the same on a
// streaming replica, hence host and port beside it); null when this role may not read it.
const SERVER_SQL = `
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS "versionNum",
       current_database() AS database,
       CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS "systemIdentifier"`;

// The counts and pg_dump must see the same data: export this transaction's snapshot, count in it,
// and hand it to pg_dump with --snapshot while the transaction stays open.
const BEGIN_SNAPSHOT_SQL = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';
// Counting runs beside pg_dump: no parallel workers, so it takes one core and leaves pg_dump its own.
// One statement per message (sessions use the extended protocol).
const SNAPSHOT_SETTINGS_SQL = [
  'SET LOCAL statement_timeout = 0',
  'SET LOCAL idle_in_transaction_session_timeout = 0',
  'SET LOCAL max_parallel_workers_per_gather = 0',
] as const;
const EXPORT_SNAPSHOT_SQL = 'SELECT pg_export_snapshot() AS snapshot';
const COMMIT_SQL = 'COMMIT';
const ROLLBACK_SQL = 'ROLLBACK';

export interface ServerFacts {
  version: string;
  versionNum: number;
  database: string;
  systemIdentifier: string | null;
}

export async function readServerFacts(session: Session): Promise<ServerFacts> {
  return (await session.query<ServerFacts>(SERVER_SQL)).rows[0];
}

/** The server and database `db` reaches, as backups are grouped. */
export function serverIdentity(db: Database, facts: ServerFacts): BackupIdentity {
  return { database: facts.database, host: db.profile.host ?? 'localhost', port: db.profile.port ?? 5432, systemIdentifier: facts.systemIdentifier ?? undefined };
}

/**
 * Dumps the database of `db` into `<directory>/<db>-<UTC stamp>.dump` with its .sha256 and
 * manifest. The dump is written under a hidden temporary name and renamed only after the
 * checksum and manifest exist, so a crash or a cancel never leaves a ".dump" that looks complete.
 */
export async function backupDatabase(db: Database, options: BackupOptions): Promise<BackupResult> {
  const { signal } = options;
  const format = options.format ?? 'custom';
  const now = options.now ?? (() => new Date());
  let startedAt = now();
  await fs.mkdir(options.directory, { recursive: true });
  // A bad key file must stop the backup before pg_dump runs, not after.
  const signingKey = await options.keys?.signingKey();

  let partialPath: string | undefined;
  let lockPath: string | undefined;
  try {
    const dumped = await db.withSession(async (session) => {
      const server = await readServerFacts(session);
      const tools = await discoverTools(server.versionNum, options.tools);
      let base = backupBaseName(server.database, startedAt);
      lockPath = await claimName(options.directory, base);
      if (!lockPath) {
        // Names have one-second resolution: a second backup within the same second takes the next one.
        await new Promise((resolve) => setTimeout(resolve, 1000 - (startedAt.getTime() % 1000)));
        startedAt = now();
        base = backupBaseName(server.database, startedAt);
        lockPath = await claimName(options.directory, base);
      }
      if (!lockPath) {
        throw new PgTunerError('BAD_INPUT', `Another backup of ${server.database} is being written to ${options.directory} right now, or ${base}${DUMP_SUFFIX} already exists; try again when it has finished.`);
      }
      partialPath = path.join(options.directory, partialDumpName(base, `${process.pid}-${randomBytes(4).toString('hex')}`));
      const inventory = await dumpInSnapshot(db, session, server.database, tools, partialPath, format, options);
      return { server, tools, base, inventory };
    }, signal);

    const dumpPath = path.join(options.directory, dumped.base + DUMP_SUFFIX);
    options.onProgress?.({ phase: 'checksum', tablesDone: dumped.inventory.tables.length, tablesTotal: dumped.inventory.tables.length });
    const checksums = await checksumDump(partialPath!, signal, path.basename(dumpPath));
    const identity = serverIdentity(db, dumped.server);
    const unsigned: BackupManifest = {
      kind: 'pgtuner-backup',
      version: 1,
      database: dumped.server.database,
      server: { host: identity.host, port: identity.port, version: dumped.server.version, versionNum: dumped.server.versionNum, ...(identity.systemIdentifier ? { systemIdentifier: identity.systemIdentifier } : {}) },
      file: path.basename(dumpPath),
      format,
      pgDumpVersion: dumped.tools.pgDump.version,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      sizeBytes: await sizeOf(partialPath!),
      ...dumped.inventory,
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
    const deleted = options.retention ? await applyRetention(options.directory, identity, options.retention, options.keys, startedAt) : [];
    return { dumpPath, checksumPath: companions.checksum, manifestPath: companions.manifest, manifest, deleted };
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

/** Runs pg_dump on an exported snapshot while counting rows in that same snapshot. */
async function dumpInSnapshot(db: Database, session: Session, database: string, tools: BackupTools, file: string, format: DumpFormat, options: BackupOptions): Promise<Inventory> {
  await session.query(BEGIN_SNAPSHOT_SQL);
  try {
    for (const sql of SNAPSHOT_SETTINGS_SQL) await session.query(sql);
    const snapshot = (await session.query<{ snapshot: string }>(EXPORT_SNAPSHOT_SQL)).rows[0].snapshot;
    // Sequences are not transactional: read them before pg_dump does, so the dump holds at least these values.
    const sequences = await listSequences(session);
    const tables = await listTables(session);
    const indexes = await listIndexes(session);
    const constraints = await listConstraints(session);
    options.onProgress?.({ phase: 'dumping', tablesDone: 0, tablesTotal: tables.length });

    const password = await db.passwordForChildProcess();
    const args = [`--format=${format}`, '--file', file, '--verbose', '--no-password', `--snapshot=${snapshot}`,
      ...(format === 'directory' ? [`--jobs=${Math.max(1, options.jobs ?? defaultJobs())}`] : [])];
    // A failed count must stop pg_dump too, not leave it running until it finishes.
    const stopDump = new AbortController();
    const onAbort = () => stopDump.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const dump = runTool(tools.pgDump.path, args, {
      env: libpqEnvironment(db.profile, password, database),
      signal: stopDump.signal,
      onStderrLine: tableCounter('dumping', tables.length, options.onProgress),
      onSpawn: options.onToolSpawn,
      secrets: password ? [password] : [],
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
      const counted = countRows(session, tables).then((counts) => {
        counting = false;
        return counts;
      }, (err) => {
        counting = false;
        stopDump.abort();
        throw err;
      });
      const [counts] = await Promise.all([counted, dump]);
      await session.query(COMMIT_SQL);
      return { snapshot, tables: counts, indexes, constraints, sequences };
    } catch (err) {
      // Whichever failed first, wait for pg_dump to be gone before the partial file is removed.
      stopDump.abort();
      await dump.catch(() => undefined);
      throw dumpFailedFirst ?? err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  } catch (err) {
    await session.query(ROLLBACK_SQL).catch(() => undefined);
    throw err;
  }
}

async function sizeOf(p: string): Promise<number> {
  const stat = await fs.stat(p);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await fs.readdir(p)) total += (await fs.stat(path.join(p, entry))).size;
  return total;
}

function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}
