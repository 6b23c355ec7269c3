import { formatCount } from '../../format';
import { qualifiedName } from '../../sql/ident';
import { gradeAbove, outcome, plural, thresholdText } from '../grade';
import { HealthCheck, Outcome } from '../types';

/**
 * The slowest statements of this database by mean time. The view lives in the extension's
 * schema, so its (quoted) name is filled in; PostgreSQL 13 renamed mean_time to mean_exec_time.
 */
const SLOWEST_STATEMENTS_SQL = (view: string, timePrefix: 'exec_' | '') => `
SELECT queryid::text AS query_id, calls::float8 AS calls,
       round(mean_${timePrefix}time::numeric, 2)::float8 AS mean_ms,
       round(total_${timePrefix}time::numeric, 0)::float8 AS total_ms,
       rows::float8 AS rows, left(query, 300) AS query
  FROM ${view}
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= $1
 ORDER BY mean_${timePrefix}time DESC
 LIMIT $2`;

/** pg_stat_statements refuses to be read when the library is not preloaded. */
const NOT_PRELOADED = '55000';

const ENABLE =
  'Add pg_stat_statements to shared_preload_libraries in postgresql.conf (managed services: the parameter group / server flags), restart the server, then run CREATE EXTENSION pg_stat_statements in this database.';

function notAvailable(why: string): Outcome {
  return {
    status: 'skipped',
    figure: `skipped: needs the pg_stat_statements extension (${why})`,
    threshold: '',
    advice: ENABLE,
    details: [],
  };
}

export const slowestStatements: HealthCheck = {
  id: 'slowest-statements',
  title: 'Slowest statements (pg_stat_statements)',
  category: 'statements',
  async run({ session, options, server }) {
    const schema = server.extensions.pg_stat_statements.schema;
    if (!schema) return notAvailable('not installed in this database');
    const sql = SLOWEST_STATEMENTS_SQL(qualifiedName(schema, 'pg_stat_statements'), server.versionNum >= 130000 ? 'exec_' : '');
    let rows;
    try {
      rows = (await session.query(sql, [options.slowStatementMinCalls, options.slowStatementsTop])).rows;
    } catch (err) {
      if ((err as { sqlState?: string }).sqlState === NOT_PRELOADED) return notAvailable('installed, but not in shared_preload_libraries');
      throw err;
    }
    const slowest = rows[0];
    return outcome(slowest ? gradeAbove(slowest.mean_ms, options.slowStatementWarningMs, options.slowStatementCriticalMs) : 'ok', {
      figure: slowest
        ? `slowest: ${slowest.mean_ms} ms on average over ${formatCount(slowest.calls)} calls; ${plural(rows.length, 'statement')} listed`
        : `no statement called at least ${plural(options.slowStatementMinCalls, 'time')} yet`,
      threshold: thresholdText(`${options.slowStatementWarningMs} ms`, `${options.slowStatementCriticalMs} ms`) + ' mean time',
      advice:
        'Open the slowest statements with PG Tuner: Explain and Suggest to find missing indexes.' +
        (server.readsAllStats ? '' : ' Statements of other roles show as <insufficient privilege> without pg_read_all_stats.'),
      okAdvice: server.readsAllStats ? '' : 'Statements of other roles are hidden without pg_read_all_stats.',
      details: rows,
    });
  },
};
