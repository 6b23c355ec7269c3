/** The workload as pg_stat_statements saw it: the top statements of this database by total execution time. */
import { Session } from '../db/database';
import { readServerInfo } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { qualifiedName } from '../sql/ident';
import { WorkloadStatement } from './types';

/**
 * Statements the planner can plan, of this database, by total time. PostgreSQL 13 renamed
 * total_time to total_exec_time; 14 added toplevel (statements inside functions are left out: the
 * calling statement is what the application runs). Catalog and tool queries (PG Tuner's own among
 * them: anything naming a pg_ object, set_config or hypopg) are skipped: no index of the
 * application's tables serves them.
 */
const topStatementsSql = (view: string, versionNum: number) => `
SELECT queryid::text AS id, query, calls::float8 AS calls, ${versionNum >= 130000 ? 'total_exec_time' : 'total_time'}::float8 AS total_ms,
       rows::float8 AS rows
  FROM ${view}
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())${versionNum >= 140000 ? ' AND toplevel' : ''}
   AND query ~* '^\\s*(select|with|insert|update|delete|values|table)\\M'
   AND query !~* '(\\mpg_[a-z_]+|information_schema|hypopg|set_config)'
 ORDER BY 4 DESC
 LIMIT $1`;

/** Seconds the statistics cover (PostgreSQL 14+), to turn per-second write rates into the same period. */
const statsWindowSql = (view: string) => `SELECT greatest(extract(epoch FROM now() - stats_reset), 1)::float8 AS seconds FROM ${view}`;

/** pg_stat_statements refuses to be read when the library is not preloaded. */
const NOT_PRELOADED = '55000';

const HOW_TO_ENABLE =
  'add pg_stat_statements to shared_preload_libraries in postgresql.conf (managed services: the parameter group or server flags), restart the server, run CREATE EXTENSION pg_stat_statements in this database, and let the application run for a while. Or give the statements with --file or --workload.';

export interface StatsWorkload {
  statements: WorkloadStatement[];
  /** Seconds since pg_stat_statements was reset, when the server says (14+). */
  windowSeconds?: number;
}

/**
 * The schema-qualified name of a pg_stat_statements view, once the extension is known to be
 * installed in this database and preloaded by the server (else a message saying how to enable it).
 */
export async function statStatementsView(session: Session): Promise<(name: string) => string> {
  const info = await readServerInfo(session);
  const ext = info.extensions.pg_stat_statements;
  if (!ext.installed || !ext.schema) {
    throw new PgTunerError('BAD_INPUT', `pg_stat_statements is not installed in database ${info.database}: ${HOW_TO_ENABLE}`);
  }
  if (info.preloadedLibraries && !info.preloadedLibraries.includes('pg_stat_statements')) {
    throw new PgTunerError(
      'BAD_INPUT',
      `pg_stat_statements is installed but not in shared_preload_libraries, so it records nothing: ${HOW_TO_ENABLE}`,
    );
  }
  const schema = ext.schema;
  return (name: string) => qualifiedName(schema, name);
}

/** pg_stat_statements' own "not loaded" error, as the same advice. */
export function notPreloaded(err: unknown): unknown {
  return (err as { sqlState?: string }).sqlState === NOT_PRELOADED
    ? new PgTunerError('BAD_INPUT', `pg_stat_statements is not loaded by the server: ${HOW_TO_ENABLE}`, { cause: err })
    : err;
}

export async function readTopStatements(session: Session, top: number): Promise<StatsWorkload> {
  const info = await readServerInfo(session);
  const view = await statStatementsView(session);
  let rows;
  try {
    rows = (await session.query(topStatementsSql(view('pg_stat_statements'), info.versionNum), [top])).rows;
  } catch (err) {
    throw notPreloaded(err);
  }
  if (!rows.length) {
    throw new PgTunerError(
      'BAD_INPUT',
      `pg_stat_statements has recorded no statement of database ${info.database} yet: let the application run, or give the statements with --file or --workload.`,
    );
  }
  const windowSeconds =
    info.versionNum >= 140000
      ? ((await session.query(statsWindowSql(view('pg_stat_statements_info')))).rows[0]?.seconds ?? undefined)
      : undefined;
  return { statements: rows.map((r) => ({ id: r.id, sql: r.query, calls: r.calls })), windowSeconds };
}

/**
 * Type names a typed literal (`DATE '2024-01-01'`) may start with. pg_stat_statements replaces only
 * the string, leaving `DATE $2`, which PostgreSQL cannot parse; as `$2::date` it plans the same.
 */
const TYPED_PLACEHOLDER = new RegExp(
  String.raw`\b(date|timestamptz|timestamp(?:\s+with(?:out)?\s+time\s+zone)?|timetz|time(?:\s+with(?:out)?\s+time\s+zone)?|` +
    String.raw`jsonb|json|uuid|inet|cidr|macaddr|numeric|decimal|bigint|smallint|integer|int[248]?|real|double\s+precision|` +
    String.raw`boolean|bool|text|varchar|bytea|money|point)\s+(\$\d+)\b`,
  'gi',
);
/** `INTERVAL $1 DAY` (from `interval '90' day`): the field qualifier goes with the literal. */
const INTERVAL_PLACEHOLDER =
  /\binterval\s+(\$\d+)(?:\s+(?:year|month|day|hour|minute|second)(?:\s+to\s+(?:month|hour|minute|second))?\b)?/gi;

/** pg_stat_statements' normalised text made parseable: typed literals' placeholders become casts. */
export function plannableText(query: string): string {
  return query
    .replace(INTERVAL_PLACEHOLDER, '$1::interval')
    .replace(TYPED_PLACEHOLDER, (_, type: string, param: string) => `${param}::${type.replace(/\s+/g, ' ').toLowerCase()}`);
}

/**
 * A statement's text with its constants and placeholders alike as `?`, case and spacing folded:
 * pg_stat_statements' normalised text and the statement in the workspace it came from get one key.
 * TRUE and FALSE are constants too: pg_stat_statements records `is_active = false` as `is_active = $1`.
 */
export function constantFreeKey(sql: string): string {
  return sql
    .replace(/(?:\b[eEbBxXuU]&?)?'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/(?<![\w$.?])\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/(?<![\w$."])\b(?:true|false)\b(?![\w$"])/gi, '?')
    .replace(/-\s*\?/g, '?')
    .toLowerCase()
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),=<>+*/|:[\]])\s*/g, '$1')
    .trim();
}

/**
 * Recorded statements made plannable. pg_stat_statements keeps no constants, and a generic plan
 * cannot use a partial index, an expression index whose expression holds a constant
 * (`to_tsvector('english', …)` is recorded as `to_tsvector($1, …)`) or a skewed value's
 * selectivity. So when the same statement is in the workspace (SQL files, code), it is planned with
 * the workspace's text and constants (its own `$n` stay generic parameters); any other gets the
 * generic plan of its normalised text (`DATE $2` as `$2::date`). Returns how many came from the workspace.
 */
export function plannableStatements(recorded: WorkloadStatement[], workspace: WorkloadStatement[]): number {
  const byKey = new Map(workspace.map((w) => [constantFreeKey(w.sql), w]));
  let found = 0;
  for (const s of recorded) {
    const match = byKey.get(constantFreeKey(s.sql));
    s.sql = match ? match.sql : plannableText(s.sql);
    if (match?.params) s.params = match.params;
    if (match) found++;
  }
  return found;
}
