/**
 * File and database names of backups. A backup of database "shop" taken 2026-11-23 17:53:00 UTC is
 * `shop-20261123T175300Z.dump` with `.dump.sha256` and `.manifest.json` beside it; restore-tests
 * create `shop_restore_test_20261123t175300z`.
 */

export const DUMP_SUFFIX = '.dump';
export const CHECKSUM_SUFFIX = '.dump.sha256';
export const MANIFEST_SUFFIX = '.manifest.json';
/** In-progress dumps end with this (and are hidden), so nothing half-written ever ends in ".dump". */
export const PARTIAL_SUFFIX = '.partial';

/** PostgreSQL truncates identifiers to 63 bytes; generated names must fit. */
const MAX_IDENTIFIER_BYTES = 63;

/** 2026-11-23T17:53:00.123Z → "20261123T175300Z". */
export function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** "20261123T175300Z" → Date, or undefined when the text is not a stamp. */
export function parseUtcStamp(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

/** The database name made safe for a file name (path separators and control characters replaced). */
function fileSafe(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  return name.replace(/[\\/:*?"<>|\x00-\x1f]/g, '_');
}

/**
 * ".shop-20261123T175300Z.dump.<unique>.partial": where one pg_dump writes until its backup is
 * complete. `unique` (pid and random) keeps two backups from ever writing the same file.
 */
export function partialDumpName(base: string, unique: string): string {
  return `.${base}${DUMP_SUFFIX}.${unique}${PARTIAL_SUFFIX}`;
}

/** ".shop-20261123T175300Z.dump.lock": created exclusively (O_EXCL) by the one backup writing that name. */
export function lockFileName(base: string): string {
  return `.${base}${DUMP_SUFFIX}.lock`;
}

/** "shop-20261123T175300Z" (no suffix). */
export function backupBaseName(database: string, date: Date): string {
  return `${fileSafe(database)}-${utcStamp(date)}`;
}

/** Splits "shop-20261123T175300Z.dump" into its database part and time, or undefined for other files. */
export function parseDumpName(fileName: string): { database: string; takenAt: Date; base: string } | undefined {
  if (!fileName.endsWith(DUMP_SUFFIX)) return undefined;
  const base = fileName.slice(0, -DUMP_SUFFIX.length);
  const m = /^(.*)-(\d{8}T\d{6}Z)$/.exec(base);
  const takenAt = m ? parseUtcStamp(m[2]) : undefined;
  return m && takenAt ? { database: m[1], takenAt, base } : undefined;
}

/** `<db>_restore_test_<stamp>`, with the database part shortened so the whole fits in 63 bytes. */
export function scratchDatabaseName(database: string, date: Date): string {
  return derivedDatabaseName(database, `_restore_test_${utcStamp(date).toLowerCase()}`);
}

/** `<db><suffix>`, the database part shortened so the whole fits in 63 bytes. */
export function derivedDatabaseName(database: string, suffix: string): string {
  let prefix = database;
  while (Buffer.byteLength(prefix + suffix) > MAX_IDENTIFIER_BYTES) prefix = [...prefix].slice(0, -1).join('');
  return prefix + suffix;
}
