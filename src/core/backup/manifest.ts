import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs/promises';
import { PgTunerError } from '../errors';
import type { ChecksumLine } from './checksum';
import type { EncryptionInfo } from './encryption';
import { BackupKey } from './keys';
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
  /**
   * Where it came from (no user, no password). systemIdentifier (pg_control_system()) tells
   * servers apart that share a host name and port; missing in manifests of older versions.
   */
  server: { host: string; port: number; version: string; versionNum: number; systemIdentifier?: string };
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
  /** How the file is encrypted (absent: a plain pg_dump archive). The checksums are of the encrypted file. */
  encryption?: EncryptionInfo;
  /** SHA-256 of the dump (every file of a directory-format dump), covered by the MAC. */
  checksums?: ChecksumLine[];
  /** HMAC-SHA256 of everything above, with a key kept outside the workspace (see keys.ts). */
  mac?: ManifestMac;
}

export interface ManifestMac {
  algorithm: 'HMAC-SHA256';
  keyId: string;
  value: string;
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
    throw new PgTunerError(
      'BAD_INPUT',
      `${dumpPath} has no manifest (${file}); only backups made by PG Tuner can be restore-tested against their row counts.`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.kind !== 'pgtuner-backup' || !Array.isArray(manifest.tables))
    throw new PgTunerError('BAD_INPUT', `${file} is not a PG Tuner backup manifest.`);
  return manifest;
}

/** Writes a file so readers never see half of it: a temporary sibling (unique to this write), then a rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

export async function writeManifest(dumpPath: string, manifest: BackupManifest): Promise<void> {
  await writeFileAtomic(companionPaths(dumpPath).manifest, JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * Records a restore-test outcome in the backup's manifest. A manifest that was authentic is
 * signed again with the key that signed it; any other stays unsigned (recording a result never
 * turns an unauthenticated backup into a trusted one).
 */
export async function recordRestoreTest(dumpPath: string, summary: RestoreTestSummary, keys: readonly BackupKey[] = []): Promise<void> {
  const manifest = await readManifest(dumpPath);
  const signer = keys.find((k) => verifyManifestMac(manifest, [k]) === 'ok');
  const { mac: _old, ...unsigned } = manifest;
  void _old;
  const updated: BackupManifest = { ...unsigned, lastRestoreTest: summary };
  await writeManifest(dumpPath, signer ? signManifest(updated, signer) : updated);
}

/** JSON with object keys sorted at every level: the bytes the MAC covers do not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const MAC_CONTEXT = 'pgtuner-backup-manifest-v1\n';

function macValue(manifest: BackupManifest, key: BackupKey): string {
  const { mac: _ignored, ...covered } = manifest;
  void _ignored;
  return createHmac('sha256', key.secret).update(MAC_CONTEXT).update(canonicalJson(covered)).digest('hex');
}

/** The manifest with its MAC (over every other field, the dump's checksums included). */
export function signManifest(manifest: BackupManifest, key: BackupKey): BackupManifest {
  return { ...manifest, mac: { algorithm: 'HMAC-SHA256', keyId: key.id, value: macValue(manifest, key) } };
}

export type MacVerdict = 'ok' | 'missing' | 'unknown-key' | 'invalid';

export function verifyManifestMac(manifest: BackupManifest, keys: readonly BackupKey[]): MacVerdict {
  const mac = manifest.mac;
  if (!mac || typeof mac !== 'object' || typeof mac.value !== 'string') return 'missing';
  const key = keys.find((k) => k.id === mac.keyId);
  if (!key || mac.algorithm !== 'HMAC-SHA256') return 'unknown-key';
  const expected = Buffer.from(macValue(manifest, key), 'hex');
  const given = Buffer.from(mac.value, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'invalid';
}
