import { createHash } from 'crypto';
import { createReadStream } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';

/**
 * Checksums in `sha256sum` format ("<hex>  <relative path>" per line), so `sha256sum -c` run in
 * the backup folder verifies a backup without PG Tuner. A directory-format dump gets one line per
 * file inside it.
 */

export interface ChecksumLine {
  sha256: string;
  /** Path relative to the folder holding the dump, with forward slashes. */
  file: string;
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checksums of a dump file, or of every file of a directory-format dump (sorted by name).
 * `name` is the dump's name in the lines: the final name while the dump still has its temporary one.
 */
export async function checksumDump(dumpPath: string, signal?: AbortSignal, name = path.basename(dumpPath)): Promise<ChecksumLine[]> {
  const stat = await fs.stat(dumpPath);
  if (!stat.isDirectory()) return [{ sha256: await sha256File(dumpPath, signal), file: name }];
  const entries = (await fs.readdir(dumpPath)).sort();
  const lines: ChecksumLine[] = [];
  for (const entry of entries) lines.push({ sha256: await sha256File(path.join(dumpPath, entry), signal), file: `${name}/${entry}` });
  return lines;
}

export function formatChecksums(lines: readonly ChecksumLine[]): string {
  return lines.map((l) => `${l.sha256}  ${l.file}\n`).join('');
}

export function parseChecksums(text: string): ChecksumLine[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^([0-9a-f]{64})\s+\*?(.+)$/i.exec(l.trim());
      if (!m) throw new Error(`not a sha256sum line: ${l.slice(0, 80)}`);
      return { sha256: m[1].toLowerCase(), file: m[2] };
    });
}

export type ChecksumVerdict = { ok: true } | { ok: false; reason: string };

/** Recomputes the dump's checksums and compares them with the expected lines. */
export async function verifyChecksums(dumpPath: string, expected: readonly ChecksumLine[], signal?: AbortSignal): Promise<ChecksumVerdict> {
  const actual = await checksumDump(dumpPath, signal);
  const byFile = new Map(actual.map((l) => [l.file, l.sha256]));
  for (const e of expected) {
    const got = byFile.get(e.file);
    if (got === undefined) return { ok: false, reason: `${e.file} is missing` };
    if (got !== e.sha256)
      return { ok: false, reason: `${e.file} has SHA-256 ${got}, expected ${e.sha256}: the file changed or is damaged` };
    byFile.delete(e.file);
  }
  if (byFile.size) return { ok: false, reason: `unexpected files: ${[...byFile.keys()].join(', ')}` };
  return { ok: true };
}
