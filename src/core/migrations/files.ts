/**
 * Reads a migrations folder into migrations (version order) and the problems that make it
 * unsafe to run: files without their .down, duplicate versions, unreadable files, names that
 * follow no convention. Status shows the problems; apply and roll back refuse to start with any.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { Convention, describeConvention, detectConvention, FLYWAY_REPEATABLE, nodePgMigrateMarker, parseFileName } from './conventions';
import { flywayChecksum } from './flywayChecksum';
import { positionAt } from '../sql/parse';

/** Recorded as the down checksum of a migration applied without down SQL. */
export const NO_DOWN = 'none';

/** One side (up or down) of a migration. */
export interface MigrationSection {
  sql: string;
  /** 1-based line of the file where `sql` starts (dbmate sections start mid-file). */
  firstLine: number;
  /** dbmate's `-- migrate:up transaction:false`. */
  transaction?: boolean;
}

export interface Migration {
  /** Digits; Flyway's may be dotted (1.1). */
  version: string;
  /** `<version>_<title>` (Flyway: its V file without .sql): the name recorded in the tracking table. */
  name: string;
  upFile: string;
  /** Absent when the migration has no way back; the dbmate file itself for dbmate. */
  downFile?: string;
  up: MigrationSection;
  down?: MigrationSection;
  /**
   * sha256 of the up SQL (line endings normalised, so a CRLF checkout is not a change); for Flyway's
   * files Flyway's own CRC-32 (flywayChecksum), the number its flyway_schema_history holds.
   */
  checksum: string;
  /** sha256 of the down SQL, the same way; NO_DOWN without down SQL. */
  downChecksum: string;
}

export interface MigrationFolder {
  directory: string;
  convention: Convention;
  migrations: Migration[];
  problems: string[];
}

interface FolderEntry {
  file: string;
  text?: string;
  error?: string;
}

/** The .sql files of a folder with their text (or why they could not be read). */
export async function scanFolder(directory: string): Promise<FolderEntry[]> {
  let names: string[];
  try {
    names = await fsp.readdir(directory);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code})`;
    throw new PgTunerError(
      'BAD_INPUT',
      `The migrations folder ${directory} ${why}. Create it with "New Migration" or point pgtuner.migrations.directory (CLI: --dir) at your migrations.`,
    );
  }
  // Dotfiles are editor leftovers (.#001_x.sql), not migrations.
  const sqlFiles = names.filter((n) => !n.startsWith('.') && n.toLowerCase().endsWith('.sql')).sort();
  return Promise.all(
    sqlFiles.map(async (file): Promise<FolderEntry> => {
      try {
        // A byte order mark (Windows editors write one) is not SQL: PostgreSQL would read it as part of the first word.
        return { file, text: (await fsp.readFile(path.join(directory, file), 'utf8')).replace(/^\uFEFF/, '') };
      } catch (err) {
        return { file, error: (err as NodeJS.ErrnoException).code ?? String(err) };
      }
    }),
  );
}

/** Flyway's configuration files: beside them, an empty folder gets Flyway's naming. */
const FLYWAY_CONFIG_FILES = ['flyway.conf', 'flyway.toml'];

/**
 * Whether a Flyway configuration is in the folder, its parent or its grandparent (`flyway.conf`
 * beside `sql/`, or at the root of a `db/migration` tree), where Flyway projects keep it. The path
 * rules and the file test are parameters so that Windows paths are tested on any machine.
 */
export function hasFlywayConfig(
  directory: string,
  paths: path.PlatformPath = path,
  exists: (file: string) => boolean = fs.existsSync,
): boolean {
  const dirs = [directory, paths.dirname(directory), paths.dirname(paths.dirname(directory))];
  return dirs.some((dir) => FLYWAY_CONFIG_FILES.some((file) => exists(paths.join(dir, file))));
}

/** The folder's convention, from its files, or from a Flyway configuration nearby when it has none. */
export function folderConvention(directory: string, entries: FolderEntry[]): Convention {
  return detectConvention(entries, hasFlywayConfig(directory));
}

export async function readMigrationFolder(directory: string): Promise<MigrationFolder> {
  const entries = await scanFolder(directory);
  const convention = folderConvention(directory, entries);
  const problems: string[] = [];
  const groups = new Map<string, { version: string; title: string; up?: FolderEntry; down?: FolderEntry }>();
  // Keyed by numeric value, so 001_a and 1_b (Flyway: V1__a and V1.0__b) collide as they would in any runner.
  const namesByVersion = new Map<string, { version: string; names: Set<string> }>();

  for (const entry of entries) {
    if (entry.error) {
      problems.push(`${entry.file} cannot be read (${entry.error}).`);
      continue;
    }
    const parsed = parseFileName(entry.file);
    if (FLYWAY_REPEATABLE.test(entry.file)) {
      problems.push(`${entry.file} is a Flyway repeatable migration: PG Tuner runs versioned migrations only; run it with Flyway.`);
      continue;
    }
    if (!parsed || !!parsed.flyway !== (convention.layout === 'flyway')) {
      problems.push(`${entry.file} does not follow the folder's convention, ${describeConvention(convention)}.`);
      continue;
    }
    // Flyway pairs an undo file with its migration by version alone (their descriptions may differ).
    const key = parsed.flyway ? versionKey(parsed.version) : `${parsed.version}_${parsed.title}`;
    if (parsed.part === 'plain' && convention.layout === 'golang-migrate') {
      problems.push(`${entry.file} should be named ${key}.up.sql in a golang-migrate folder.`);
      continue;
    }
    const group = groups.get(key) ?? { version: parsed.version, title: parsed.title };
    groups.set(key, group);
    // Flyway's V and U files of one version are one migration: only two of a kind clash.
    const clash = parsed.flyway ? `${key} ${parsed.part}` : versionKey(parsed.version);
    const seen = namesByVersion.get(clash) ?? { version: parsed.version, names: new Set<string>() };
    namesByVersion.set(clash, seen);
    seen.names.add(parsed.flyway ? entry.file : key);
    if (parsed.part === 'down') group.down = entry;
    else group.up = entry;
  }

  for (const { version, names } of namesByVersion.values()) {
    if (names.size > 1) {
      problems.push(`Version ${version} is used by more than one migration (${[...names].join(', ')}); give each its own number.`);
    }
  }

  const migrations: Migration[] = [];
  for (const [name, group] of groups) {
    if (!group.up) {
      problems.push(`${group.down?.file} has no matching up file.`);
      continue;
    }
    const migration = toMigration(directory, convention, name, group.version, group.up, group.down, problems);
    if (migration) migrations.push(migration);
  }
  migrations.sort((a, b) => compareVersions(a.version, b.version) || a.name.localeCompare(b.name));
  return { directory, convention, migrations, problems };
}

function toMigration(
  directory: string,
  convention: Convention,
  name: string,
  version: string,
  up: FolderEntry,
  down: FolderEntry | undefined,
  problems: string[],
): Migration | undefined {
  const upFile = path.join(directory, up.file);
  if (convention.layout === 'dbmate' || convention.layout === 'node-pg-migrate') {
    const dbmate = convention.layout === 'dbmate';
    const sections = dbmate ? splitDbmate(up.text as string) : splitNodePgMigrate(up.text as string);
    if (!sections) {
      problems.push(
        dbmate
          ? `${up.file} has no "-- migrate:up" line (this folder uses dbmate's single-file format).`
          : `${up.file} has no "-- Up Migration" line (this folder uses node-pg-migrate's SQL format).`,
      );
      return undefined;
    }
    return {
      version,
      name,
      upFile,
      downFile: sections.down ? upFile : undefined,
      up: sections.up,
      down: sections.down,
      checksum: checksum(sections.up.sql),
      downChecksum: sections.down ? checksum(sections.down.sql) : NO_DOWN,
    };
  }
  if (convention.layout === 'flyway') return flywayMigration(directory, version, up, down, problems);
  if (!down) {
    problems.push(`${up.file} has no ${name}.down.sql: every migration needs a way back (an empty .down.sql if nothing can be undone).`);
  }
  return {
    version,
    name,
    upFile,
    downFile: down ? path.join(directory, down.file) : undefined,
    up: { sql: up.text as string, firstLine: 1 },
    down: down ? { sql: down.text as string, firstLine: 1 } : undefined,
    checksum: checksum(up.text as string),
    downChecksum: down ? checksum(down.text as string) : NO_DOWN,
  };
}

/** Flyway replaces `${name}` placeholders in a script before running it (placeholderReplacement, on by default). */
const FLYWAY_PLACEHOLDER = /\$\{[^}]*\}/;

/**
 * A Flyway migration: its V file, and its U file (Flyway Teams' undo) as the way back. Flyway
 * Community has no undo, so a missing U file is allowed: only rolling that migration back is refused.
 * Checksums are Flyway's own, so they compare with its flyway_schema_history.
 */
function flywayMigration(
  directory: string,
  version: string,
  up: FolderEntry,
  down: FolderEntry | undefined,
  problems: string[],
): Migration | undefined {
  const placeholders = [up, down].filter((f) => f && FLYWAY_PLACEHOLDER.test(f.text as string)).map((f) => f?.file);
  if (placeholders.length) {
    problems.push(
      `${placeholders.join(', ')} uses Flyway placeholders (\${…}), which Flyway fills in from its configuration and PG Tuner does not; run it with Flyway.`,
    );
    return undefined;
  }
  const section = (f: FolderEntry): MigrationSection => ({ sql: f.text as string, firstLine: 1 });
  return {
    version,
    name: path.parse(up.file).name,
    upFile: path.join(directory, up.file),
    downFile: down ? path.join(directory, down.file) : undefined,
    up: section(up),
    down: down ? section(down) : undefined,
    checksum: String(flywayChecksum(up.text as string)),
    downChecksum: down ? String(flywayChecksum(down.text as string)) : NO_DOWN,
  };
}

const DBMATE_MARKER = /^--\s*migrate:(up|down)\b(.*)$/gm;

/** dbmate's up and down sections with the options on their marker lines (e.g. transaction:false). */
export function splitDbmate(text: string): { up: MigrationSection; down?: MigrationSection } | undefined {
  const markers = [...text.matchAll(DBMATE_MARKER)];
  const sections: Partial<Record<'up' | 'down', MigrationSection>> = {};
  markers.forEach((m, i) => {
    const bodyStart = (m.index as number) + m[0].length;
    const bodyEnd = i + 1 < markers.length ? (markers[i + 1].index as number) : text.length;
    const firstLine = positionAt(text, bodyStart).line;
    const transaction = /\btransaction:false\b/.test(m[2]) ? false : undefined;
    sections[m[1] as 'up' | 'down'] = { sql: text.slice(bodyStart, bodyEnd), firstLine, transaction };
  });
  return sections.up ? { up: sections.up, down: sections.down } : undefined;
}

/** node-pg-migrate's SQL sections: after `-- Up Migration` up to `-- Down Migration` (either order), as its sqlMigration reads them. */
export function splitNodePgMigrate(text: string): { up: MigrationSection; down?: MigrationSection } | undefined {
  const find = (direction: 'up' | 'down') => {
    const m = nodePgMigrateMarker(direction).exec(text);
    return m ? { at: m.index, body: m.index + m[0].length } : undefined;
  };
  const up = find('up');
  if (!up) return undefined;
  const down = find('down');
  const section = (from: { body: number }, to: number): MigrationSection => ({
    sql: text.slice(from.body, to),
    firstLine: positionAt(text, from.body).line,
  });
  const endOf = (from: { at: number }, other?: { at: number }) => (other && other.at > from.at ? other.at : text.length);
  return { up: section(up, endOf(up, down)), down: down ? section(down, endOf(down, up)) : undefined };
}

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** Numeric order (so 10 follows 9 even without zero padding); dotted versions part by part, as Flyway orders them (1.2 before 1.10). */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(BigInt);
  const y = b.split('.').map(BigInt);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? 0n;
    const q = y[i] ?? 0n;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** One spelling per version: 001 is 1, and Flyway's 1.0 is 1 (compareVersions finds them equal). */
export function versionKey(version: string): string {
  return version
    .split('.')
    .map((p) => BigInt(p).toString())
    .join('.')
    .replace(/(\.0)+$/, '');
}

/** Stops with one message listing every problem, before anything touches the database. */
export function assertRunnable(folder: MigrationFolder): void {
  if (folder.problems.length === 0) return;
  throw new PgTunerError(
    'BAD_INPUT',
    `Nothing was run: fix the migrations folder ${folder.directory} first:\n- ${folder.problems.join('\n- ')}`,
  );
}
