import { spawn } from 'child_process';
import { Readable } from 'stream';
import { scrub } from '../db/connectionErrors';
import { APPLICATION_NAME } from '../db/database';
import { ConnectionProfile } from '../db/profile';
import { PgTunerError } from '../errors';

/**
 * libpq variables for pg_dump / pg_restore. The password travels in PGPASSWORD (readable only by
 * this OS user through /proc/<pid>/environ), never in argv where `ps` shows it to everyone.
 */
export function libpqEnvironment(profile: ConnectionProfile, password: string | undefined, database = profile.database): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: APPLICATION_NAME, PGCONNECT_TIMEOUT: '10' };
  // Inherited connection settings must not leak into a run meant for this profile.
  for (const key of ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD', 'PGSSLMODE', 'PGSERVICE', 'PGOPTIONS'])
    delete env[key];
  if (profile.host) env.PGHOST = profile.host;
  if (profile.port) env.PGPORT = String(profile.port);
  if (profile.user) env.PGUSER = profile.user;
  if (database) env.PGDATABASE = database;
  env.PGSSLMODE = profile.sslmode ?? 'prefer';
  if (password) env.PGPASSWORD = password;
  return env;
}

export interface RunToolOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each stderr line as it arrives (pg_dump/pg_restore --verbose progress). */
  onStderrLine?: (line: string) => void;
  /** Called with the child's pid once it runs (tests read /proc/<pid>/cmdline). */
  onSpawn?: (pid: number) => void;
  /** Removed from any text that ends up in an error. */
  secrets?: readonly string[];
  /** Fed to the program's stdin (pg_restore reading a decrypted archive). */
  stdin?: Readable;
  /** Receives the program's stdout instead of collecting it (pg_dump writing into encryption); the run ends when it has. */
  stdout?: (stdout: Readable) => Promise<void>;
}

/**
 * The program's file name in messages, whichever separator its path uses (C:\…\pg_dump.exe on
 * Windows, /usr/…/pg_dump elsewhere): the path is the user's, the platform may not be this one.
 */
export function programName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

/** How many stderr lines to quote in an error. */
const ERROR_LINES = 8;
const ERROR_LINE = /error:|fatal:|detail:|hint:|could not|terminated|warning:/i;

/**
 * Runs a PostgreSQL client program. Resolves on exit code 0; otherwise rejects with a
 * BACKUP_ERROR quoting the program's own last error lines. Aborting kills the child (SIGTERM,
 * then SIGKILL if it lingers) and rejects with CANCELLED. With streams attached, a failure of
 * either stream kills the child and is the error reported; the program stopping early on its own
 * (pg_restore --list has read the table of contents) is not a failure of the stream feeding it.
 */
export async function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<{ stdout: string }> {
  if (!options.stdin && !options.stdout) return runProgram(file, args, options);
  const streams = new AbortController();
  const onAbort = () => streams.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let streamError: unknown;
  const failed = (err: unknown) => {
    streamError ??= err;
    streams.abort();
  };
  let consumed: Promise<void> | undefined;
  try {
    const result = await runProgram(file, args, {
      ...options,
      signal: streams.signal,
      onStreams(child) {
        if (options.stdin) {
          // Only the source failing counts (a wrong key, a damaged file); the program closing its
          // stdin early is judged by its exit code.
          // (pipe, unlike pipeline, leaves the source alone when the program goes away).
          options.stdin.once('error', failed);
          child.stdin!.on('error', () => undefined);
          options.stdin.pipe(child.stdin!);
        }
        if (options.stdout) consumed = options.stdout(child.stdout!).catch((err) => failed(err));
      },
    });
    await consumed;
    if (streamError) throw streamError;
    return result;
  } catch (err) {
    await consumed; // the consumer's files are closed before the caller removes them
    if (options.signal?.aborted) throw new PgTunerError('CANCELLED', `Cancelled by the user; ${programName(file)} was stopped.`);
    throw streamError ?? err;
  } finally {
    options.stdin?.destroy();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function runProgram(
  file: string,
  args: readonly string[],
  options: RunToolOptions & { onStreams?: (child: ReturnType<typeof spawn>) => void },
): Promise<{ stdout: string }> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new PgTunerError('CANCELLED', 'Cancelled before it started.'));
  const name = programName(file);
  return new Promise((resolve, reject) => {
    // No shell on any platform: each argument reaches the program as it is (Node quotes it for
    // Windows' command line itself), so a path with spaces, quotes or & | % $ needs no quoting here.
    const child = spawn(file, args, { env: options.env, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let partial = '';
    // --verbose output can be long: keep only the lines an error message needs.
    const errorLines: string[] = [];
    const lastLines: string[] = [];
    const keep = (line: string) => {
      if (errorLines.length < ERROR_LINES && ERROR_LINE.test(line)) errorLines.push(line);
      lastLines.push(line);
      if (lastLines.length > ERROR_LINES) lastLines.shift();
      options.onStderrLine?.(line);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    if (options.onStreams) options.onStreams(child);
    if (!options.stdout) child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) keep(line);
    });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new PgTunerError('TOOL_MISSING', `Could not run ${file}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (partial) keep(partial);
      if (signal?.aborted) return reject(new PgTunerError('CANCELLED', `Cancelled by the user; ${name} was stopped.`));
      if (code === 0) return resolve({ stdout });
      const quoted = (errorLines.length ? errorLines : lastLines).join('\n');
      const tail = scrub(quoted, options.secrets ?? []).trim();
      const how = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
      reject(new PgTunerError('BACKUP_ERROR', `${name} ${how}${tail ? `:\n${tail}` : '.'}`));
    });
  });
}
