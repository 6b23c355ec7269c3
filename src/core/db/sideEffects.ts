/**
 * What EXPLAIN ANALYZE would do that ROLLBACK cannot undo. ANALYZE executes the statement, and a
 * volatile function may act outside the transaction: a sequence advances (nextval, setval), a
 * dblink call writes to another database, an advisory lock outlives the transaction, set_config
 * changes the session, pg_notify / pg_terminate_backend reach other sessions, large objects… The
 * check plans the statement first (EXPLAIN VERBOSE, nothing runs), collects every function name the
 * statement and its expanded plan (views, defaults, rules) call, plus the triggers of the tables a
 * DML statement writes, and asks pg_proc which of them are volatile.
 */
import { PgTunerError } from '../errors';
import { scanTokens } from '../sql/split';
import { Session } from './database';

/** What to do when ANALYZE would run functions with side effects. */
export type SideEffectPolicy = 'refuse' | 'plain' | 'allow';

/**
 * Built-in volatile functions whose only effect is to read (sizes, clocks, WAL positions) or to
 * wait: running them changes nothing. Matched in pg_catalog only, never a user's namesake.
 */
const HARMLESS_BUILTINS = [
  'clock_timestamp',
  'timeofday',
  'random',
  'gen_random_uuid',
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'currval',
  'lastval',
  'pg_sequence_last_value',
  'pg_relation_size',
  'pg_table_size',
  'pg_total_relation_size',
  'pg_indexes_size',
  'pg_database_size',
  'pg_tablespace_size',
  'pg_is_in_recovery',
  'pg_blocking_pids',
  'pg_safe_snapshot_blocking_pids',
  'pg_lock_status',
  'pg_current_wal_lsn',
  'pg_current_wal_insert_lsn',
  'pg_current_wal_flush_lsn',
  'pg_last_wal_receive_lsn',
  'pg_last_wal_replay_lsn',
  'pg_last_xact_replay_timestamp',
  'pg_jit_available',
  'pg_partition_tree',
  'pg_partition_ancestors',
  'pg_xact_status',
  'txid_status',
  'pg_notification_queue_usage',
  'current_query',
  'pg_stat_have_stats',
  'pg_is_wal_replay_paused',
  'pg_get_wal_replay_pause_state',
  'pg_xact_commit_timestamp',
  'pg_last_committed_xact',
  'tsvector_update_trigger',
  'tsvector_update_trigger_column',
  'suppress_redundant_updates_trigger',
];

/** Verbose plan: expands views, rules and column defaults into the expressions that will run. */
const VERBOSE_PLAN_PREFIX = 'EXPLAIN (VERBOSE, FORMAT JSON) ';

const VOLATILE_FUNCTIONS_SQL = `
SELECT DISTINCT p.oid::regproc::text || '()' AS signature
  FROM pg_proc p
 WHERE p.proname = ANY($1::text[])
   AND p.provolatile = 'v'
   AND NOT (p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY($2::text[]))
 ORDER BY 1`;

/** User triggers on the written tables and their partitions, with volatile functions not on the list. */
const WRITE_TRIGGERS_SQL = `
WITH targets AS (
  SELECT to_regclass(quote_ident(u.schema) || '.' || quote_ident(u.relname)) AS oid
    FROM unnest($1::text[], $2::text[]) AS u(schema, relname)),
tree AS (
  SELECT oid AS relid FROM targets WHERE oid IS NOT NULL
  UNION
  SELECT pt.relid FROM targets CROSS JOIN LATERAL pg_partition_tree(targets.oid) pt WHERE targets.oid IS NOT NULL)
SELECT t.tgname, t.tgrelid::regclass::text AS relation, p.oid::regproc::text || '()' AS signature
  FROM pg_trigger t
  JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE t.tgrelid IN (SELECT relid FROM tree)
   AND NOT t.tgisinternal
   AND t.tgenabled <> 'D'
   AND p.provolatile = 'v'
   AND NOT (p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY($3::text[]))
 ORDER BY 2, 1`;

/** One entry per effect, e.g. "nextval()" or "trigger audit on orders runs audit_row()". */
export async function findSideEffects(session: Session, statement: string, params: unknown[] | undefined): Promise<string[]> {
  return sideEffectsOf(session, statement, await verbosePlanJson(session, statement, params));
}

/** EXPLAIN (VERBOSE, FORMAT JSON) of the statement: planned, nothing runs. */
export async function verbosePlanJson(session: Session, statement: string, params: unknown[] | undefined): Promise<unknown> {
  return (await session.userQuery(VERBOSE_PLAN_PREFIX + statement, params)).rows[0]['QUERY PLAN'];
}

/** The side effects of a statement, from its verbose plan (verbosePlanJson). */
export async function sideEffectsOf(session: Session, statement: string, planJson: unknown): Promise<string[]> {
  const names = new Set(functionNamesIn(statement));
  const writes: { schema: string; relation: string }[] = [];
  collectFromPlan(planJson, names, writes);
  const effects: string[] = [];
  if (names.size) {
    const r = await session.query<{ signature: string }>(VOLATILE_FUNCTIONS_SQL, [[...names], HARMLESS_BUILTINS]);
    effects.push(...r.rows.map((row) => row.signature));
  }
  if (writes.length) {
    const r = await session.query<{ tgname: string; relation: string; signature: string }>(WRITE_TRIGGERS_SQL, [
      writes.map((w) => w.schema),
      writes.map((w) => w.relation),
      HARMLESS_BUILTINS,
    ]);
    effects.push(...r.rows.map((row) => `trigger ${row.tgname} on ${row.relation} runs ${row.signature}`));
  }
  return effects;
}

/** The error a face shows (or answers by asking the user) when ANALYZE would run side effects. */
export function sideEffectsError(effects: string[]): PgTunerError {
  return new PgTunerError(
    'SIDE_EFFECTS',
    `EXPLAIN ANALYZE would execute functions with side effects that the rollback does not undo ` +
      `(sequences, other databases, locks, session settings, notifications): ${effects.join(', ')}. Run plain EXPLAIN, or allow side effects explicitly.`,
  );
}

export const PLAIN_INSTEAD_NOTE = (effects: string[]) =>
  `Plain EXPLAIN (estimates only): ANALYZE would have executed functions with side effects that a rollback does not undo: ${effects.join(', ')}.`;

/** Names called in SQL text: a word (or quoted identifier) followed by `(`, outside strings and comments. */
export function functionNamesIn(sql: string): string[] {
  const names: string[] = [];
  let previous: string | undefined;
  for (const t of scanTokens(sql)) {
    if (t.kind === 'comment') continue;
    const text = sql.slice(t.start, t.end);
    if (text === '(' && previous !== undefined) names.push(previous);
    previous = t.kind === 'word' ? text.toLowerCase() : t.kind === 'quoted-ident' ? text.slice(1, -1).replace(/""/g, '"') : undefined;
  }
  return names;
}

/** Every string of the plan is expression text (Output, Filter, Function Call…); ModifyTable names what is written. */
function collectFromPlan(node: unknown, names: Set<string>, writes: { schema: string; relation: string }[]): void {
  if (typeof node === 'string') {
    for (const n of functionNamesIn(node)) names.add(n);
  } else if (Array.isArray(node)) {
    for (const item of node) collectFromPlan(item, names, writes);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o['Node Type'] === 'ModifyTable') {
      // One target, or several ("Target Tables") when the table has inheritance children.
      const targets = Array.isArray(o['Target Tables']) ? (o['Target Tables'] as Record<string, unknown>[]) : [o];
      for (const t of targets)
        if (typeof t['Relation Name'] === 'string') writes.push({ schema: String(t['Schema'] ?? 'public'), relation: t['Relation Name'] });
    }
    if (typeof o['Function Name'] === 'string') names.add(o['Function Name'] as string);
    for (const value of Object.values(o)) collectFromPlan(value, names, writes);
  }
}
