/**
 * Migration file conventions. A workspace that already has migrations keeps its style: PG Tuner
 * reads the folder, recognises the layout and the versioning, and names new files the same way.
 *
 * Layouts:   numbered        001_name.sql + 001_name.down.sql   (the default)
 *            golang-migrate  001_name.up.sql + 001_name.down.sql
 *            dbmate          one file with `-- migrate:up` and `-- migrate:down` sections
 *            node-pg-migrate one file with `-- Up Migration` and `-- Down Migration` sections
 *            flyway          V1__name.sql + U1__name.sql (Flyway Teams' undo file, the .down here;
 *                            optional, as Flyway Community has none); versions may be dotted (V1_1 = 1.1)
 * Versions:  sequential      1, 2 … or zero-padded 001, 002 …
 *            timestamp       YYYYMMDDHHMMSS (UTC)
 */

export type Layout = 'numbered' | 'golang-migrate' | 'dbmate' | 'node-pg-migrate' | 'flyway';
export type Versioning = 'sequential' | 'timestamp';

export interface Convention {
  layout: Layout;
  versioning: Versioning;
  /** Zero-padded width of sequential versions (1 = not padded). */
  width: number;
}

export const DEFAULT_CONVENTION: Convention = { layout: 'numbered', versioning: 'sequential', width: 3 };
/** A folder with no migration yet next to a flyway.conf / flyway.toml. */
export const FLYWAY_CONVENTION: Convention = { layout: 'flyway', versioning: 'sequential', width: 1 };

/** A migration file name taken apart: `<version>_<title>[.up|.down].sql`. */
export interface ParsedFileName {
  version: string;
  title: string;
  /** `.up.sql`, `.down.sql`, or a plain `.sql` (numbered up file or dbmate file); Flyway's V is up, its U down. */
  part: 'up' | 'down' | 'plain';
  /** Flyway's `V<version>__<description>.sql` / `U…` (its version with dots: V1_1 is 1.1). */
  flyway?: true;
}

const FILE_NAME = /^(\d+)_(.+?)(\.up|\.down)?\.sql$/i;
/** Flyway's default prefixes (V versioned, U undo) and separator (__); its version parts are split by . or _. */
const FLYWAY_FILE_NAME = /^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$/;
/** Flyway's repeatable migrations (R__name.sql): run by Flyway whenever they change, not versioned. */
export const FLYWAY_REPEATABLE = /^R__.*\.sql$/;
const TIMESTAMP_VERSION = /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])[0-5]\d[0-5]\d$/;
const DBMATE_UP_MARKER = /^--\s*migrate:up\b/m;
/** node-pg-migrate's own test for the sections of a SQL migration (createMigrationCommentRegex). */
export const nodePgMigrateMarker = (direction: 'up' | 'down') => new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im');

export function parseFileName(file: string): ParsedFileName | undefined {
  const f = FLYWAY_FILE_NAME.exec(file);
  if (f) return { version: f[2].replace(/_/g, '.'), title: f[3], part: f[1] === 'V' ? 'up' : 'down', flyway: true };
  const m = FILE_NAME.exec(file);
  if (!m) return undefined;
  const part = m[3]?.toLowerCase() === '.up' ? 'up' : m[3]?.toLowerCase() === '.down' ? 'down' : 'plain';
  return { version: m[1], title: m[2], part };
}

export function isDbmateText(text: string): boolean {
  return DBMATE_UP_MARKER.test(text);
}

export function isNodePgMigrateText(text: string): boolean {
  return nodePgMigrateMarker('up').test(text);
}

/**
 * The convention a folder follows, from its file names and (for plain .sql files) whether
 * they carry dbmate markers. An empty folder gets the default, Flyway's next to a Flyway config.
 */
export function detectConvention(files: { file: string; text?: string }[], flywayConfig = false): Convention {
  const parsed = files.map((f) => ({ ...f, name: parseFileName(f.file) })).filter((f) => f.name);
  if (parsed.length === 0) return flywayConfig ? FLYWAY_CONVENTION : DEFAULT_CONVENTION;
  const layout: Layout = parsed.some((f) => f.name?.flyway)
    ? 'flyway'
    : parsed.some((f) => f.name?.part === 'up')
      ? 'golang-migrate'
      : parsed.some((f) => f.name?.part === 'plain' && f.text !== undefined && isDbmateText(f.text))
        ? 'dbmate'
        : parsed.some((f) => f.name?.part === 'plain' && f.text !== undefined && isNodePgMigrateText(f.text))
          ? 'node-pg-migrate'
          : 'numbered';
  const versions = parsed.filter((f) => (layout === 'flyway') === !!f.name?.flyway).map((f) => f.name?.version as string);
  if (versions.every((v) => TIMESTAMP_VERSION.test(v))) return { layout, versioning: 'timestamp', width: 14 };
  const padded = versions.filter((v) => v.startsWith('0'));
  const width = padded.length ? Math.max(...padded.map((v) => v.length)) : 1;
  return { layout, versioning: 'sequential', width };
}

export function describeConvention(c: Convention): string {
  const v = c.versioning === 'timestamp' ? '20250101120000' : '1'.padStart(c.width, '0');
  switch (c.layout) {
    case 'numbered':
      return `numbered (${v}_name.sql + ${v}_name.down.sql)`;
    case 'golang-migrate':
      return `golang-migrate (${v}_name.up.sql + ${v}_name.down.sql)`;
    case 'dbmate':
      return `dbmate (${v}_name.sql with -- migrate:up / -- migrate:down)`;
    case 'node-pg-migrate':
      return `node-pg-migrate (${v}_name.sql with -- Up Migration / -- Down Migration)`;
    case 'flyway':
      return `Flyway (V${v}__name.sql + U${v}__name.sql to undo)`;
  }
}

/** The version for a new migration: the next number, or the current UTC time (later than any existing one). */
export function nextVersion(existing: string[], c: Convention, now: Date): string {
  if (c.versioning === 'sequential') {
    // The first part of a dotted (Flyway) version: 2 follows 1.4.
    const next = existing.reduce((max, v) => (BigInt(v.split('.')[0]) > max ? BigInt(v.split('.')[0]) : max), 0n) + 1n;
    return next.toString().padStart(c.width, '0');
  }
  let t = Math.floor(now.getTime() / 1000) * 1000;
  const latest = existing
    .filter((v) => TIMESTAMP_VERSION.test(v))
    .sort()
    .pop();
  // Two files generated within the same second (or a clock behind the newest file) still sort after it.
  while (latest && formatTimestamp(new Date(t)) <= latest) t += 1000;
  return formatTimestamp(new Date(t));
}

function formatTimestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** File names for a new migration: the up file, and the down file unless the layout keeps both in one. */
export function migrationFileNames(c: Convention, version: string, title: string): { up: string; down?: string } {
  const base = `${version}_${title}`;
  switch (c.layout) {
    case 'numbered':
      return { up: `${base}.sql`, down: `${base}.down.sql` };
    case 'golang-migrate':
      return { up: `${base}.up.sql`, down: `${base}.down.sql` };
    case 'flyway':
      return { up: `V${version}__${title}.sql`, down: `U${version}__${title}.sql` };
    case 'dbmate':
    case 'node-pg-migrate':
      return { up: `${base}.sql` };
  }
}

/** A title usable in a file name: lower case, words joined by `_`, at most 60 characters. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60)
    .replace(/_+$/, '');
  return slug || 'migration';
}
