/**
 * The tracking tables of the migration tools a repository may already use, read and written in
 * their own format, so that PG Tuner and the tool agree on what is applied:
 *
 * - golang-migrate: `schema_migrations (version bigint not null primary key, dirty boolean not null)`,
 *   one row, the newest applied version (database/postgres/postgres.go, ensureVersionTable and
 *   SetVersion: TRUNCATE, then INSERT the version; no row once everything is rolled back).
 *   `dirty` means a migration stopped halfway: nothing may run until someone fixes it (`migrate force`).
 * - dbmate: `schema_migrations (version varchar(128) primary key)`, one row per applied version
 *   (pkg/driver/postgres/postgres.go, CreateMigrationsTable, InsertMigration, DeleteMigration).
 *
 * - node-pg-migrate: `pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
 *   one row per applied migration, named by its file without the extension (its migration.ts:
 *   `INSERT INTO … (name, run_on) VALUES (…, NOW())`, `DELETE FROM … WHERE name = …`).
 *
 * - Flyway: `flyway_schema_history`, one row per thing it did, in installed_rank order (see flyway.ts).
 *
 * Only Flyway keeps a checksum; golang-migrate and dbmate do not record when a migration ran either.
 */
import { Session } from '../db/database';
import { PgTunerError } from '../errors';
import { qualifiedName } from '../sql/ident';
import { Layout } from './conventions';
import { compareVersions, Migration, MigrationFolder } from './files';
import { openFlywayTable } from './flyway';
import type { AppliedRow, Tracking } from './trackingTypes';

export type ToolTableKind = 'golang-migrate' | 'dbmate' | 'node-pg-migrate' | 'Flyway';

/** The layout each tool's files follow: its table and the folder's convention must agree. */
export const TOOL_LAYOUT: Record<ToolTableKind, Layout> = {
  'golang-migrate': 'golang-migrate',
  dbmate: 'dbmate',
  'node-pg-migrate': 'node-pg-migrate',
  Flyway: 'flyway',
};

/** node-pg-migrate's table (its default migrationsTable). */
export const NODE_PG_MIGRATE_TABLE = 'pgmigrations';

/** A `schema_migrations` table's columns say whose it is. */
export function toolOfColumns(columns: string[]): ToolTableKind | undefined {
  const set = [...columns].sort().join(',');
  if (set === 'dirty,version') return 'golang-migrate';
  if (set === 'version') return 'dbmate';
  return undefined;
}

const GOLANG_READ_SQL = (t: string) => `SELECT version::text AS version, dirty FROM ${t} LIMIT 1`;
const GOLANG_CLEAR_SQL = (t: string) => `TRUNCATE ${t}`;
const GOLANG_SET_SQL = (t: string) => `INSERT INTO ${t} (version, dirty) VALUES ($1, false)`;
const DBMATE_READ_SQL = (t: string) => `SELECT version FROM ${t}`;
const DBMATE_INSERT_SQL = (t: string) => `INSERT INTO ${t} (version) VALUES ($1)`;
const DBMATE_DELETE_SQL = (t: string) => `DELETE FROM ${t} WHERE version = $1`;

const NPM_READ_SQL = (t: string) => `SELECT id::int AS id, name, run_on AS "runOn" FROM ${t} ORDER BY run_on, id`;
const NPM_INSERT_SQL = (t: string) => `INSERT INTO ${t} (name, run_on) VALUES ($1, NOW())`;
const NPM_DELETE_SQL = (t: string) => `DELETE FROM ${t} WHERE name = $1`;

const sameVersion = (a: string, b: string) => compareVersions(a, b) === 0;

/** A row for a migration the tool counts as applied (the folder's name for it, else its version). */
function row(id: number, version: string, folder: MigrationFolder): AppliedRow {
  const m = folder.migrations.find((x) => sameVersion(x.version, version));
  return { id, name: m?.name ?? version, checksum: null, downChecksum: null, appliedAt: null, executionMs: null };
}

export async function openToolTable(
  session: Session,
  kind: ToolTableKind,
  schema: string,
  table: string,
  folder: MigrationFolder,
): Promise<Tracking> {
  const name = qualifiedName(schema, table);
  if (kind === 'Flyway') return openFlywayTable(session, schema, table, folder);
  if (kind === 'golang-migrate') {
    const current = (await session.query<{ version: string; dirty: boolean }>(GOLANG_READ_SQL(name))).rows[0];
    // golang-migrate counts every migration up to its version as applied.
    const applied = current ? folder.migrations.filter((m) => BigInt(m.version) <= BigInt(current.version)).map((m) => m.version) : [];
    if (current && !folder.migrations.some((m) => sameVersion(m.version, current.version))) applied.push(current.version);
    const setVersion = async (version: string | undefined) => {
      await session.queryRaw(GOLANG_CLEAR_SQL(name));
      if (version !== undefined) await session.queryRaw(GOLANG_SET_SQL(name), [version]);
    };
    return {
      tool: 'golang-migrate',
      table: name,
      own: false,
      dirty: current?.dirty
        ? `golang-migrate marks version ${current.version} dirty in ${name}: a migration stopped halfway. Fix the database by hand, ` +
          `then run "migrate force <version>" to say where it stands. Nothing was run.`
        : undefined,
      read: async () => applied.map((v, i) => row(i + 1, v, folder)),
      ensure: async () => undefined,
      record: (m) => setVersion(m.version),
      forget: (m) => setVersion(previousVersion(folder, m)),
    };
  }
  if (kind === 'node-pg-migrate') {
    const rows = (await session.query<{ id: number; name: string; runOn: Date }>(NPM_READ_SQL(name))).rows;
    return {
      tool: 'node-pg-migrate',
      table: name,
      own: false,
      read: async () =>
        rows.map((r) => ({ id: r.id, name: r.name, checksum: null, downChecksum: null, appliedAt: r.runOn, executionMs: null })),
      ensure: async () => undefined,
      record: async (m) => void (await session.queryRaw(NPM_INSERT_SQL(name), [m.name])),
      forget: async (m) => void (await session.queryRaw(NPM_DELETE_SQL(name), [m.name])),
    };
  }
  const versions = (await session.query<{ version: string }>(DBMATE_READ_SQL(name))).rows.map((r) => r.version);
  versions.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return {
    tool: 'dbmate',
    table: name,
    own: false,
    read: async () => versions.map((v, i) => row(i + 1, v, folder)),
    ensure: async () => undefined,
    record: async (m) => void (await session.queryRaw(DBMATE_INSERT_SQL(name), [m.version])),
    forget: async (m) => void (await session.queryRaw(DBMATE_DELETE_SQL(name), [m.version])),
  };
}

/** The version golang-migrate records after `m` is rolled back: the migration before it, none for the first. */
function previousVersion(folder: MigrationFolder, m: Migration): string | undefined {
  const index = folder.migrations.findIndex((x) => x.name === m.name);
  if (index < 0) throw new PgTunerError('MIGRATION_ERROR', `${m.name} is not in ${folder.directory}.`);
  return index === 0 ? undefined : folder.migrations[index - 1].version;
}
