/**
 * The hostile-input corpus of issue 11: SQL text that tries to leave PG Tuner's guarded
 * (rolled-back, read-only on production) transaction, or to leave something behind that a
 * rollback does not undo. Every case targets the fixture of hostileInput.test.ts:
 *
 *   t (id, k, title, tags)  the table the statements read; k = <K> keeps ~40 of N rows
 *   s                       a sequence (last_value 100, is_called)
 *   purge_t()               a procedure that deletes and COMMITs
 *   purge_fn()              a VOLATILE function that deletes
 *   hx_mallory              a NOLOGIN role (target of SET ROLE / SESSION AUTHORIZATION)
 *   victim (other database) reached through dblink_exec
 *
 * Roles a case creates are named hx_* so the suite can drop them again.
 */

export interface CorpusContext {
  /** libpq conninfo of the second database (the one holding `victim`), for dblink_exec. */
  dblink: string;
}

export interface HostileCase {
  id: string;
  /**
   * The statement; `k` is what the case compares k with: a literal (5) for Explain and the
   * advisor, `$1` for the generic-plan path. Cases without `k` are not used on that path.
   */
  sql(ctx: CorpusContext, k: string): string;
  /** Needs the database with standard_conforming_strings = off. */
  scs?: boolean;
  /** Usable as a generic plan ($1 without a value). */
  generic?: boolean;
  /** Worth running as a restore-test verification query (reaches beyond the scratch database). */
  verify?: boolean;
  /** Part of the (slower) CLI subset. */
  cli?: boolean;
  /** The harmless control: the path must succeed with it (proves the harness reaches the server). */
  control?: boolean;
}

const base = (k: string) => `SELECT id, title FROM t WHERE k = ${k}`;

/**
 * `<statement> --x<CR>; <payload>; SELECT 2 AS two<LF>, 3 AS three`: a splitter that ends a line
 * comment only at LF sees one statement ending in `three`; PostgreSQL ends the comment at the CR
 * and runs the payload as statements of their own. The tail keeps the last statement valid, so a
 * simple-protocol batch does not roll the payload back.
 */
const crSmuggle = (payload: string) => (_: CorpusContext, k: string) => `${base(k)} --x\r; ${payload}; SELECT 2 AS two\n, 3 AS three`;

export const CORPUS: HostileCase[] = [
  { id: 'control (harmless statement)', sql: (_, k) => base(k), generic: true, verify: true, cli: true, control: true },

  // Line comments ended by CR / CRLF.
  {
    id: 'CR line comment → COMMIT; DELETE; CREATE ROLE',
    sql: crSmuggle('COMMIT; DELETE FROM t; CREATE ROLE hx_cr_commit'),
    generic: true,
    verify: true,
    cli: true,
  },
  {
    // The CLI takes a value that starts with "--" (--sql "-- note…"): the comment must not hide a second statement.
    id: 'leading line comment ended by CR → COMMIT; DELETE; CREATE ROLE',
    sql: (_, k) => `--x\r; COMMIT; DELETE FROM t; CREATE ROLE hx_lead_cr; ${base(k)}`,
    generic: true,
    verify: true,
    cli: true,
  },
  {
    id: 'CRLF line comments → COMMIT; DELETE; CREATE ROLE',
    sql: (_, k) => `${base(k)} --a\r\n--b\r; COMMIT; DELETE FROM t; CREATE ROLE hx_crlf; SELECT 2 AS two\r\n, 3 AS three`,
    generic: true,
    verify: true,
    cli: true,
  },
  { id: 'CR line comment → END; DELETE', sql: crSmuggle('END; DELETE FROM t; CREATE ROLE hx_cr_end'), generic: true, verify: true },
  {
    id: 'CR line comment → ROLLBACK; DELETE',
    sql: crSmuggle('ROLLBACK; DELETE FROM t; CREATE ROLE hx_cr_rollback'),
    generic: true,
    verify: true,
  },
  { id: 'CR line comment → COMMIT; SET ROLE', sql: crSmuggle('COMMIT; SET ROLE hx_mallory'), generic: true },
  {
    id: 'CR line comment → COMMIT; SET SESSION AUTHORIZATION',
    sql: crSmuggle('COMMIT; SET SESSION AUTHORIZATION hx_mallory'),
    generic: true,
  },
  { id: 'CR line comment → COMMIT; RESET ALL', sql: crSmuggle('COMMIT; RESET ALL'), generic: true },
  {
    id: 'CR line comment → COMMIT; SET statement_timeout/search_path; PREPARE',
    sql: crSmuggle('COMMIT; SET statement_timeout = 0; SET search_path = evil, public; PREPARE hx_evil AS SELECT 1'),
    generic: true,
  },
  {
    id: 'CR line comment → COMMIT; DO block',
    sql: crSmuggle(`COMMIT; DO $do$ BEGIN DELETE FROM t; EXECUTE 'CREATE ROLE hx_do'; END $do$`),
    generic: true,
    verify: true,
  },
  { id: 'CR line comment → COMMIT; CALL committing procedure', sql: crSmuggle('COMMIT; CALL purge_t()'), generic: true, verify: true },

  // standard_conforming_strings = off: 'x\'' is one string to the server, 'x\' + ' to a naive splitter.
  {
    id: "standard_conforming_strings=off 'x\\'' → COMMIT; DELETE",
    sql: (_, k) => `${base(k)} AND title <> 'x\\''; COMMIT; DELETE FROM t; CREATE ROLE hx_scs; SELECT '1'`,
    scs: true,
    generic: true,
    cli: true,
  },

  // Quoting that both sides must agree on (harmless when lexed right).
  {
    id: "E'…' string with escaped quotes",
    sql: (_, k) => `${base(k)} AND title <> E'\\'\\047\\x27\\u0027; COMMIT; DELETE FROM t; CREATE ROLE hx_estring; --'`,
    generic: true,
    verify: true,
    cli: true,
  },
  {
    id: 'dollar quotes with tags',
    sql: (_, k) => `${base(k)} AND title <> $a$ $b$ '; COMMIT; DELETE FROM t; CREATE ROLE hx_dollar; $b$ --\r $a$`,
    generic: true,
    verify: true,
  },
  {
    id: 'dollar quote then CR line comment',
    sql: (_, k) =>
      `${base(k)} AND title <> $q$ --x\r $q$ --y\r; COMMIT; DELETE FROM t; CREATE ROLE hx_dollar_cr; SELECT 2 AS two\n, 3 AS three`,
    generic: true,
    verify: true,
  },
  {
    id: 'nested block comments',
    sql: (_, k) => `${base(k)} /* a /* b */ ; COMMIT; DELETE FROM t; CREATE ROLE hx_nested; --\r */ AND true`,
    generic: true,
    verify: true,
  },

  // Statements that are not explainable at all.
  { id: 'bare COMMIT', sql: () => 'COMMIT' },
  { id: 'bare END', sql: () => 'END' },
  { id: 'bare ROLLBACK', sql: () => 'ROLLBACK' },
  { id: 'bare SET ROLE', sql: () => 'SET ROLE hx_mallory' },
  { id: 'bare SET SESSION AUTHORIZATION', sql: () => 'SET SESSION AUTHORIZATION hx_mallory' },
  { id: 'bare RESET ALL', sql: () => 'RESET ALL' },
  { id: 'bare DO block', sql: () => `DO $$ BEGIN DELETE FROM t; EXECUTE 'CREATE ROLE hx_bare_do'; END $$` },
  { id: 'bare CALL of a committing procedure', sql: () => 'CALL purge_t()' },

  // Side effects that a rollback does not undo (EXPLAIN ANALYZE executes them).
  {
    id: 'dblink_exec into another database',
    sql: (c, k) => `${base(k)} AND (SELECT dblink_exec('${c.dblink}', 'DELETE FROM victim; CREATE ROLE hx_dblink')) IS NOT NULL`,
    generic: true,
    verify: true,
    cli: true,
  },
  { id: 'setval', sql: (_, k) => `${base(k)} AND (SELECT setval('s', 424242)) > 0`, generic: true, verify: true, cli: true },
  { id: 'nextval', sql: (_, k) => `SELECT id, title, nextval('s') AS n FROM t WHERE k = ${k}`, generic: true },
  {
    id: 'pg_advisory_lock (session level)',
    sql: (_, k) => `${base(k)} AND (SELECT pg_advisory_lock(4242)::text || pg_try_advisory_lock_shared(4243)::text) IS NOT NULL`,
    generic: true,
    verify: true,
    cli: true,
  },
  {
    id: "set_config('role' / search_path / statement_timeout, …, false)",
    sql: (_, k) =>
      `SELECT id, set_config('role', 'hx_mallory', false) AS r, set_config('search_path', 'evil', false) AS p, set_config('statement_timeout', '0', false) AS st FROM t WHERE k = ${k}`,
    generic: true,
  },
  { id: 'user VOLATILE function that deletes', sql: (_, k) => `${base(k)} AND (SELECT purge_fn()) > 0`, generic: true },
];

/**
 * SQL inside JS/TS source, as the user selects it in the editor (quotes included). The
 * extractor turns escapes such as `\r`, `\u000d`, `\x0d` into the real characters.
 */
export interface JsCase {
  id: string;
  source: string;
  scs?: boolean;
}

export const JS_CORPUS: JsCase[] = [
  {
    id: 'double-quoted string, \\r escape',
    source: String.raw`"SELECT id, title FROM t WHERE k = 5 --x\r; COMMIT; DELETE FROM t; CREATE ROLE hx_js_dq; SELECT 2 AS two\n, 3 AS three"`,
  },
  {
    id: 'tagged template with ${…} (generic plan), \\r escape',
    source:
      'sql`SELECT id, title FROM t WHERE k = ${queue} --x\\r; COMMIT; DELETE FROM t; CREATE ROLE hx_js_tpl; SELECT 2 AS two\\n, 3 AS three`',
  },
  {
    id: 'single-quoted string, \\u000d / \\x0d / \\u{a} escapes',
    source: String.raw`'SELECT id, title FROM t WHERE k = 5 --x\u000d; COMMIT; DELETE FROM t; --y\x0d; CREATE ROLE hx_js_u; SELECT 2 AS two\u{a}, 3 AS three'`,
  },
  {
    id: 'concatenation of literals, \\r escape',
    source: String.raw`'SELECT id, title FROM t WHERE k = 5 --x\r' + '; COMMIT; DELETE FROM t; CREATE ROLE hx_js_cat; SELECT 2 AS two\n' + ', 3 AS three'`,
  },
  {
    id: "standard_conforming_strings=off, 'x\\'' in a JS string",
    source: String.raw`"SELECT id, title FROM t WHERE k = 5 AND title <> 'x\\''; COMMIT; DELETE FROM t; CREATE ROLE hx_js_scs; SELECT '1'"`,
    scs: true,
  },
];

/**
 * Query text whose literals hold line breaks: the advisor quotes it in a suggestion's reason,
 * which the migration generator writes as `-- ` header comments. PostgreSQL and psql end a
 * comment at CR as well as LF, so a CR left inside a header turns the rest into live SQL.
 */
export interface MigrationCase {
  id: string;
  sql: string;
}

export const MIGRATION_CORPUS: MigrationCase[] = [
  {
    id: 'CR in a literal of an expression index',
    sql: "SELECT id FROM docs WHERE lower(title || 'x\rDROP TABLE canary; CREATE ROLE hx_mig_cr; --') = 'a'",
  },
  {
    id: 'CRLF, VT, FF, NEL, U+2028 in a literal',
    sql: "SELECT id FROM docs WHERE lower(title || 'x\r\nDROP TABLE canary;\vCREATE ROLE hx_mig_mix;\f\u0085\u2028DROP TABLE canary; --') = 'a'",
  },
  {
    id: 'CR in a full-text expression (GIN, trial build)',
    sql: "SELECT id FROM docs WHERE to_tsvector('english', title || ' \rDROP TABLE canary; CREATE ROLE hx_mig_fts; -- ' || body) @@ to_tsquery('english', 'doc')",
  },
];
