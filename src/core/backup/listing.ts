import * as fs from 'fs/promises';
import * as path from 'path';
import { BackupManifest, companionPaths, readManifest } from './manifest';
import { parseDumpName } from './naming';

/** One backup found in a folder, for the tree view, retention and the CLI. */
export interface BackupEntry {
  dumpPath: string;
  database: string;
  takenAt: Date;
  sizeBytes: number;
  /** Has its .sha256 and manifest (a backup made and finished by PG Tuner). */
  complete: boolean;
  manifest?: BackupManifest;
}

/** Backups in `directory`, newest first; missing folder = none. */
export async function listBackups(directory: string): Promise<BackupEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return [];
  }
  const entries: BackupEntry[] = [];
  for (const name of names) {
    const parsed = parseDumpName(name);
    if (!parsed) continue;
    const dumpPath = path.join(directory, name);
    const manifest = await readManifest(dumpPath).catch(() => undefined);
    const hasChecksum = await fs.access(companionPaths(dumpPath).checksum).then(() => true, () => false);
    const sizeBytes = manifest?.sizeBytes ?? (await fs.stat(dumpPath).then((s) => s.size, () => 0));
    entries.push({ dumpPath, database: manifest?.database ?? parsed.database, takenAt: parsed.takenAt, sizeBytes, complete: !!manifest && hasChecksum, manifest });
  }
  return entries.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}

/** A backup passed its last restore-test. */
export function isVerified(entry: BackupEntry): boolean {
  return entry.manifest?.lastRestoreTest?.ok === true;
}

/** Removes a backup and its companion files. */
export async function deleteBackup(dumpPath: string): Promise<void> {
  const { checksum, manifest } = companionPaths(dumpPath);
  await fs.rm(dumpPath, { recursive: true, force: true });
  await fs.rm(checksum, { force: true });
  await fs.rm(manifest, { force: true });
}
