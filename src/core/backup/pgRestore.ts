import * as fs from 'fs/promises';
import { Database } from '../db/database';
import { ChecksumVerdict, parseChecksums, verifyChecksums } from './checksum';
import { libpqEnvironment, runTool } from './childProcess';
import { BackupManifest, companionPaths } from './manifest';
import { ToolProgress, tableCounter } from './progress';
import { BackupTools } from './tools';

/**
 * Compares the dump with the checksums in its manifest (covered by the manifest's MAC), or, for
 * manifests of older versions, with its .sha256 file.
 */
export async function checkDumpChecksum(dumpPath: string, signal?: AbortSignal, manifest?: BackupManifest): Promise<ChecksumVerdict> {
  if (manifest?.checksums?.length) return verifyChecksums(dumpPath, manifest.checksums, signal);
  const file = companionPaths(dumpPath).checksum;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { ok: false, reason: `the checksum file ${file} is missing` };
  }
  try {
    return await verifyChecksums(dumpPath, parseChecksums(text), signal);
  } catch (err) {
    return { ok: false, reason: `${file}: ${(err as Error).message}` };
  }
}

/** `pg_restore --list`: reads the archive's table of contents; returns how many entries it has. */
export async function listArchive(tools: BackupTools, dumpPath: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await runTool(tools.pgRestore.path, ['--list', dumpPath], { env: { ...process.env }, signal });
  return stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
}

export interface PgRestoreOptions {
  jobs: number;
  tablesTotal: number;
  signal?: AbortSignal;
  onProgress?: (p: ToolProgress) => void;
}

/**
 * Restores `dumpPath` into `database` (a new, empty one: never --clean into a live database) on
 * the server of `db`, stopping at the first error.
 * Ownership and grants are left out: roles are not part of a database dump and may not exist
 * where the dump is restored.
 */
export async function runPgRestore(
  tools: BackupTools,
  db: Database,
  dumpPath: string,
  database: string,
  options: PgRestoreOptions,
): Promise<void> {
  const password = await db.passwordForChildProcess();
  const args = [
    `--dbname=${dbnameConninfo(database)}`,
    `--jobs=${options.jobs}`,
    '--exit-on-error',
    '--no-owner',
    '--no-acl',
    '--no-password',
    '--verbose',
    dumpPath,
  ];
  await runTool(tools.pgRestore.path, args, {
    env: libpqEnvironment(db.profile, password, database),
    signal: options.signal,
    onStderrLine: tableCounter('restoring', options.tablesTotal, options.onProgress),
    secrets: password ? [password] : [],
  });
}

/** A conninfo naming only the database, so a name containing "=" or "postgres://" is still just a name. */
function dbnameConninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
