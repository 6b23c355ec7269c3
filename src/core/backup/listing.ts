import * as fs from 'fs/promises';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { BackupKeyring } from './keys';
import { BackupManifest, companionPaths, readManifest } from './manifest';
import { uploadRecordPath } from './multipart';
import { parseDumpName } from './naming';
import { TrustVerdict, assessBackup } from './trust';

/** One backup found in a folder, for the tree view, retention and the CLI. */
export interface BackupEntry {
  dumpPath: string;
  database: string;
  takenAt: Date;
  sizeBytes: number;
  /** Has its .sha256 and manifest (a backup made and finished by PG Tuner). */
  complete: boolean;
  manifest?: BackupManifest;
  /** Authenticated (MAC) and not future-dated; judged with the keys given to listBackups. */
  trust: TrustVerdict;
  /** Server identity and database: retention and "newest" only ever compare backups of one group. */
  group: string;
}

/** Which server and database a backup is of. */
export interface BackupIdentity {
  database: string;
  host: string;
  port: number;
  /** pg_control_system().system_identifier; undefined when it could not be read (or an old manifest). */
  systemIdentifier?: string;
}

/**
 * The group key of a backup: system identifier, host, port and database. Backups whose manifest
 * has no system identifier (older versions, or a role not allowed to read it) form groups of their
 * own, apart from every identified server.
 */
export function backupGroup(identity: BackupIdentity): string {
  return [
    identity.systemIdentifier ? `system ${identity.systemIdentifier}` : 'unidentified',
    identity.host,
    String(identity.port),
    identity.database,
  ].join('\u0000');
}

/** A readable form of a group key, for messages. */
export function describeGroup(group: string): string {
  const [system, host, port, database] = group.split('\u0000');
  return `${database} on ${host}:${port} (${system})`;
}

/** The server and database a manifest describes (unknown parts as placeholders of their own group). */
export function identityOf(manifest: BackupManifest | undefined, database: string): BackupIdentity {
  return {
    database: manifest?.database ?? database,
    host: manifest?.server?.host ?? '?',
    port: manifest?.server?.port ?? 0,
    systemIdentifier: manifest?.server?.systemIdentifier,
  };
}

export interface ListOptions {
  keys?: BackupKeyring;
  now?: Date;
}

/** Backups in `directory`, newest first; missing folder = none. */
export async function listBackups(directory: string, options: ListOptions = {}): Promise<BackupEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return [];
  }
  const keys = (await options.keys?.verifyingKeys().catch(() => [])) ?? [];
  const now = options.now ?? new Date();
  const entries: BackupEntry[] = [];
  for (const name of names) {
    const parsed = parseDumpName(name);
    if (!parsed) continue;
    const dumpPath = path.join(directory, name);
    const manifest = await readManifest(dumpPath).catch(() => undefined);
    const hasChecksum = await fs.access(companionPaths(dumpPath).checksum).then(
      () => true,
      () => false,
    );
    const sizeBytes =
      manifest?.sizeBytes ??
      (await fs.stat(dumpPath).then(
        (s) => s.size,
        () => 0,
      ));
    entries.push({
      dumpPath,
      database: manifest?.database ?? parsed.database,
      takenAt: parsed.takenAt,
      sizeBytes,
      complete: !!manifest && hasChecksum,
      manifest,
      trust: assessBackup(dumpPath, manifest, keys, now),
      group: backupGroup(identityOf(manifest, parsed.database)),
    });
  }
  return entries.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}

/** A backup passed its last restore-test. */
export function isVerified(entry: BackupEntry): boolean {
  return entry.manifest?.lastRestoreTest?.ok === true;
}

export interface NewestOptions {
  /** Also consider unauthenticated backups (never future-dated ones: those are not "newest"). */
  trustUnsigned?: boolean;
  /** Preferred when the folder holds backups of several servers or databases. */
  prefer?: BackupIdentity;
}

export interface NewestBackup {
  entry: BackupEntry;
  /** Newer backups passed over, with the reasons. */
  skipped: BackupEntry[];
}

/**
 * The newest complete backup that can be trusted, of one server and database: with backups of
 * several groups in the folder, the group of `prefer` when there is one, else an error that asks
 * for the file.
 */
export function newestBackup(entries: readonly BackupEntry[], directory: string, options: NewestOptions = {}): NewestBackup {
  const complete = entries.filter((e) => e.complete);
  const usable = complete.filter((e) => !e.trust.futureDated && (e.trust.trusted || options.trustUnsigned));
  const groups = [...new Set(usable.map((e) => e.group))];
  let group = groups.length === 1 ? groups[0] : undefined;
  if (groups.length > 1 && options.prefer) group = groups.find((g) => g === backupGroup(options.prefer!));
  if (groups.length > 1 && !group) {
    throw new PgTunerError(
      'BAD_INPUT',
      `${directory} holds backups of ${groups.length} servers or databases (${groups.map(describeGroup).join('; ')}); pass the .dump file to use.`,
    );
  }
  const entry = usable.find((e) => e.group === group);
  const untrusted = complete.filter((e) => !usable.includes(e));
  if (!entry) {
    const why = untrusted.length
      ? ` (${untrusted.length} skipped: ${untrusted.map((e) => `${path.basename(e.dumpPath)}: ${e.trust.problems.join('; ')}`).join(' | ')})`
      : '';
    throw new PgTunerError('BAD_INPUT', `No trusted complete backup in ${directory}${why}; pass the .dump file or --dir <folder>.`);
  }
  return { entry, skipped: untrusted.filter((e) => e.takenAt.getTime() >= entry.takenAt.getTime()) };
}

const isInside = (parent: string, child: string) => {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * Removes a backup and its companion files, only when it is one: a `<db>-<stamp>.dump` file (or
 * directory-format dump, a folder holding toc.dat) inside `directory`, the backup folder, reached
 * without a symbolic link leading out of it. Anything else is refused and nothing is removed.
 */
export async function deleteBackup(dumpPath: string, directory: string): Promise<void> {
  const refuse = (why: string) => new PgTunerError('BAD_INPUT', `Not deleting ${dumpPath}: ${why}.`);
  if (!parseDumpName(path.basename(dumpPath))) throw refuse('it is not a backup file (<database>-<UTC stamp>.dump)');
  const folder = await fs.realpath(directory).catch(() => undefined);
  if (!folder) throw refuse(`the backup folder ${directory} does not exist`);
  const parent = await fs.realpath(path.dirname(path.resolve(dumpPath))).catch(() => undefined);
  if (!parent || !(parent === folder || isInside(folder, parent))) throw refuse(`it is not inside the backup folder ${directory}`);
  const real = path.join(parent, path.basename(dumpPath));
  const stat = await fs.lstat(real).catch(() => undefined);
  if (!stat) throw refuse('it does not exist');
  if (stat.isDirectory()) {
    const toc = await fs.lstat(path.join(real, 'toc.dat')).catch(() => undefined);
    if (!toc?.isFile()) throw refuse('it is a folder but not a directory-format dump (no toc.dat)');
    await fs.rm(real, { recursive: true });
  } else if (stat.isFile()) {
    await fs.rm(real);
  } else {
    throw refuse('it is not a regular file (a symbolic link or device)');
  }
  const { checksum, manifest } = companionPaths(real);
  // The resume record of an unfinished upload goes too (its parts expire on the service).
  for (const companion of [checksum, manifest, uploadRecordPath(real)]) {
    const s = await fs.lstat(companion).catch(() => undefined);
    if (s?.isFile()) await fs.rm(companion);
  }
}
