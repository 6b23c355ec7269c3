import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
  ServerSideEncryption,
  StorageClass,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import * as fs from 'fs/promises';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { writeFileAtomic } from './manifest';

/**
 * A multipart upload of one file that survives being interrupted (Ctrl-C, a killed process, a
 * lost network): a small record beside the file (`<file>.upload.json`) names the upload and the
 * parts sent. The next attempt asks the server which parts it holds (ListParts), sends only the
 * others and completes. Until CompleteMultipartUpload no object exists under the key, so an
 * interrupted upload never looks like a finished one.
 */

export const UPLOAD_RECORD_SUFFIX = '.upload.json';
export const PART_SIZE = 16 * 1024 * 1024;
/** Parts in flight at once: two keep the link busy while one part is read from disk. */
const PARALLEL_PARTS = 2;

export interface MultipartTarget {
  s3c: S3Client;
  bucket: string;
  key: string;
  /** The endpoint setting ('' for AWS): a record made for another service is not resumed. */
  endpoint: string;
  storageClass?: string;
  serverSideEncryption?: string;
}

/** What a finished upload sent: `resumedParts` were already on the server from an earlier attempt. */
export interface MultipartResult {
  parts: number;
  resumedParts: number;
  uploadedParts: number;
}

/** The record beside the file. `file` ties it to the exact bytes: any change starts over. */
interface UploadRecord {
  version: 1;
  bucket: string;
  key: string;
  endpoint: string;
  uploadId: string;
  partSize: number;
  file: { size: number; mtimeMs: number; sha256: string };
  parts: { partNumber: number; etag: string }[];
}

export const uploadRecordPath = (file: string) => file + UPLOAD_RECORD_SUFFIX;

/**
 * Uploads `file` (whose SHA-256 is `sha256`, from its .sha256) to the target, resuming the upload
 * its record names when the record matches this file and target. On cancel or failure the record
 * and the parts stay for the next attempt; after completion the record is removed.
 */
export async function resumableUpload(
  file: { path: string; sha256: string },
  target: MultipartTarget,
  run: Run,
  partSize = PART_SIZE,
): Promise<MultipartResult> {
  try {
    return await uploadOnce(file, target, run, partSize);
  } catch (err) {
    if (!(err instanceof StaleParts)) throw err;
    await fs.rm(uploadRecordPath(file.path), { force: true });
    return uploadOnce(file, target, run, partSize);
  }
}

/** The service refused to complete with the parts a record listed (its upload expired or was aborted). */
class StaleParts extends Error {}
const STALE_PART_ERRORS = ['NoSuchUpload', 'InvalidPart', 'InvalidPartOrder'];

async function uploadOnce(
  file: { path: string; sha256: string },
  target: MultipartTarget,
  run: Run,
  partSize: number,
): Promise<MultipartResult> {
  const stat = await fs.stat(file.path);
  const recordFile = uploadRecordPath(file.path);
  const identity = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: file.sha256 };
  const parts = Math.max(1, Math.ceil(stat.size / partSize));
  const partLength = (n: number) => Math.min(partSize, stat.size - (n - 1) * partSize);

  let record = await readRecord(recordFile);
  let held = new Map<number, string>();
  if (record && sameTarget(record, target) && sameFile(record, identity, partSize)) {
    const listed = await listParts(target, record.uploadId, run.signal);
    const found = listed === 'unsupported' ? record.parts.map((p) => ({ ...p, size: partLength(p.partNumber) })) : listed;
    for (const p of found ?? []) if (p.partNumber <= parts && p.size === partLength(p.partNumber)) held.set(p.partNumber, p.etag);
    if (!found) record = undefined;
  } else if (record) {
    // Made for another version of the file: its parts are of no use. Only an upload on this very
    // target is aborted (the record is a file in a folder anyone may have written).
    if (sameTarget(record, target)) await abortUpload(target, record.uploadId).catch(() => undefined);
    record = undefined;
  }
  if (!record) {
    const created = await target.s3c.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...(target.storageClass ? { StorageClass: target.storageClass as StorageClass } : {}),
        ...(target.serverSideEncryption ? { ServerSideEncryption: target.serverSideEncryption as ServerSideEncryption } : {}),
      }),
      { abortSignal: run.signal },
    );
    record = {
      version: 1,
      bucket: target.bucket,
      key: target.key,
      endpoint: target.endpoint,
      uploadId: created.UploadId!,
      partSize,
      file: identity,
      parts: [],
    };
    held = new Map();
    await writeRecord(recordFile, record, held);
  }
  const active: UploadRecord = record;
  const resumedParts = held.size;
  const uploadId = active.uploadId;
  const missing = Array.from({ length: parts }, (_, i) => i + 1).filter((n) => !held.has(n));
  const name = path.basename(file.path);
  let sentBytes = [...held.keys()].reduce((s, n) => s + partLength(n), 0);
  const report = () =>
    run.onProgress?.(`uploading ${name} (${held.size} of ${parts} parts)`, stat.size ? sentBytes / stat.size : undefined);
  report();

  // Record writes one after the other, so the file on disk only ever grows by whole parts.
  let saving = Promise.resolve();
  const handle = await fs.open(file.path, 'r');
  try {
    const worker = async () => {
      for (let n = missing.shift(); n !== undefined; n = missing.shift()) {
        if (run.signal?.aborted) return;
        const body = Buffer.alloc(partLength(n));
        await handle.read(body, 0, body.length, (n - 1) * partSize);
        const sent = await target.s3c.send(
          new UploadPartCommand({
            Bucket: target.bucket,
            Key: target.key,
            UploadId: uploadId,
            PartNumber: n,
            Body: body,
            ContentLength: body.length,
          }),
          { abortSignal: run.signal },
        );
        held.set(n, sent.ETag!);
        sentBytes += body.length;
        saving = saving.then(() => writeRecord(recordFile, active, held));
        await saving;
        report();
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: PARALLEL_PARTS }, worker));
    await saving;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (run.signal?.aborted)
      throw new PgTunerError(
        'CANCELLED',
        `Upload cancelled with ${held.size} of ${parts} parts sent: no object was completed; uploading this backup again resumes from there.`,
        { cause: failed?.reason },
      );
    if (failed) throw failed.reason;
  } finally {
    await handle.close();
  }
  try {
    await target.s3c.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [...held].sort((a, b) => a[0] - b[0]).map(([PartNumber, ETag]) => ({ PartNumber, ETag })) },
      }),
      { abortSignal: run.signal },
    );
  } catch (err) {
    if (resumedParts > 0 && STALE_PART_ERRORS.includes((err as { name?: string }).name ?? '')) throw new StaleParts();
    throw err;
  }
  await fs.rm(recordFile, { force: true });
  return { parts, resumedParts, uploadedParts: parts - resumedParts };
}

/**
 * The parts the server holds for an upload; undefined when it no longer knows the upload;
 * 'unsupported' on a service without ListParts (the record's parts are then taken as sent, and a
 * completion that rejects them starts over).
 */
async function listParts(
  target: MultipartTarget,
  uploadId: string,
  signal?: AbortSignal,
): Promise<{ partNumber: number; etag: string; size: number }[] | undefined | 'unsupported'> {
  const out: { partNumber: number; etag: string; size: number }[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await target.s3c.send(
        new ListPartsCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, PartNumberMarker: marker }),
        { abortSignal: signal },
      );
      for (const p of page.Parts ?? [])
        if (p.PartNumber && p.ETag && p.Size !== undefined) out.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size });
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchUpload') return undefined;
    if (name === 'NotImplemented' || name === 'MethodNotAllowed') return 'unsupported';
    throw err;
  }
  return out;
}

async function abortUpload(target: MultipartTarget, uploadId: string): Promise<void> {
  await target.s3c.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }));
}

const sameTarget = (r: UploadRecord, t: MultipartTarget) => r.bucket === t.bucket && r.key === t.key && r.endpoint === t.endpoint;

const sameFile = (r: UploadRecord, f: UploadRecord['file'], partSize: number) =>
  r.partSize === partSize && r.file.size === f.size && r.file.mtimeMs === f.mtimeMs && r.file.sha256 === f.sha256;

/** The record, when it is one: anything else (missing, damaged, hand-made) is ignored and the upload starts over. */
async function readRecord(file: string): Promise<UploadRecord | undefined> {
  try {
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as UploadRecord;
    const strings = [r.bucket, r.key, r.endpoint, r.uploadId, r.file?.sha256].every((s) => typeof s === 'string');
    const numbers = [r.partSize, r.file?.size, r.file?.mtimeMs].every((n) => typeof n === 'number' && Number.isFinite(n));
    const parts =
      Array.isArray(r.parts) && r.parts.every((p) => Number.isInteger(p?.partNumber) && p.partNumber >= 1 && typeof p.etag === 'string');
    return r.version === 1 && strings && numbers && parts && r.uploadId !== '' ? r : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(file: string, record: UploadRecord, held: Map<number, string>): Promise<void> {
  record.parts = [...held].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
}
