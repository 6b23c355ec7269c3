import { Database } from '../db/database';
import { PgTunerError } from '../errors';
import { BackupResult, backupDatabase, readServerFacts } from './backup';
import { readManifest } from './manifest';
import { checkDumpChecksum, runPgRestore } from './pgRestore';
import { ToolProgress } from './progress';
import { createDatabaseSql, siblingDatabase } from './sibling';
import { ToolSearch, discoverTools } from './tools';

export interface RestoreOptions {
  /** The database to restore into, on the server of the connection given. */
  targetDatabase: string;
  /** Must equal targetDatabase when it is the backup's own source database. */
  confirmSourceName?: string;
  /** Where the safety backup of an existing target goes. */
  safetyDirectory: string;
  tools?: ToolSearch;
  jobs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
}

export interface RestoreResult {
  targetDatabase: string;
  created: boolean;
  /** The backup taken of the target before it was overwritten. */
  safetyBackup?: BackupResult;
  restoreMs: number;
}

const DATABASE_EXISTS_SQL = 'SELECT 1 FROM pg_database WHERE datname = $1';

/**
 * Restores a verified backup into a chosen database. An existing target is backed up first; the
 * backup's own source database is refused unless the caller confirms it by typing its name.
 */
export async function restoreBackup(db: Database, dumpPath: string, options: RestoreOptions): Promise<RestoreResult> {
  const { targetDatabase: target, signal } = options;
  if (!target.trim()) throw new PgTunerError('BAD_INPUT', 'Name the database to restore into.');
  const manifest = await readManifest(dumpPath);
  if (target === manifest.database && options.confirmSourceName !== target) {
    throw new PgTunerError('BAD_INPUT', `"${target}" is the database this backup was taken from. Restoring over it replaces its current data; confirm by typing its name.`);
  }
  const checksum = await checkDumpChecksum(dumpPath, signal);
  if (!checksum.ok) throw new PgTunerError('CHECKSUM_MISMATCH', `Not restoring ${dumpPath}: ${checksum.reason}.`);

  const server = await db.withSession(readServerFacts, signal);
  const tools = await discoverTools(server.versionNum, options.tools);
  const exists = (await db.withSession((s) => s.query(DATABASE_EXISTS_SQL, [target]), signal)).rowCount! > 0;
  let safetyBackup: BackupResult | undefined;
  if (exists) {
    const targetDb = siblingDatabase(db, target);
    try {
      safetyBackup = await backupDatabase(targetDb, { directory: options.safetyDirectory, tools: options.tools, signal, onProgress: options.onProgress });
    } finally {
      await targetDb.end();
    }
  } else {
    await db.withSession((s) => s.query(createDatabaseSql(target)), signal);
  }
  const started = Date.now();
  await runPgRestore(tools, db, dumpPath, target, { jobs: options.jobs, clean: exists, tablesTotal: manifest.tables.length, signal, onProgress: options.onProgress });
  return { targetDatabase: target, created: !exists, safetyBackup, restoreMs: Date.now() - started };
}
