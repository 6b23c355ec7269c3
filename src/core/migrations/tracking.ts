/**
 * The tracking table: one row per applied migration, with the checksums of the up SQL that ran and
 * of the down SQL that may undo it (a rollback runs only the down that was there when it was applied).
 * Its schema is configurable (pgtuner.migrations.trackingSchema, CLI --tracking-schema).
 */
import { PgTunerError } from '../errors';
import { Session } from '../db/database';
import { describeConvention } from './conventions';
import type { MigrationFolder } from './files';
import { FLYWAY_TABLE } from './flyway';
import { NODE_PG_MIGRATE_TABLE, openToolTable, TOOL_LAYOUT, ToolTableKind, toolOfColumns } from './toolTables';
import type { AppliedRow, Tracking } from './trackingTypes';
import { DEFAULT_SETTINGS, Settings } from '../settings/schema';
import { qualifiedName, quoteIdent } from '../sql/ident';

export type { AppliedRow, Tracking } from './trackingTypes';

export const TRACKING_TABLE = 'schema_migrations';
const EXPECTED_COLUMNS = ['id', 'name', 'checksum', 'applied_at', 'execution_ms'];
/** Added later: tables created by older versions get it through upgradeTrackingTable. */
const DOWN_CHECKSUM_COLUMN = 'down_checksum';

const TABLE_EXISTS_SQL = `SELECT to_regclass($1) IS NOT NULL AS exists`;

/**
 * The tracking table for `folder`: a tool's own table when that tool created it (golang-migrate's
 * or dbmate's schema_migrations, node-pg-migrate's pgmigrations, Flyway's flyway_schema_history),
 * read and written in its format, else PG Tuner's. The table and the folder's file convention
 * always agree: a folder in Flyway's naming uses Flyway's table (created as Flyway creates it
 * when there is none yet), and a tool's table is refused for a folder named another way.
 */
export async function openTracking(session: Session, schema: string, folder: MigrationFolder): Promise<Tracking> {
  const exists = async (table: string) =>
    (await session.query<{ exists: boolean }>(TABLE_EXISTS_SQL, [qualifiedName(schema, table)])).rows[0].exists;
  const columns = (await session.query<{ column: string }>(TRACKING_COLUMNS_SQL, [schema, TRACKING_TABLE])).rows.map((r) => r.column);
  const found: ToolTableKind[] = [];
  if (await exists(FLYWAY_TABLE)) found.push('Flyway');
  if (await exists(NODE_PG_MIGRATE_TABLE)) found.push('node-pg-migrate');
  const ofColumns = toolOfColumns(columns);
  if (ofColumns) found.push(ofColumns);
  const layout = folder.convention.layout;
  const tool = found.find((t) => TOOL_LAYOUT[t] === layout) ?? found[0] ?? (layout === 'flyway' ? 'Flyway' : undefined);
  if (!tool) return ownTracking(session, schema);
  if (folder.migrations.length && layout !== TOOL_LAYOUT[tool]) {
    throw new PgTunerError(
      'MIGRATION_ERROR',
      `${qualifiedName(schema, TOOL_TABLE[tool])} is ${tool}'s table, but ${folder.directory} follows ${describeConvention(folder.convention)}. ` +
        `Name the files as ${tool} does, or set pgtuner.migrations.trackingSchema (CLI: --tracking-schema) to a schema of PG Tuner's own, e.g. "pgtuner".`,
    );
  }
  return openToolTable(session, tool, schema, TOOL_TABLE[tool], folder);
}

/** Where each tool keeps its table (its default name). */
const TOOL_TABLE: Record<ToolTableKind, string> = {
  'golang-migrate': TRACKING_TABLE,
  dbmate: TRACKING_TABLE,
  'node-pg-migrate': NODE_PG_MIGRATE_TABLE,
  Flyway: FLYWAY_TABLE,
};

function ownTracking(session: Session, schema: string): Tracking {
  return {
    tool: 'PG Tuner',
    table: trackingTableName(schema),
    own: true,
    read: () => readApplied(session, schema),
    ensure: () => ensureTrackingTable(session, schema),
    record: (m, ms) => recordApplied(session, schema, m.name, m.checksum, m.downChecksum, ms),
    forget: (m) => forgetApplied(session, schema, m.name),
  };
}

const TRACKING_COLUMNS_SQL = `
SELECT a.attname AS column
  FROM pg_attribute a
 WHERE a.attrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relname = $2)
   AND a.attnum > 0 AND NOT a.attisdropped`;

const createSchemaSql = (schema: string) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`;

const createTableSql = (table: string) => `
CREATE TABLE IF NOT EXISTS ${table} (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  checksum      text NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now(),
  execution_ms  integer NOT NULL,
  down_checksum text
)`;

/** The tracking table of an older PG Tuner, brought up to date (idempotent). */
const upgradeTableSql = (table: string) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${DOWN_CHECKSUM_COLUMN} text`;

const selectAppliedSql = (table: string, hasDownChecksum: boolean) =>
  `SELECT id::int AS id, name, checksum, ${hasDownChecksum ? DOWN_CHECKSUM_COLUMN : 'NULL::text'} AS "downChecksum", applied_at AS "appliedAt", execution_ms AS "executionMs" FROM ${table} ORDER BY id`;

const insertAppliedSql = (table: string) => `INSERT INTO ${table} (name, checksum, down_checksum, execution_ms) VALUES ($1, $2, $3, $4)`;

/** Rows an older PG Tuner wrote get the down checksum of the file as it is now (first seen, then kept). */
const recordDownChecksumSql = (table: string) =>
  `UPDATE ${table} SET ${DOWN_CHECKSUM_COLUMN} = $2 WHERE name = $1 AND ${DOWN_CHECKSUM_COLUMN} IS NULL`;

const deleteAppliedSql = (table: string) => `DELETE FROM ${table} WHERE name = $1`;

/** The schema of the tracking table: pgtuner.migrations.trackingSchema, its default when blank. */
export function trackingSchemaOf(settings: Settings): string {
  return settings['migrations.trackingSchema'].trim() || DEFAULT_SETTINGS['migrations.trackingSchema'];
}

export function trackingTableName(schema: string): string {
  return qualifiedName(schema, TRACKING_TABLE);
}

/**
 * The tracking table's columns, none when it does not exist. golang-migrate and dbmate also create a
 * "schema_migrations" (with other columns); sharing theirs would corrupt both, so it is refused.
 */
async function trackingColumns(session: Session, schema: string): Promise<string[]> {
  const columns = (await session.query<{ column: string }>(TRACKING_COLUMNS_SQL, [schema, TRACKING_TABLE])).rows.map((r) => r.column);
  if (columns.length === 0) return [];
  const missing = EXPECTED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new PgTunerError(
      'MIGRATION_ERROR',
      `${trackingTableName(schema)} exists but belongs to another tool (its columns: ${columns.join(', ')}). ` +
        `Set pgtuner.migrations.trackingSchema (CLI: --tracking-schema) to a schema of PG Tuner's own, e.g. "pgtuner".`,
    );
  }
  return columns;
}

export async function trackingTableExists(session: Session, schema: string): Promise<boolean> {
  return (await trackingColumns(session, schema)).length > 0;
}

/** Creates the tracking table, or brings an older one up to date (the down checksum column). */
export async function ensureTrackingTable(session: Session, schema: string): Promise<void> {
  const columns = await trackingColumns(session, schema);
  if (columns.includes(DOWN_CHECKSUM_COLUMN)) return;
  if (columns.length) {
    await session.query(upgradeTableSql(trackingTableName(schema)));
    return;
  }
  await session.query(createSchemaSql(schema));
  await session.query(createTableSql(trackingTableName(schema)));
}

/** Read-only: works on an older tracking table too (its rows have no down checksum). */
export async function readApplied(session: Session, schema: string): Promise<AppliedRow[]> {
  const columns = await trackingColumns(session, schema);
  if (columns.length === 0) return [];
  return (await session.query<AppliedRow>(selectAppliedSql(trackingTableName(schema), columns.includes(DOWN_CHECKSUM_COLUMN)))).rows;
}

export async function recordApplied(
  session: Session,
  schema: string,
  name: string,
  checksum: string,
  downChecksum: string,
  executionMs: number,
): Promise<void> {
  await session.queryRaw(insertAppliedSql(trackingTableName(schema)), [name, checksum, downChecksum, Math.round(executionMs)]);
}

/** For a row written before down checksums: records the down as it is now. */
export async function recordDownChecksum(session: Session, schema: string, name: string, downChecksum: string): Promise<void> {
  await session.query(recordDownChecksumSql(trackingTableName(schema)), [name, downChecksum]);
}

export async function forgetApplied(session: Session, schema: string, name: string): Promise<void> {
  await session.queryRaw(deleteAppliedSql(trackingTableName(schema)), [name]);
}
