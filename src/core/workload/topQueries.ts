/**
 * The Top Queries view's data: this database's statements as pg_stat_statements records them, by
 * total execution time, with each one's share of the database's total; and the reset that starts a
 * new before/after measurement.
 */
import { Database } from '../db/database';
import { isProduction } from '../db/safeExplain';
import { readServerInfo } from '../db/serverInfo';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { notPreloaded, statStatementsView } from './statStatements';

export interface TopQuery {
  queryId: string;
  /** pg_stat_statements' normalised text: constants are $n placeholders. */
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** totalMs / the database's total over every recorded statement (0…1). */
  share: number;
  /** Share of the blocks it read that were in shared buffers (null: it read none). */
  hitRatio: number | null;
  /** A statement Explain & Suggest can take (SELECT, WITH, DML, VALUES, TABLE). */
  explainable: boolean;
}

export interface TopQueries {
  queries: TopQuery[];
  /** Total execution time of every recorded statement of this database. */
  totalMs: number;
  /** When the statistics were last reset, when the server says (14+). */
  statsReset?: string;
}

/**
 * Top-level statements of this database by total time; transaction control, session settings
 * and EXPLAIN (PG Tuner's own runs among them) are left out: nothing there to tune. PostgreSQL 13
 * renamed total_time/mean_time to *_exec_time; 14 added toplevel.
 */
const topQueriesSql = (view: string, versionNum: number) => {
  const time = versionNum >= 130000 ? 'exec_time' : 'time';
  return `
WITH mine AS (
  SELECT * FROM ${view}
   WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())${versionNum >= 140000 ? ' AND toplevel' : ''}
)
SELECT queryid::text AS query_id, query, calls::float8 AS calls, total_${time}::float8 AS total_ms, mean_${time}::float8 AS mean_ms,
       rows::float8 AS rows, total_${time} / nullif(sum(total_${time}) OVER (), 0) AS share,
       sum(total_${time}) OVER ()::float8 AS database_ms,
       shared_blks_hit::float8 / nullif(shared_blks_hit + shared_blks_read, 0) AS hit_ratio,
       query ~* '^\\s*(select|with|insert|update|delete|merge|values|table)\\M' AS explainable
  FROM mine
 ORDER BY total_ms DESC`;
};

/**
 * Filtered after the window sums, so shares stay shares of the whole database: transaction control,
 * session settings and EXPLAIN, and catalog reads (PG Tuner's own among them, and no index of the
 * application's tables serves them).
 */
const NOISE = /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|discard|set|reset|show|explain)\b/i;
const CATALOG = /\b(pg_[a-z_]+|information_schema|hypopg[a-z_]*|set_config|current_setting)\b/i;
const isNoise = (query: string) => NOISE.test(query) || CATALOG.test(query);

const STATS_RESET_SQL = (view: string) => `SELECT stats_reset::text AS stats_reset FROM ${view}`;

export async function readTopQueries(db: Database, input: { top?: number }, run: Run): Promise<TopQueries> {
  const top = input.top ?? run.settings['workload.topStatements'];
  return db.withSession(async (session) => {
    const view = await statStatementsView(session);
    const info = await readServerInfo(session);
    let rows;
    try {
      rows = (await session.query(topQueriesSql(view('pg_stat_statements'), info.versionNum))).rows;
    } catch (err) {
      throw notPreloaded(err);
    }
    const statsReset =
      info.versionNum >= 140000
        ? ((await session.query(STATS_RESET_SQL(view('pg_stat_statements_info')))).rows[0]?.stats_reset ?? undefined)
        : undefined;
    const queries: TopQuery[] = rows
      .filter((r) => !isNoise(r.query))
      .slice(0, top)
      .map((r) => ({
        queryId: r.query_id,
        query: r.query,
        calls: r.calls,
        totalMs: r.total_ms,
        meanMs: r.mean_ms,
        rows: r.rows,
        share: Number(r.share ?? 0),
        hitRatio: r.hit_ratio === null ? null : Number(r.hit_ratio),
        explainable: r.explainable,
      }));
    return { queries, totalMs: rows[0]?.database_ms ?? 0, statsReset };
  }, run.signal);
}

/** This database's statements only (PostgreSQL 12+: userid 0 and queryid 0 mean all). */
const RESET_SQL = (fn: string) => `SELECT ${fn}(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`;
const INSUFFICIENT_PRIVILEGE = '42501';

/** Forgets this database's statement statistics, so the next reading is an "after". */
export async function resetTopQueries(db: Database, input: { confirmedProduction?: boolean }, run: Run): Promise<void> {
  if (isProduction(db.profile) && !input.confirmedProduction) {
    throw new PgTunerError(
      'BAD_INPUT',
      'This is a production connection: resetting pg_stat_statements erases what others monitor. Confirm it explicitly to go on.',
    );
  }
  await db.withSession(async (session) => {
    const view = await statStatementsView(session);
    try {
      await session.query(RESET_SQL(view('pg_stat_statements_reset')));
    } catch (err) {
      if ((err as { sqlState?: string }).sqlState === INSUFFICIENT_PRIVILEGE) {
        throw new PgTunerError(
          'BAD_INPUT',
          'Resetting pg_stat_statements needs a superuser, or: GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) TO <your role>.',
          { cause: err },
        );
      }
      throw notPreloaded(err);
    }
  }, run.signal);
}
