/**
 * Flyway's `flyway_schema_history`, read and written in Flyway's own format, so that Flyway and
 * PG Tuner agree on what is applied. The table has one row per thing Flyway did, numbered by
 * installed_rank:
 *
 * - a versioned migration ran: type SQL, its version (V1_1 is 1.1), description (the file name's,
 *   `_` read as spaces), script (the file name), checksum (flywayChecksum), installed_by (the
 *   database user), execution_time (ms), success;
 * - an undo ran (Flyway Teams, `U<version>__…`): type UNDO_SQL with the version it undid, which
 *   is pending again; PG Tuner rolls back the same way, with the U file, and writes the same row;
 * - a baseline (type BASELINE, or a B…__ baseline migration): every version up to it counts as applied;
 * - SCHEMA (Flyway created the schema) and repeatable migrations (no version) say nothing about versions;
 * - success = false: a migration failed halfway, and Flyway runs nothing until `flyway repair`.
 *   PG Tuner refuses in the same way.
 */
import * as path from 'path';
import { Session } from '../db/database';
import { qualifiedName, quoteIdent } from '../sql/ident';
import { parseFileName } from './conventions';
import { compareVersions, MigrationFolder, versionKey } from './files';
import type { AppliedRow, Tracking } from './trackingTypes';

export const FLYWAY_TABLE = 'flyway_schema_history';

/** Flyway's own DDL for PostgreSQL (its createMetaDataTable.sql): the table, its primary key, the success index. */
const createTableSql = (schema: string, table: string) => {
  const name = qualifiedName(schema, table);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
    `CREATE TABLE ${name} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)`,
    `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(`${table}_pk`)} PRIMARY KEY ("installed_rank")`,
    `CREATE INDEX ${quoteIdent(`${table}_s_idx`)} ON ${name} ("success")`,
  ];
};

const TABLE_EXISTS_SQL = `SELECT to_regclass($1) IS NOT NULL AS exists`;
const READ_SQL = (t: string) =>
  `SELECT installed_rank AS rank, version, type, script, checksum, installed_on AS "installedOn", execution_time AS "executionMs", success FROM ${t} ORDER BY installed_rank`;
/** The next installed_rank, as Flyway takes it (the migration lock keeps two runners apart). */
const INSERT_SQL = (t: string) => `
INSERT INTO ${t} (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, $5, current_user, $6, true FROM ${t}`;

export interface HistoryRow {
  rank: number;
  version: string | null;
  type: string;
  script: string;
  checksum: number | null;
  installedOn: Date;
  executionMs: number;
  success: boolean;
}

/** Flyway's description column for a file: the part after `__`, underscores as spaces (at most 200 characters). */
function description(file: string): string {
  return (parseFileName(path.basename(file))?.title ?? '').replace(/_/g, ' ').slice(0, 200);
}

export async function openFlywayTable(session: Session, schema: string, table: string, folder: MigrationFolder): Promise<Tracking> {
  const name = qualifiedName(schema, table);
  const exists = (await session.query<{ exists: boolean }>(TABLE_EXISTS_SQL, [name])).rows[0].exists;
  const history = exists ? (await session.query<HistoryRow>(READ_SQL(name))).rows : [];
  const failed = history.find((r) => !r.success);
  const write = async (version: string, type: string, file: string, checksum: string, ms: number) =>
    void (await session.queryRaw(INSERT_SQL(name), [
      version,
      description(file),
      type,
      path.basename(file),
      Number(checksum),
      Math.round(ms),
    ]));
  return {
    tool: 'Flyway',
    table: name,
    own: false,
    dirty: failed
      ? `Flyway records ${failed.script}${failed.version ? ` (version ${failed.version})` : ''} as failed in ${name}: a migration stopped halfway. ` +
        `Remove what it left by hand, then run "flyway repair" to clear the failed row. Nothing was run.`
      : undefined,
    read: async () => appliedVersions(history, folder),
    ensure: async () => {
      if (exists || (await session.query<{ exists: boolean }>(TABLE_EXISTS_SQL, [name])).rows[0].exists) return;
      for (const sql of createTableSql(schema, table)) await session.query(sql);
    },
    record: (m, ms) => write(m.version, 'SQL', m.upFile, m.checksum, ms),
    forget: (m, ms) => write(m.version, 'UNDO_SQL', m.downFile as string, m.downChecksum, ms),
  };
}

/** What the history leaves applied, in the order it was applied (an undo and a new run move a version to the end). */
export function appliedVersions(history: HistoryRow[], folder: MigrationFolder): AppliedRow[] {
  const applied = new Map<string, AppliedRow>();
  const byVersion = new Map(folder.migrations.map((m) => [versionKey(m.version), m]));
  // Named as the folder names the version; a version whose file is gone by the script it ran.
  const add = (version: string, script: string, row: Omit<AppliedRow, 'name' | 'version'>) => {
    const key = versionKey(version);
    applied.delete(key);
    applied.set(key, { ...row, version, name: byVersion.get(key)?.name ?? path.parse(script).name });
  };
  for (const r of history) {
    if (!r.success || r.version === null || r.type === 'SCHEMA') continue;
    const row = { id: r.rank, checksum: null, downChecksum: null, appliedAt: r.installedOn, executionMs: r.executionMs };
    if (r.type.startsWith('UNDO_') || r.type === 'DELETE') applied.delete(versionKey(r.version));
    else if (r.type === 'BASELINE' || r.type.endsWith('_BASELINE')) {
      const below = folder.migrations.filter((m) => compareVersions(m.version, r.version as string) <= 0);
      for (const m of below) add(m.version, m.upFile, row);
    } else add(r.version, r.script, { ...row, checksum: r.checksum === null ? null : String(r.checksum) });
  }
  return [...applied.values()];
}
