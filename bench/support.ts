/** What every benchmark needs: timing, medians, running a tool, the libpq environment of a cluster, and the loaded bench workload. */
import { execFileSync, spawn } from 'child_process';
import { Client } from 'pg';
import * as path from 'path';
import { Cluster, startCluster } from '../test/support/cluster';

/** Runs a program to completion; rejects with its stderr when it fails. */
export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} exited ${code}: ${stderr}`))));
  });
}

/** Wall time of `fn` in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The median (mean of the middle two for an even count); NaN for none. */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** PG* variables that make pg_dump / pg_restore / psql reach the cluster as its superuser. */
export function libpqEnv(cluster: Cluster): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: cluster.superuser,
    PGPASSWORD: cluster.password,
    PGSSLMODE: 'disable',
  };
}

/** `CREATE INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON …` as a plain `CREATE INDEX <name> ON …` (a benchmark builds alone). */
export function asNamedIndex(ddl: string, name: string): string {
  const on = ddl.replace(/;\s*$/, '').match(/\sON\s[\s\S]*$/i);
  if (!on) throw new Error(`cannot read ${ddl}`);
  return `CREATE INDEX ${name}${on[0]}`;
}

/** Drops every index whose name starts with `prefix` (the ones a benchmark built). */
export async function dropIndexesNamed(client: Client, prefix: string): Promise<void> {
  const names = (
    await client.query(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'i' AND starts_with(c.relname, $1)`,
      [prefix],
    )
  ).rows;
  for (const { name } of names) await client.query(`DROP INDEX ${name}`);
}

/** The team's benchmark workload (bench/workload: schema.sql, data.sql, queries.json, workload.json). */
export const WORKLOAD = process.env.PGTUNER_BENCH_DIR ?? path.join(__dirname, '..', '..', 'bench', 'workload');

/**
 * The database to benchmark on: `url` when given (already loaded), else a new throwaway cluster
 * with the workload loaded into database `name`. `stop` ends the cluster (nothing for a given url).
 */
export async function benchDatabase(url: string | undefined, name: string): Promise<{ url: string; stop: () => Promise<void> }> {
  if (url) return { url, stop: async () => undefined };
  const cluster = await startCluster({
    settings: { shared_buffers: "'512MB'", maintenance_work_mem: "'256MB'" },
    log: (l) => console.log(l),
  });
  const loaded = await cluster.createDatabase(name);
  const t0 = Date.now();
  console.log(`loading ${WORKLOAD} …`);
  execFileSync(
    path.join(cluster.binDir, 'psql'),
    [loaded, '-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(WORKLOAD, 'schema.sql'), '-f', path.join(WORKLOAD, 'data.sql')],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  console.log(`loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { url: loaded, stop: () => cluster.stop() };
}
