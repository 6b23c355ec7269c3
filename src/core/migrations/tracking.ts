/**
 * The tracking table: one row per applied migration, with the checksum of the SQL that ran.
 * Its schema is configurable (pgtuner.migrations.trackingSchema, CLI --tracking-schema).
 */
import { PgTunerError } from '../errors';
import { Session } from '../db/database';
import { qualifiedName, quoteIdent } from '../sql/ident';

export const TRACKING_TABLE = 'schema_migrations';
const EXPECTED_COLUMNS = ['id', 'name', 'checksum', 'applied_at', 'execution_ms'];

export interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
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
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  checksum     text NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  execution_ms integer NOT NULL
)`;

const selectAppliedSql = (table: string) =>
  `SELECT id::int AS id, name, checksum, applied_at AS "appliedAt", execution_ms AS "executionMs" FROM ${table} ORDER BY id`;

const insertAppliedSql = (table: string) => `INSERT INTO ${table} (name, checksum, execution_ms) VALUES ($1, $2, $3)`;

const deleteAppliedSql = (table: string) => `DELETE FROM ${table} WHERE name = $1`;

export function trackingTableName(schema: string): string {
  return qualifiedName(schema, TRACKING_TABLE);
}

/**
 * Whether the tracking table exists. golang-migrate and dbmate also create a
 * "schema_migrations" (with other columns); sharing theirs would corrupt both, so it is refused.
 */
export async function trackingTableExists(session: Session, schema: string): Promise<boolean> {
  const columns = (await session.query<{ column: string }>(TRACKING_COLUMNS_SQL, [schema, TRACKING_TABLE])).rows.map((r) => r.column);
  if (columns.length === 0) return false;
  const missing = EXPECTED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new PgTunerError('MIGRATION_ERROR', `${trackingTableName(schema)} exists but belongs to another tool (its columns: ${columns.join(', ')}). ` +
      `Set pgtuner.migrations.trackingSchema (CLI: --tracking-schema) to a schema of PG Tuner's own, e.g. "pgtuner".`);
  }
  return true;
}

export async function ensureTrackingTable(session: Session, schema: string): Promise<void> {
  if (await trackingTableExists(session, schema)) return;
  await session.query(createSchemaSql(schema));
  await session.query(createTableSql(trackingTableName(schema)));
}

export async function readApplied(session: Session, schema: string): Promise<AppliedRow[]> {
  if (!(await trackingTableExists(session, schema))) return [];
  return (await session.query<AppliedRow>(selectAppliedSql(trackingTableName(schema)))).rows;
}

export async function recordApplied(session: Session, schema: string, name: string, checksum: string, executionMs: number): Promise<void> {
  await session.queryRaw(insertAppliedSql(trackingTableName(schema)), [name, checksum, Math.round(executionMs)]);
}

export async function forgetApplied(session: Session, schema: string, name: string): Promise<void> {
  await session.queryRaw(deleteAppliedSql(trackingTableName(schema)), [name]);
}
