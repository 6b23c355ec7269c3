import * as fs from 'fs/promises';
import { PgTunerError } from '../errors';
import { CHECKSUM_SUFFIX, DUMP_SUFFIX, MANIFEST_SUFFIX } from './naming';

export interface TableCount {
  schema: string;
  name: string;
  rows: number;
}

export interface IndexEntry {
  schema: string;
  table: string;
  name: string;
}

export interface ConstraintEntry {
  schema: string;
  table: string;
  name: string;
  /** pg_constraint.contype: p primary key, f foreign key, u unique, c check, x exclusion, … */
  type: string;
}

export interface SequenceEntry {
  schema: string;
  name: string;
  /** bigint as text; null when the sequence was never used. */
  lastValue: string | null;
}

/** The outcome of the last restore-test, kept in the manifest so every face can show it. */
export interface RestoreTestSummary {
  ok: boolean;
  testedAt: string;
  message: string;
  restoreMs?: number;
}

/** What a backup contains, written beside the dump as <base>.manifest.json. */
export interface BackupManifest {
  kind: 'pgtuner-backup';
  version: 1;
  database: string;
  /** Where it came from (no user, no password). */
  server: { host: string; port: number; version: string; versionNum: number };
  file: string;
  format: DumpFormat;
  pgDumpVersion: string;
  startedAt: string;
  durationMs: number;
  sizeBytes: number;
  /** The exported snapshot pg_dump used; the counts below were taken in it too. */
  snapshot: string;
  tables: TableCount[];
  indexes: IndexEntry[];
  constraints: ConstraintEntry[];
  /** Read just before pg_dump started: the dump holds values at least this high. */
  sequences: SequenceEntry[];
  lastRestoreTest?: RestoreTestSummary;
}

export type DumpFormat = 'custom' | 'directory';

/** Paths of a backup's companion files, from the dump's path. */
export function companionPaths(dumpPath: string): { checksum: string; manifest: string } {
  const base = dumpPath.endsWith(DUMP_SUFFIX) ? dumpPath.slice(0, -DUMP_SUFFIX.length) : dumpPath;
  return { checksum: base + CHECKSUM_SUFFIX, manifest: base + MANIFEST_SUFFIX };
}

export async function readManifest(dumpPath: string): Promise<BackupManifest> {
  const file = companionPaths(dumpPath).manifest;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new PgTunerError('BAD_INPUT', `${dumpPath} has no manifest (${file}); only backups made by PG Tuner can be restore-tested against their row counts.`);
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.kind !== 'pgtuner-backup' || !Array.isArray(manifest.tables)) throw new PgTunerError('BAD_INPUT', `${file} is not a PG Tuner backup manifest.`);
  return manifest;
}

/** Writes a file so readers never see half of it: a temporary sibling, then a rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

export async function writeManifest(dumpPath: string, manifest: BackupManifest): Promise<void> {
  await writeFileAtomic(companionPaths(dumpPath).manifest, JSON.stringify(manifest, null, 2) + '\n');
}

/** Records a restore-test outcome in the backup's manifest. */
export async function recordRestoreTest(dumpPath: string, summary: RestoreTestSummary): Promise<void> {
  const manifest = await readManifest(dumpPath);
  await writeManifest(dumpPath, { ...manifest, lastRestoreTest: summary });
}
