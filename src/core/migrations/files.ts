/**
 * Reads a migrations folder into migrations (version order) and the problems that make it
 * unsafe to run: files without their .down, duplicate versions, unreadable files, names that
 * follow no convention. Status shows the problems; apply and roll back refuse to start with any.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { Convention, describeConvention, detectConvention, nodePgMigrateMarker, parseFileName } from './conventions';
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
  version: string;
  /** `<version>_<title>`: the name recorded in the tracking table. */
  name: string;
  upFile: string;
  /** Absent when the migration has no way back; the dbmate file itself for dbmate. */
  downFile?: string;
  up: MigrationSection;
  down?: MigrationSection;
  /** sha256 of the up SQL (line endings normalised, so a CRLF checkout is not a change). */
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
        return { file, text: await fsp.readFile(path.join(directory, file), 'utf8') };
      } catch (err) {
        return { file, error: (err as NodeJS.ErrnoException).code ?? String(err) };
      }
    }),
  );
}

export async function readMigrationFolder(directory: string): Promise<MigrationFolder> {
  const entries = await scanFolder(directory);
  const convention = detectConvention(entries);
  const problems: string[] = [];
  const groups = new Map<string, { version: string; title: string; up?: FolderEntry; down?: FolderEntry }>();
  // Keyed by numeric value, so 001_a and 1_b collide as they would in any runner.
  const namesByVersion = new Map<string, Set<string>>();

  for (const entry of entries) {
    if (entry.error) {
      problems.push(`${entry.file} cannot be read (${entry.error}).`);
      continue;
    }
    const parsed = parseFileName(entry.file);
    if (!parsed) {
      problems.push(`${entry.file} does not follow the folder's convention, ${describeConvention(convention)}.`);
      continue;
    }
    const key = `${parsed.version}_${parsed.title}`;
    if (parsed.part === 'plain' && convention.layout === 'golang-migrate') {
      problems.push(`${entry.file} should be named ${key}.up.sql in a golang-migrate folder.`);
      continue;
    }
    const group = groups.get(key) ?? { version: parsed.version, title: parsed.title };
    groups.set(key, group);
    const numeric = BigInt(parsed.version).toString();
    namesByVersion.set(numeric, (namesByVersion.get(numeric) ?? new Set()).add(key));
    if (parsed.part === 'down') group.down = entry;
    else group.up = entry;
  }

  for (const names of namesByVersion.values()) {
    if (names.size > 1) {
      const [first] = names;
      problems.push(
        `Version ${/^\d+/.exec(first)?.[0]} is used by more than one migration (${[...names].join(', ')}); give each its own number.`,
      );
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

/** Numeric order (so 10 follows 9 even without zero padding). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Stops with one message listing every problem, before anything touches the database. */
export function assertRunnable(folder: MigrationFolder): void {
  if (folder.problems.length === 0) return;
  throw new PgTunerError(
    'BAD_INPUT',
    `Nothing was run: fix the migrations folder ${folder.directory} first:\n- ${folder.problems.join('\n- ')}`,
  );
}
