import { createReadStream } from 'fs';
import * as fs from 'fs/promises';
import { Readable } from 'stream';
import { Database } from '../db/database';
import { ChecksumVerdict, parseChecksums, verifyChecksums } from './checksum';
import { libpqEnvironment, runTool } from './childProcess';
import { DecryptionKeys, EncryptionInfo, decryptingStream } from './encryption';
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

/** What pg_restore reads: a dump file, or an encrypted one with what opens it. */
export interface Archive {
  dumpPath: string;
  /** From the backup's manifest: the file is decrypted on the fly into pg_restore's stdin. */
  encryption?: EncryptionInfo;
  decryption?: DecryptionKeys;
}

/** pg_restore's file argument, or its stdin: the plain archive of an encrypted file, which never touches the disk. */
async function archiveInput(archive: Archive): Promise<{ args: string[]; stdin?: Readable }> {
  if (!archive.encryption) return { args: [archive.dumpPath] };
  const encrypted = createReadStream(archive.dumpPath, { highWaterMark: 1 << 20 });
  return { args: [], stdin: await decryptingStream(encrypted, archive.decryption ?? {}, archive.encryption) };
}

/** Opens an encrypted archive and closes it again: a wrong passphrase or key fails here, before anything is created. */
export async function checkDecryption(archive: Archive): Promise<void> {
  (await archiveInput(archive)).stdin?.destroy();
}

/** `pg_restore --list`: reads the archive's table of contents; returns how many entries it has. */
export async function listArchive(tools: BackupTools, archive: Archive, signal?: AbortSignal): Promise<number> {
  const input = await archiveInput(archive);
  const { stdout } = await runTool(tools.pgRestore.path, ['--list', ...input.args], {
    env: { ...process.env },
    signal,
    stdin: input.stdin,
  });
  return stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
}

export interface PgRestoreOptions {
  jobs: number;
  tablesTotal: number;
  signal?: AbortSignal;
  onProgress?: (p: ToolProgress) => void;
}

/**
 * Restores the archive into `database` (a new, empty one: never --clean into a live database) on
 * the server of `db`, stopping at the first error. An encrypted archive is read from stdin, which
 * pg_restore reads with one worker only.
 * Ownership and grants are left out: roles are not part of a database dump and may not exist
 * where the dump is restored.
 */
export async function runPgRestore(
  tools: BackupTools,
  db: Database,
  archive: Archive,
  database: string,
  options: PgRestoreOptions,
): Promise<void> {
  const password = await db.passwordForChildProcess();
  const input = await archiveInput(archive);
  const args = [
    `--dbname=${dbnameConninfo(database)}`,
    `--jobs=${input.stdin ? 1 : options.jobs}`,
    '--exit-on-error',
    '--no-owner',
    '--no-acl',
    '--no-password',
    '--verbose',
    ...input.args,
  ];
  await runTool(tools.pgRestore.path, args, {
    env: libpqEnvironment(db.profile, password, database),
    signal: options.signal,
    onStderrLine: tableCounter('restoring', options.tablesTotal, options.onProgress),
    secrets: password ? [password] : [],
    stdin: input.stdin,
  });
}

/** A conninfo naming only the database, so a name containing "=" or "postgres://" is still just a name. */
function dbnameConninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
