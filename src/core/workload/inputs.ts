/**
 * Workload statements from files: SQL files or folders (one statement per `;`, weighted by a
 * `-- pgtuner: calls=N` comment before it), SQL in the string and template literals of JS/TS
 * sources, and the workload JSON file of the CLI contract.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { literalsOf, sqlFromJsString } from '../sql/embedded';
import { positionAt, tryExtractShape } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { WorkloadStatement } from './types';

/** `-- pgtuner: calls=1200` in the comments right before a statement. */
const CALLS_COMMENT = /--\s*pgtuner:\s*calls\s*=\s*(\d+(?:\.\d+)?)/gi;
/** `// pgtuner: calls=1200` or `/* pgtuner: calls=1200 *\/` in the code right before a literal. */
const CODE_CALLS_COMMENT = /(?:\/\/|\/\*)\s*pgtuner:\s*calls\s*=\s*(\d+(?:\.\d+)?)/gi;
/** Folders never holding the application's own SQL (dependencies, build output). */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', 'out', 'build', 'coverage']);
const CODE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/i;
/** Larger sources are bundles or generated code, not where the application writes its queries. */
export const MAX_CODE_FILE_BYTES = 1024 * 1024;
/** A literal is taken for a statement when it starts like one… */
const STATEMENT_START = /^\s*(?:select|with|insert|update|delete)\b/i;
/** …and parses to one that reads a table, or has a statement's skeleton (UI text such as "Select a file" has neither). */
const STATEMENT_SKELETON = /^\s*(?:select\s[\s\S]*\sfrom\s|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|with\s+\S+\s+as\s*\()/i;

/** The statements of one SQL script; ids are `<label>:<line>`. */
export function statementsFromSql(text: string, label: string): WorkloadStatement[] {
  let previousEnd = 0;
  return splitStatements(text).map((s) => {
    const gap = text.slice(previousEnd, s.start);
    previousEnd = s.end;
    const weights = [...gap.matchAll(CALLS_COMMENT)];
    const calls = weights.length ? Number(weights[weights.length - 1][1]) : 1;
    return { id: `${label}:${positionAt(text, s.start).line}`, sql: s.text, calls };
  });
}

/** Every statement of the given .sql files and of the .sql files under the given folders. */
export function statementsFromSqlPaths(paths: string[]): WorkloadStatement[] {
  const out: WorkloadStatement[] = [];
  for (const p of paths) {
    for (const file of sqlFilesAt(p)) out.push(...statementsFromSql(readText(file), label(file)));
  }
  return out;
}

/**
 * SQL statements in the string and template literals of the JS/TS files under the given folders or
 * files (the editor's embedded-SQL scanner: `${expr}` becomes `$n`, planned generically). Files over
 * MAX_CODE_FILE_BYTES are counted in `skipped`, not read. Ids are `<file>:<line>`.
 */
export function statementsFromCode(paths: string[]): { statements: WorkloadStatement[]; skipped: string[] } {
  const statements: WorkloadStatement[] = [];
  const skipped: string[] = [];
  for (const p of paths) {
    for (const file of filesAt(p, (name) => CODE_FILE.test(name) && !name.endsWith('.d.ts'))) {
      if (fs.statSync(file).size > MAX_CODE_FILE_BYTES) {
        skipped.push(label(file));
        continue;
      }
      statements.push(...statementsFromCodeText(readText(file), label(file)));
    }
  }
  return { statements, skipped };
}

/** The statements of one JS/TS source; a `pgtuner: calls=N` comment between literals weighs the next one. */
export function statementsFromCodeText(text: string, fileLabel: string): WorkloadStatement[] {
  const out: WorkloadStatement[] = [];
  let previousEnd = 0;
  for (const { start, end } of literalsOf(text)) {
    const gap = text.slice(previousEnd, start);
    previousEnd = end;
    const { sql } = sqlFromJsString(text.slice(start, end));
    if (!STATEMENT_START.test(sql) || !(readsATable(sql) || STATEMENT_SKELETON.test(sql))) continue;
    const weights = [...gap.matchAll(CODE_CALLS_COMMENT)];
    out.push({
      id: `${fileLabel}:${positionAt(text, start).line}`,
      sql,
      calls: weights.length ? Number(weights[weights.length - 1][1]) : 1,
    });
  }
  return out;
}

function readsATable(sql: string): boolean {
  const parsed = tryExtractShape(sql);
  return 'shape' in parsed && parsed.shape.tables.length > 0;
}

/** The file's path relative to the current folder when it is inside it, else as given. */
function label(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function sqlFilesAt(p: string): string[] {
  return filesAt(p, (name) => name.endsWith('.sql'));
}

/** `p` itself when it is a file, else the files under it whose names `wanted` accepts, in name order. */
function filesAt(p: string, wanted: (name: string) => boolean): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `Cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!stat.isDirectory()) return [p];
  return fs
    .readdirSync(p, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = path.join(p, e.name);
      if (e.isDirectory()) return SKIPPED_FOLDERS.has(e.name) ? [] : filesAt(full, wanted);
      return e.isFile() && wanted(e.name) ? [full] : [];
    });
}

/**
 * A workload file: `{ "statements": [ { "id"?, "sql", "calls"?, "params"?: [v…] | [[v…], …] } ] }`.
 * Every problem names the statement and the field.
 */
export function parseWorkloadFile(text: string, label: string): WorkloadStatement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `${label} is not valid JSON: ${(err as Error).message}`);
  }
  const list = (doc as { statements?: unknown })?.statements;
  if (!Array.isArray(list) || !list.length) {
    throw new PgTunerError(
      'BAD_INPUT',
      `${label} must be an object with a non-empty "statements" array: { "statements": [ { "sql": "…" } ] }.`,
    );
  }
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const where = `${label}: statements[${i}]`;
    const s = raw as { id?: unknown; sql?: unknown; calls?: unknown; params?: unknown };
    if (typeof s !== 'object' || s === null || typeof s.sql !== 'string' || !s.sql.trim()) {
      throw new PgTunerError('BAD_INPUT', `${where} needs "sql": the statement's text.`);
    }
    const id = s.id === undefined ? `#${i + 1}` : String(s.id);
    if (seen.has(id)) throw new PgTunerError('BAD_INPUT', `${where}: the id "${id}" is used twice.`);
    seen.add(id);
    const calls = s.calls === undefined ? 1 : s.calls;
    if (typeof calls !== 'number' || !Number.isFinite(calls) || calls <= 0) {
      throw new PgTunerError('BAD_INPUT', `${where}: "calls" must be a positive number (got ${JSON.stringify(s.calls)}).`);
    }
    return { id, sql: s.sql, calls, params: paramSets(s.params, where) };
  });
}

function paramSets(params: unknown, where: string): unknown[][] | undefined {
  if (params === undefined) return undefined;
  if (!Array.isArray(params)) throw new PgTunerError('BAD_INPUT', `${where}: "params" must be [v1, …] or [[v1, …], …].`);
  if (!params.length) return undefined;
  const sets = params.every(Array.isArray) ? (params as unknown[][]) : [params];
  if (sets.some((set) => !Array.isArray(set))) {
    throw new PgTunerError('BAD_INPUT', `${where}: "params" mixes values and value lists; use [v1, …] or [[v1, …], …].`);
  }
  return sets;
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
