import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { Client } from 'pg';

export const CLI_PATH = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Runs the bundled CLI (dist/cli.js, built by `node esbuild.js`) as a user would. A database URL,
 * which carries a password, goes through DATABASE_URL rather than argv.
 */
export function runCli(
  args: string[],
  databaseUrl?: string,
  options: { cwd?: string; timeoutMs?: number; /** standard input */ input?: string } = {},
): CliRun {
  const env = { ...process.env, DATABASE_URL: databaseUrl ?? '' };
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
    env,
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

export interface InterruptedRun {
  /** Exit code (130 when the CLI handled Ctrl-C), null when a signal killed it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Queries of pgtuner backends still running `marker` a few seconds after the CLI ended. */
  stillActive: string[];
}

/**
 * pgtuner's backends running a statement that contains $1 (the test's own connection excluded),
 * in this database or, when $2, in any database of the server.
 */
const ACTIVE_PGTUNER_SQL = `
SELECT pid, query FROM pg_stat_activity
 WHERE application_name = 'pgtuner' AND state = 'active' AND ($2 OR datname = current_database())
   AND pid <> pg_backend_pid() AND strpos(query, $1) > 0`;

/**
 * Ctrl-C as a user gives it: starts the bundled CLI, waits until pg_stat_activity shows its
 * statement containing `marker` running (application_name 'pgtuner', state 'active'), sends SIGINT,
 * waits for the exit, then gives the server a few seconds to drop the statement. Backends still
 * running it are terminated afterwards so a failing run leaves nothing behind. `anyDatabase`: the
 * statement runs in another database of the server (restore-test's scratch database).
 */
export async function interruptCli(
  args: string[],
  databaseUrl: string,
  marker: string,
  options: { settleMs?: number; anyDatabase?: boolean } = {},
): Promise<InterruptedRun> {
  const { child, exited } = startCli(args, databaseUrl);
  let stderr = '';
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  const active = async () => (await admin.query<{ pid: number; query: string }>(ACTIVE_PGTUNER_SQL, [marker, !!options.anyDatabase])).rows;
  try {
    await until(
      () => `the CLI's statement (${marker}) to run on the server; stderr: ${stderr}`,
      async () => (await active()).length > 0 || child.exitCode !== null,
      60_000,
    );
    if (child.exitCode !== null) throw new Error(`the CLI ended before its statement ran (exit ${child.exitCode}): ${stderr}`);
    child.kill('SIGINT');
    const { code, signal } = await exited;
    await until(
      () => 'the server to drop the statement',
      async () => (await active()).length === 0,
      options.settleMs ?? 5_000,
    ).catch(() => undefined);
    return { code, signal, stderr, stillActive: (await active()).map((r) => r.query) };
  } finally {
    child.kill('SIGKILL');
    await admin
      .query(`SELECT pg_terminate_backend(pid) FROM (${ACTIVE_PGTUNER_SQL}) a`, [marker, !!options.anyDatabase])
      .catch(() => undefined);
    await admin.end();
  }
}

async function until(what: () => string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A CLI run in the background (for tests that signal it while it works). */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves when it exits: its code (null when a signal killed it), stdout and stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the bundled CLI like runCli, without waiting for it. */
export function startCli(args: string[], databaseUrl?: string): RunningCli {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl ?? '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

export interface TerminatedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** pgtuner's (or pg_dump's) backends in this database waiting on or running a statement containing $1. */
const TERMINATE_MATCHING_SQL = `
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE application_name = ANY($2) AND datname = current_database()
   AND pid <> pg_backend_pid() AND state = 'active' AND strpos(query, $1) > 0`;

/**
 * The server going away as a user meets it: starts the bundled CLI, waits until one of its
 * backends (application_name in `applications`) runs a statement containing `marker`, kills that
 * backend with pg_terminate_backend, and waits for the CLI to exit on its own.
 */
export async function terminateDuringCli(
  args: string[],
  databaseUrl: string,
  marker: string,
  applications: string[] = ['pgtuner'],
): Promise<TerminatedRun> {
  const { child, exited } = startCli(args, databaseUrl);
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    let terminated = 0;
    await until(
      () => `a backend of the CLI running ${marker}`,
      async () => {
        if (child.exitCode !== null) return true;
        terminated = (await admin.query(TERMINATE_MATCHING_SQL, [marker, applications])).rowCount ?? 0;
        return terminated > 0;
      },
      60_000,
    );
    const r = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the CLI did not exit within 30 s')), 30_000)),
    ]);
    if (!terminated) throw new Error(`the CLI ended before its statement ran (exit ${r.code}): ${r.stderr}`);
    return r;
  } finally {
    child.kill('SIGKILL');
    await admin.end();
  }
}
