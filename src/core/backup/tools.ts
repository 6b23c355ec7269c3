import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PgTunerError } from '../errors';
import { Settings } from '../settings/schema';

/** One PostgreSQL client program with the version it reported. */
export interface ToolInfo {
  path: string;
  /** e.g. "15.18" */
  version: string;
  major: number;
}

/** pg_dump and pg_restore from the same folder, so their archive formats always match. */
export interface BackupTools {
  pgDump: ToolInfo;
  pgRestore: ToolInfo;
}

export interface ToolSearch {
  /** The user's tools folder (machine-scoped setting). When given, it is the only place searched. */
  toolsDirectory?: string;
  /** PATH to search otherwise (default process.env.PATH). */
  pathEnv?: string;
  /** Root holding <major>/bin folders (default /usr/lib/postgresql, Debian/Ubuntu layout). */
  versionedRoot?: string;
  /** The platform whose install folders and program names apply (default process.platform). */
  platform?: NodeJS.Platform;
  /** Environment read for ProgramFiles and HOMEBREW_PREFIX (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Prefix of the fixed macOS folders (/opt/homebrew, /usr/local, /Applications): tests use a temporary folder. */
  root?: string;
  /**
   * Path rules (default this machine's: path.win32 on Windows). With `list`, tests check another
   * platform's folders on any machine, e.g. path.win32's backslashes and drive letters on Linux.
   */
  paths?: path.PlatformPath;
  /** Lists a folder's entries (default fs.readdirSync). */
  list?: (folder: string) => string[];
}

/** "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → { version: "15.18", major: 15 }. */
export function parseToolVersion(output: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const version = [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.');
  // Before PostgreSQL 10 the major was two numbers (9.6); its first is enough to compare with 10+.
  return { version, major: Number(m[1]) };
}

/** The server's major version from server_version_num (150018 → 15, 90624 → 9). */
export function serverMajor(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

/**
 * Finds pg_dump and pg_restore able to handle a server of `serverVersionNum`: pg_dump refuses
 * servers newer than itself, so its major must be ≥ the server's. Among those that qualify, the
 * closest major wins: a much newer pg_dump writes settings (e.g. transaction_timeout) an older
 * server rejects when the dump is restored there.
 */
export async function discoverTools(serverVersionNum: number, search: ToolSearch = {}): Promise<BackupTools> {
  const needed = serverMajor(serverVersionNum);
  const folders = candidateFolders(search);
  const found: BackupTools[] = [];
  const rejected: string[] = [];
  const platform = search.platform ?? process.platform;
  const exe = platform === 'win32' ? '.exe' : '';
  for (const folder of folders) {
    const pgDump = await probeTool((search.paths ?? path).join(folder, `pg_dump${exe}`));
    const pgRestore = await probeTool((search.paths ?? path).join(folder, `pg_restore${exe}`));
    if (!pgDump || !pgRestore) continue;
    if (pgDump.major >= needed && pgRestore.major >= needed) found.push({ pgDump, pgRestore });
    else rejected.push(`${pgDump.path} is version ${pgDump.version}, ${pgRestore.path} is version ${pgRestore.version}`);
  }
  found.sort((a, b) => a.pgDump.major - b.pgDump.major);
  if (found.length) return found[0];

  const where = search.toolsDirectory
    ? `the tools folder ${search.toolsDirectory} (setting pgtuner.backup.toolsDirectory)`
    : `PATH or ${INSTALL_FOLDERS_TEXT[search.platform ?? process.platform] ?? `${search.versionedRoot ?? DEFAULT_VERSIONED_ROOT}/*/bin`}`;
  if (rejected.length) {
    throw new PgTunerError(
      'TOOL_VERSION',
      `The server runs PostgreSQL ${needed}, but the pg_dump found is too old (${rejected.join('; ')}). ` +
        `pg_dump must be version ${needed} or newer: install postgresql-client-${needed} or point pgtuner.backup.toolsDirectory at a newer bin folder.`,
    );
  }
  throw new PgTunerError(
    'TOOL_MISSING',
    `pg_dump and pg_restore (version ${needed} or newer) were not found in ${where}. ` +
      `Install the PostgreSQL client tools (e.g. postgresql-client-${needed}) or set pgtuner.backup.toolsDirectory to their folder.`,
  );
}

const DEFAULT_VERSIONED_ROOT = '/usr/lib/postgresql';

const INSTALL_FOLDERS_TEXT: Partial<Record<NodeJS.Platform, string>> = {
  win32: 'Program Files\\PostgreSQL\\*\\bin',
  darwin: 'Homebrew (opt/libpq/bin, opt/postgresql@N/bin) or Postgres.app',
};

/** The folders searched, in order: the tools folder alone when set, else PATH and the installers' folders. */
export function candidateFolders(search: ToolSearch): string[] {
  const platform = search.platform ?? process.platform;
  if (search.toolsDirectory) return [(search.paths ?? path).resolve(search.toolsDirectory)];
  const fromPath = pathEntries(search.pathEnv ?? process.env.PATH ?? '', platform);
  return [...new Set([...fromPath, ...installFolders(platform, search)])];
}

/**
 * PATH's folders. Windows separates them with ";" (its folders hold the ":" of a drive letter) and
 * allows an entry in double quotes, as the installers write `"C:\Program Files\…\bin"`.
 */
export function pathEntries(pathEnv: string, platform: NodeJS.Platform): string[] {
  if (platform !== 'win32') return pathEnv.split(':').filter(Boolean);
  return pathEnv
    .split(';')
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
}

/** Where the PostgreSQL installers of each platform put the client programs, besides PATH. */
export function installFolders(
  platform: NodeJS.Platform,
  search: Pick<ToolSearch, 'env' | 'root' | 'versionedRoot' | 'list' | 'paths'> = {},
): string[] {
  const env = search.env ?? process.env;
  const p = search.paths ?? path;
  const list = search.list ?? ((folder: string) => fs.readdirSync(folder));
  /** <root>/<entry> for the entries of root whose name matches. */
  const subfolders = (root: string, name: RegExp): string[] => {
    try {
      return list(root)
        .filter((d) => name.test(d))
        .sort()
        .map((d) => p.join(root, d));
    } catch {
      return []; // nothing installed there
    }
  };
  /** <root>/<major>/bin for every version folder under root. */
  const versionFolders = (root: string) => subfolders(root, /^\d+(\.\d+)?$/).map((d) => p.join(d, 'bin'));
  const at = (rel: string) => p.join(search.root ?? '/', rel);
  if (platform === 'win32') {
    // The EDB installer: C:\Program Files\PostgreSQL\<major>\bin (32-bit ones under Program Files (x86)).
    const roots = [...new Set([env.ProgramFiles, env.ProgramW6432, env['ProgramFiles(x86)']].filter((r): r is string => !!r))];
    return roots.flatMap((r) => versionFolders(p.join(r, 'PostgreSQL')));
  }
  if (platform === 'darwin') {
    // Homebrew (Apple silicon, Intel, or HOMEBREW_PREFIX): keg-only libpq and postgresql@N; then Postgres.app.
    const brews = [...new Set([env.HOMEBREW_PREFIX, at('opt/homebrew'), at('usr/local')].filter((b): b is string => !!b))];
    return [
      ...brews.flatMap((b) => [
        p.join(b, 'opt', 'libpq', 'bin'),
        ...subfolders(p.join(b, 'opt'), /^postgresql(@\d+)?$/).map((d) => p.join(d, 'bin')),
      ]),
      ...subfolders(at('Applications/Postgres.app/Contents/Versions'), /^(\d+(\.\d+)?|latest)$/).map((d) => p.join(d, 'bin')),
    ];
  }
  return versionFolders(search.versionedRoot ?? DEFAULT_VERSIONED_ROOT);
}

/** Versions already asked, by path and file identity: every backup would otherwise run 2+ programs first. */
const probed = new Map<string, ToolInfo | undefined>();

async function probeTool(file: string): Promise<ToolInfo | undefined> {
  let identity: string;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    const stat = fs.statSync(file);
    identity = `${file}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
  if (probed.has(identity)) return probed.get(identity);
  const output = await new Promise<string>((resolve) => {
    execFile(file, ['--version'], { timeout: 10_000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
  const parsed = parseToolVersion(output);
  const info = parsed && { path: file, ...parsed };
  probed.set(identity, info);
  return info;
}

/** Parallel jobs when the user did not choose: the cores, at most 4. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(4, os.cpus().length));
}

/** Where the settings say to look for the tools (pgtuner.backup.toolsDirectory; empty: PATH and the usual folders). */
export function toolSearchOf(settings: Settings): ToolSearch {
  const toolsDirectory = settings['backup.toolsDirectory'].trim();
  return toolsDirectory ? { toolsDirectory } : {};
}

/** pg_dump -Fd / pg_restore workers: pgtuner.backup.jobs, or the default when it is 0. */
export function jobsOf(settings: Settings): number {
  return settings['backup.jobs'] > 0 ? settings['backup.jobs'] : defaultJobs();
}
