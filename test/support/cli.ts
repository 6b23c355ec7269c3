import { spawnSync } from 'child_process';
import * as path from 'path';

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
export function runCli(args: string[], databaseUrl?: string, options: { cwd?: string; timeoutMs?: number } = {}): CliRun {
  const env = { ...process.env, DATABASE_URL: databaseUrl ?? '' };
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { env, cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}
