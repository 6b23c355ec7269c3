/** Shared by the migration integration tests: temp folders with files, databases, schema dumps. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { getCluster } from '../../../support/integrationHooks';
import { queryUrl as query } from '../../../support/sql';

const folders: string[] = [];

/** A new temp folder holding `files` (name → text); removed after the run. */
export function migrationsFolder(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-mig-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

export function removeFolders(): void {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function openDatabase(url: string): Database {
  return new Database(targetFromUrl(url));
}

export { query };

export async function trackedNames(url: string, schema = 'public'): Promise<string[]> {
  const exists = await query(url, 'SELECT to_regclass($1) AS t', [`"${schema}".schema_migrations`]);
  if (!exists[0].t) return [];
  return (await query<{ name: string }>(url, `SELECT name FROM "${schema}".schema_migrations ORDER BY id`)).map((r) => r.name);
}

export async function invalidIndexes(url: string): Promise<string[]> {
  return (await query<{ name: string }>(url, 'SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid')).map(
    (r) => r.name,
  );
}

/**
 * The database's schema as pg_dump --schema-only prints it (the tracking table left out, it is
 * PG Tuner's own bookkeeping). The password goes to pg_dump through PGPASSWORD, never argv.
 */
export async function schemaDump(url: string): Promise<string> {
  const cluster = await getCluster();
  const bundled = path.join(cluster.binDir, 'pg_dump');
  const pgDump = fs.existsSync(bundled) ? bundled : 'pg_dump';
  const u = new URL(url);
  const out = execFileSync(
    pgDump,
    [
      '--schema-only',
      '--no-owner',
      '--exclude-table=public.schema_migrations',
      '-h',
      u.hostname,
      '-p',
      u.port,
      '-U',
      decodeURIComponent(u.username),
      '-d',
      decodeURIComponent(u.pathname.slice(1)),
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password), PGSSLMODE: 'disable' }, encoding: 'utf8' },
  );
  // Drop comments and pg_dump's per-run random \restrict key lines.
  return out
    .split('\n')
    .filter((l) => l && !l.startsWith('--') && !/^\\(un)?restrict /.test(l))
    .join('\n');
}
