import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  ServerSideEncryption,
  StorageClass,
} from '@aws-sdk/client-s3';
import { createHash } from 'crypto';
import { createWriteStream } from 'fs';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { Database } from '../db/database';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { Settings } from '../settings/schema';
import { BackupKey, BackupKeyring } from './keys';
import { BackupEntry, BackupIdentity, backupGroup, identityOf } from './listing';
import { BackupManifest, companionPaths, readManifest } from './manifest';
import { MultipartResult, resumableUpload } from './multipart';
import { guardDeletion, planRetention, retentionCandidates, retentionOf } from './retention';
import { RestoreTestInput, RestoreTestResult, restoreTest } from './restoreTest';
import { CHECKSUM_SUFFIX, DUMP_SUFFIX, MANIFEST_SUFFIX, parseDumpName } from './naming';
import { TrustVerdict, assessBackup } from './trust';

/**
 * Off-site copies on S3-compatible storage. Credentials come only from the SDK's default chain
 * (environment, shared config/profile, SSO): nothing here reads, logs or reports them. A backup
 * is three objects; the manifest goes last, so a listing (which looks for manifests) never shows
 * a backup whose upload did not finish.
 */

export interface S3Location {
  bucket: string;
  /** Key prefix, '' or ending with '/'. */
  prefix: string;
}

interface S3Settings extends S3Location {
  region: string;
  endpoint: string;
  forcePathStyle: boolean;
  storageClass: string;
  serverSideEncryption: string;
}

/** One backup in the bucket, described by its manifest. */
export interface RemoteBackup {
  url: string;
  name: string;
  database: string;
  takenAt: string;
  sizeBytes: number;
  encrypted: boolean;
  /** How it is encrypted (what opens it), when it is. */
  encryption?: BackupManifest['encryption'];
  /** Judged with the keys given to listRemoteBackups (none: nothing is authenticated). */
  trust: TrustVerdict;
  lastRestoreTest?: BackupManifest['lastRestoreTest'];
}

/** pgtuner.backup.s3.*; BAD_INPUT when no bucket is set. */
export function s3SettingsOf(settings: Settings): S3Settings {
  const bucket = settings['backup.s3.bucket'].trim();
  if (!bucket) throw new PgTunerError('BAD_INPUT', 'No bucket for off-site copies: set pgtuner.backup.s3.bucket (CLI: --s3-bucket).');
  return {
    bucket,
    prefix: normalPrefix(settings['backup.s3.prefix']),
    region: settings['backup.s3.region'].trim(),
    endpoint: settings['backup.s3.endpoint'].trim(),
    forcePathStyle: settings['backup.s3.forcePathStyle'],
    storageClass: settings['backup.s3.storageClass'].trim(),
    serverSideEncryption: settings['backup.s3.serverSideEncryption'],
  };
}

function normalPrefix(prefix: string): string {
  const p = prefix.trim().replace(/^\/+/, '');
  return p && !p.endsWith('/') ? `${p}/` : p;
}

/** "s3://bucket/prefix/name.dump" → where and which backup. */
export function parseS3Url(url: string): S3Location & { name: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  const key = m?.[2] ?? '';
  const name = key.split('/').pop() ?? '';
  if (!m || !parseDumpName(name))
    throw new PgTunerError('BAD_INPUT', `${url} is not s3://<bucket>/<prefix>/<db>-<UTC stamp>.dump (a backup made by PG Tuner).`);
  return { bucket: m[1], prefix: key.slice(0, key.length - name.length), name };
}

function client(s3: S3Settings): S3Client {
  return new S3Client({
    ...(s3.region ? { region: s3.region } : s3.endpoint ? { region: 'us-east-1' } : {}),
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: s3.forcePathStyle,
    // Checksum headers only where S3 requires them: many S3-compatible services reject the newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const keysOf = (where: S3Location, name: string) => {
  const base = where.prefix + name.slice(0, -DUMP_SUFFIX.length);
  return { dump: base + DUMP_SUFFIX, checksum: base + CHECKSUM_SUFFIX, manifest: base + MANIFEST_SUFFIX };
};

/** S3 errors as PgTunerErrors that name the bucket and key, never a credential. */
function s3Error(action: string, where: string, err: unknown): PgTunerError {
  if (err instanceof PgTunerError) return err;
  const e = err as { name?: string; message?: string };
  return new PgTunerError('BACKUP_ERROR', `${action} ${where} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface UploadResult extends MultipartResult {
  url: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Uploads a finished backup (one-file dump, its .sha256, its manifest) to the bucket of
 * pgtuner.backup.s3.*: the dump in resumable multipart (an interrupted upload continues where it
 * stopped on the next attempt), then read back and its SHA-256 compared with the signed
 * manifest's, then the .sha256 and last the manifest, which makes the backup visible to listings.
 * A completed copy that fails the check, or whose companions could not be written, is deleted.
 */
export async function uploadBackup(input: { dumpPath: string }, run: Run): Promise<UploadResult> {
  const s3 = s3SettingsOf(run.settings);
  const manifest = await readManifest(input.dumpPath);
  const expected = manifest.checksums?.length === 1 ? manifest.checksums[0].sha256 : undefined;
  if (!expected)
    throw new PgTunerError('BAD_INPUT', `${input.dumpPath}: only a one-file (custom format) backup with a checksum can be uploaded.`);
  const keys = keysOf(s3, path.basename(input.dumpPath));
  const url = `s3://${s3.bucket}/${keys.dump}`;
  const s3c = client(s3);
  const extra = {
    ...(s3.storageClass ? { StorageClass: s3.storageClass as StorageClass } : {}),
    ...(s3.serverSideEncryption ? { ServerSideEncryption: s3.serverSideEncryption as ServerSideEncryption } : {}),
  };
  const sizeBytes = (await fs.stat(input.dumpPath)).size;
  let sent: MultipartResult;
  try {
    sent = await resumableUpload(
      { path: input.dumpPath, sha256: expected },
      {
        s3c,
        bucket: s3.bucket,
        key: keys.dump,
        endpoint: s3.endpoint,
        storageClass: s3.storageClass,
        serverSideEncryption: s3.serverSideEncryption,
      },
      run,
    );
  } catch (err) {
    s3c.destroy();
    if (err instanceof PgTunerError) throw err;
    // Nothing was completed: the parts and the record stay for the next attempt.
    const failed = s3Error('Uploading to', url, err);
    throw new PgTunerError('BACKUP_ERROR', `${failed.message} Uploading this backup again resumes from the parts already sent.`, {
      cause: err,
    });
  }
  try {
    run.onProgress?.('checking the uploaded copy');
    const got = await s3c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: keys.dump }), { abortSignal: run.signal });
    const actual = await sha256Of(got.Body as Readable);
    if (actual !== expected)
      throw new PgTunerError(
        'CHECKSUM_MISMATCH',
        `The uploaded copy ${url} has SHA-256 ${actual}, the backup ${expected}: it was removed.`,
      );
    // In this order: the manifest, last, makes the backup visible to listings.
    const companions = companionPaths(input.dumpPath);
    for (const part of ['checksum', 'manifest'] as const)
      await s3c.send(new PutObjectCommand({ Bucket: s3.bucket, Key: keys[part], Body: await fs.readFile(companions[part]), ...extra }));
    return { url, sizeBytes, sha256: actual, ...sent };
  } catch (err) {
    await deleteKeys(s3c, s3.bucket, [keys.manifest, keys.checksum, keys.dump]).catch(() => undefined);
    if (run.signal?.aborted) throw new PgTunerError('CANCELLED', 'Upload cancelled; the uploaded copy was removed.', { cause: err });
    throw s3Error('Uploading to', url, err);
  } finally {
    s3c.destroy();
  }
}

async function deleteKeys(s3c: S3Client, bucket: string, keys: string[]): Promise<void> {
  // One by one, in order (DeleteObjects needs a Content-MD5 some S3-compatible services do not take).
  for (const Key of keys) await s3c.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
}

/** The backups in the bucket under the prefix (those whose manifest exists), newest first. */
export async function listRemoteBackups(input: { keys?: BackupKeyring }, run: Run): Promise<RemoteBackup[]> {
  return (await listRemoteEntries(input, run)).map((entry) => ({
    url: entry.dumpPath,
    name: path.posix.basename(entry.dumpPath),
    database: entry.database,
    takenAt: entry.manifest!.startedAt,
    sizeBytes: entry.sizeBytes,
    encrypted: !!entry.manifest!.encryption,
    encryption: entry.manifest!.encryption,
    trust: entry.trust,
    lastRestoreTest: entry.manifest!.lastRestoreTest,
  }));
}

/** The remote backups as listing entries (dumpPath is the s3:// URL), trust judged with `keys`, newest first. */
export async function listRemoteEntries(input: { keys?: BackupKeyring }, run: Run): Promise<BackupEntry[]> {
  const s3 = s3SettingsOf(run.settings);
  const s3c = client(s3);
  try {
    const keys = (await input.keys?.verifyingKeys().catch(() => [])) ?? [];
    return (await remoteEntries(s3c, s3, keys, new Date(), run.signal)).map((e) => e.entry);
  } catch (err) {
    throw s3Error('Listing', `s3://${s3.bucket}/${s3.prefix}`, err);
  } finally {
    s3c.destroy();
  }
}

/** Remote backups as the entries local retention judges (dumpPath is the s3:// URL), newest first. */
async function remoteEntries(
  s3c: S3Client,
  s3: S3Settings,
  keys: readonly BackupKey[],
  now: Date,
  signal?: AbortSignal,
): Promise<{ entry: BackupEntry; manifest: BackupManifest }[]> {
  const objects: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3c.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: s3.prefix, ContinuationToken: token }), {
      abortSignal: signal,
    });
    for (const o of page.Contents ?? []) if (o.Key) objects.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const present = new Set(objects);
  const out: { entry: BackupEntry; manifest: BackupManifest }[] = [];
  for (const key of objects.filter((k) => k.endsWith(MANIFEST_SUFFIX))) {
    const base = key.slice(0, -MANIFEST_SUFFIX.length);
    const parsed = parseDumpName(path.posix.basename(base + DUMP_SUFFIX));
    if (!parsed || !present.has(base + DUMP_SUFFIX)) continue;
    const got = await s3c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }), { abortSignal: signal });
    const manifest = JSON.parse(await (got.Body as { transformToString(): Promise<string> }).transformToString()) as BackupManifest;
    const url = `s3://${s3.bucket}/${base}${DUMP_SUFFIX}`;
    out.push({
      manifest,
      entry: {
        dumpPath: url,
        database: manifest.database,
        takenAt: parsed.takenAt,
        sizeBytes: manifest.sizeBytes,
        complete: present.has(base + CHECKSUM_SUFFIX),
        manifest,
        trust: assessBackup(url, manifest, keys, now),
        group: backupGroup(identityOf(manifest, parsed.database)),
      },
    });
  }
  return out.sort((a, b) => b.entry.takenAt.getTime() - a.entry.takenAt.getTime());
}

/**
 * pgtuner.backup.keep / maxAgeDays applied to the remote copies of one server and database, as
 * locally: only complete backups signed with the user's key are considered, and the newest one
 * that passed a restore-test is never deleted. Returns the deleted URLs.
 */
export async function applyRemoteRetention(
  input: { identity: BackupIdentity; keys?: BackupKeyring; now?: Date },
  run: Run,
): Promise<string[]> {
  if (!input.keys) return [];
  const s3 = s3SettingsOf(run.settings);
  const s3c = client(s3);
  const now = input.now ?? new Date();
  try {
    const entries = (await remoteEntries(s3c, s3, await input.keys.verifyingKeys(), now, run.signal)).map((e) => e.entry);
    const doomed = planRetention(retentionCandidates(entries, input.identity), retentionOf(run.settings), now);
    for (const entry of doomed) {
      const k = keysOf(s3, path.basename(entry.dumpPath));
      await deleteKeys(s3c, s3.bucket, [k.manifest, k.checksum, k.dump]);
    }
    return doomed.map((e) => e.dumpPath);
  } catch (err) {
    throw s3Error('Applying retention to', `s3://${s3.bucket}/${s3.prefix}`, err);
  } finally {
    s3c.destroy();
  }
}

/** The settings with the bucket and prefix of an s3:// URL (endpoint, region, … stay as set). */
export function settingsFor(url: string, settings: Settings): { settings: Settings; name: string } {
  const where = parseS3Url(url);
  return { settings: { ...settings, 'backup.s3.bucket': where.bucket, 'backup.s3.prefix': where.prefix }, name: where.name };
}

/**
 * Downloads a remote backup into `directory` (dump, .sha256, manifest) and checks the dump's
 * SHA-256 against its manifest before it gets its name: a damaged object leaves no file behind.
 */
export async function downloadBackup(input: { url: string; directory: string }, run: Run): Promise<{ dumpPath: string }> {
  const { settings, name } = settingsFor(input.url, run.settings);
  const s3 = s3SettingsOf(settings);
  const keys = keysOf(s3, name);
  const s3c = client(s3);
  await fs.mkdir(input.directory, { recursive: true });
  const dumpPath = path.join(input.directory, name);
  const partial = `${dumpPath}.download`;
  const { checksum, manifest } = companionPaths(dumpPath);
  const get = async (key: string) =>
    (await s3c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }), { abortSignal: run.signal })).Body as Readable;
  try {
    const manifestText = await (await get(keys.manifest)).toArray().then((chunks) => Buffer.concat(chunks as Buffer[]).toString('utf8'));
    const expected = (JSON.parse(manifestText) as BackupManifest).checksums?.[0]?.sha256;
    const hash = createHash('sha256');
    const body = await get(keys.dump);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(partial, { flags: 'wx', mode: 0o600 }), { signal: run.signal });
    const actual = hash.digest('hex');
    if (actual !== expected)
      throw new PgTunerError(
        'CHECKSUM_MISMATCH',
        `${input.url} has SHA-256 ${actual}, its manifest says ${expected}: the copy is damaged; nothing was kept.`,
      );
    await fs.writeFile(checksum, await (await get(keys.checksum)).toArray().then((c) => Buffer.concat(c as Buffer[])));
    await fs.writeFile(manifest, manifestText);
    await fs.rename(partial, dumpPath);
    return { dumpPath };
  } catch (err) {
    await fs.rm(partial, { force: true });
    if (run.signal?.aborted) throw new PgTunerError('CANCELLED', 'Download cancelled; the partial file was removed.', { cause: err });
    throw s3Error('Downloading', input.url, err);
  } finally {
    s3c.destroy();
  }
}

/**
 * Deletes a remote backup's three objects, unless it is the newest of its server and database
 * that passed a restore-test (judged with `keys`, as retention does).
 */
export async function deleteRemoteBackup(input: { url: string; keys?: BackupKeyring }, run: Run): Promise<void> {
  const { settings, name } = settingsFor(input.url, run.settings);
  const s3 = s3SettingsOf(settings);
  const keys = keysOf(s3, name);
  const s3c = client(s3);
  try {
    const verifying = (await input.keys?.verifyingKeys().catch(() => [])) ?? [];
    const entries = (await remoteEntries(s3c, s3, verifying, new Date(), run.signal)).map((e) => e.entry);
    const target = entries.find((e) => e.dumpPath === `s3://${s3.bucket}/${keys.dump}`);
    if (target) guardDeletion(entries, target);
    // The manifest first: a half-deleted backup no longer looks like one.
    await deleteKeys(s3c, s3.bucket, [keys.manifest]);
    await deleteKeys(s3c, s3.bucket, [keys.checksum, keys.dump]);
  } catch (err) {
    throw s3Error('Deleting', input.url, err);
  } finally {
    s3c.destroy();
  }
}

/** Puts a backup's (re-signed) manifest back beside its remote copy: the restore-test result travels with it. */
export async function uploadManifest(input: { url: string; dumpPath: string }, run: Run): Promise<void> {
  const { settings, name } = settingsFor(input.url, run.settings);
  const s3 = s3SettingsOf(settings);
  const s3c = client(s3);
  try {
    const body = await fs.readFile(companionPaths(input.dumpPath).manifest);
    await s3c.send(new PutObjectCommand({ Bucket: s3.bucket, Key: keysOf(s3, name).manifest, Body: body }), { abortSignal: run.signal });
  } catch (err) {
    throw s3Error('Uploading the manifest of', input.url, err);
  } finally {
    s3c.destroy();
  }
}

/**
 * Restore-tests a remote backup: downloads it into a temporary folder (checksum verified), runs
 * the restore-test there, puts the manifest with the result back beside the remote copy, and
 * removes the temporary folder.
 */
export async function restoreTestRemote(
  db: Database,
  input: Omit<RestoreTestInput, 'dumpPath'> & { url: string },
  run: Run,
): Promise<RestoreTestResult> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pgtuner-remote-'));
  try {
    const { dumpPath } = await downloadBackup({ url: input.url, directory }, run);
    const result = await restoreTest(db, { ...input, dumpPath }, run);
    await uploadManifest({ url: input.url, dumpPath }, run);
    return { ...result, dumpPath: input.url };
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}
