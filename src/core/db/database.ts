import pgpass from 'pgpass';
import { Client, ClientConfig, Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { PgTunerError } from '../errors';
import { ConnectionLostError, connectionLossIn, scrub, toPgTunerError } from './connectionErrors';
import { secondsToMs, Settings } from '../settings/schema';
import { ConnectionProfile, ConnectionTarget, SslMode } from './profile';

export interface DatabaseOptions {
  connectTimeoutMs?: number;
  /** Default statement_timeout of every session (EXPLAIN ANALYZE sets its own with SET LOCAL). */
  statementTimeoutMs?: number;
  maxConnections?: number;
}

const DEFAULTS: Required<DatabaseOptions> = { connectTimeoutMs: 10_000, statementTimeoutMs: 30_000, maxConnections: 4 };

/** The connection and statement timeouts the user set (pgtuner.connectTimeoutSeconds, statementTimeoutSeconds). */
export function databaseOptions(settings: Settings): DatabaseOptions {
  return {
    connectTimeoutMs: secondsToMs(settings.connectTimeoutSeconds),
    statementTimeoutMs: secondsToMs(settings.statementTimeoutSeconds),
  };
}
export const APPLICATION_NAME = 'pgtuner';

const CANCEL_BACKEND_SQL = 'SELECT pg_cancel_backend($1)';
const BACKEND_PID_SQL = 'SELECT pg_backend_pid() AS pid';
/** Back to a fresh session: settings, role, prepared statements, cursors, temp tables, advisory locks, LISTEN. */
const DISCARD_ALL_SQL = 'DISCARD ALL';
const ROLLBACK_SQL = 'ROLLBACK';
const COMMIT_SQL = 'COMMIT';
/** Timeouts for this transaction only; a null argument keeps the session's value. */
const LOCAL_TIMEOUTS_SQL = `
SELECT set_config('statement_timeout', coalesce($1, current_setting('statement_timeout')), true),
       set_config('lock_timeout', coalesce($2, current_setting('lock_timeout')), true)`;

/**
 * pg's Client, except that a failed connect closes its socket: pg leaves it open after an
 * authentication error (no password for SCRAM, say), which kept the CLI process alive forever.
 */
class ClosingClient extends Client {
  connect(): Promise<Client>;
  connect(callback: (err: Error | null) => void): void;
  connect(callback?: (err: Error | null) => void): Promise<Client> | void {
    const close = () => (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    if (!callback) {
      return super.connect().catch((err: unknown) => {
        close();
        throw err;
      });
    }
    super.connect((err: Error | null) => {
      if (err) close();
      callback(err);
    });
  }
}

/** How a transaction opened by Session.transaction behaves. */
export interface TransactionMode {
  /** READ ONLY: a write fails instead of running (production profiles, restore verification). */
  readOnly?: boolean;
  /** REPEATABLE READ: one snapshot for every statement (backup row counts, catalog reads). */
  snapshot?: boolean;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** COMMIT when fn succeeds (migrations). Otherwise the transaction is always rolled back. */
  commit?: boolean;
}

/** BEGIN built from the mode's flags only: nothing from input reaches this text. */
function beginSql(mode: TransactionMode): string {
  const parts = [mode.snapshot ? 'ISOLATION LEVEL REPEATABLE READ' : '', mode.readOnly ? 'READ ONLY' : ''].filter(Boolean);
  return `BEGIN${parts.length ? ' ' + parts.join(', ') : ''}`;
}

/** pg's config for one statement by the extended protocol even without parameters (the typings lack queryMode). */
function extendedQuery(text: string, values: readonly unknown[] | undefined): QueryConfig {
  return { text, values: values as unknown[] | undefined, queryMode: 'extended' } as QueryConfig;
}

const msSetting = (ms: number | undefined) => (ms === undefined ? null : String(Math.max(1, Math.round(ms))));

/**
 * One checked-out connection. Engine code receives a Session and never sees the pool.
 *
 * Every statement travels by the extended query protocol (Parse/Bind/Execute), which carries
 * exactly one statement: the server refuses text holding a second one, so no comment or quoting
 * trick can append a COMMIT to user SQL. A session that ran user text is reset (DISCARD ALL, plus
 * whatever the caller registered) before it goes back to the pool, and destroyed when the reset
 * fails or it is still inside a transaction.
 */
export class Session {
  private cancels: Promise<unknown>[] = [];
  private ranUserText = false;
  private readonly resets: string[] = [];

  constructor(
    private readonly client: PoolClient | Client,
    readonly pid: number,
    private readonly wrap: (err: unknown) => PgTunerError,
    private readonly cancelBackend: (pid: number) => Promise<boolean>,
  ) {}

  /**
   * Asks the server to stop this session's running statement (from another connection). The
   * session is not handed back to the pool until the request has been delivered: a late cancel
   * would stop the next user's statement on the same backend.
   */
  cancel(): void {
    this.cancels.push(this.cancelBackend(this.pid));
  }

  /** Resolves once every cancel request sent for this session has been delivered. */
  async cancelsDelivered(): Promise<void> {
    await Promise.all(this.cancels);
  }

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.queryRaw<R>(sql, params);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** The typed error for a raw pg error (after queryRaw). */
  wrapError(err: unknown): PgTunerError {
    return this.wrap(err);
  }

  /** Like query, but a failing statement surfaces the raw pg error (callers that inspect SQLSTATE). */
  async queryRaw<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.client.query<R>(extendedQuery(sql, params));
  }

  /**
   * Text that came from a user, a file or a setting (EXPLAIN of a selection, verification
   * queries): raw pg errors like queryRaw, and the session is reset before it is reused.
   */
  async userQuery<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.ranUserText = true;
    return this.queryRaw<R>(sql, params);
  }

  /** A statement that restores backend state no transaction undoes (e.g. hypopg_reset()), run on release. */
  resetOnRelease(sql: string): void {
    if (!this.resets.includes(sql)) this.resets.push(sql);
  }

  /**
   * BEGIN (mode) … fn … ROLLBACK, or COMMIT when mode.commit and fn succeeded. A failed
   * ROLLBACK leaves the session in a transaction, so withSession destroys it.
   */
  async transaction<T>(mode: TransactionMode, fn: () => Promise<T>): Promise<T> {
    await this.query(beginSql(mode));
    let committed = false;
    try {
      if (mode.statementTimeoutMs !== undefined || mode.lockTimeoutMs !== undefined) {
        await this.query(LOCAL_TIMEOUTS_SQL, [msSetting(mode.statementTimeoutMs), msSetting(mode.lockTimeoutMs)]);
      }
      const result = await fn();
      if (mode.commit) {
        await this.query(COMMIT_SQL);
        committed = true;
      }
      return result;
    } finally {
      if (!committed) await this.query(ROLLBACK_SQL).catch(() => undefined);
    }
  }

  /** Runs the registered resets outside any transaction; false when the backend must not be reused. */
  async resetForPool(): Promise<boolean> {
    if (this.client.getTransactionStatus() !== 'I') return false;
    const statements = [...this.resets, ...(this.ranUserText ? [DISCARD_ALL_SQL] : [])];
    try {
      for (const sql of statements) await this.queryRaw(sql);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * A pool for one connection profile. `withSession` checks a client out, hands it to the caller
 * and always returns it; an AbortSignal cancels the running statement on the server through
 * pg_cancel_backend from a second connection.
 */
export class Database {
  readonly profile: ConnectionProfile;
  private readonly target: ConnectionTarget;
  private readonly options: Required<DatabaseOptions>;
  private pool?: Pool;
  private resolvedSsl?: ClientConfig['ssl'];
  /** The password as last fetched; used only to scrub it from error text. */
  private knownSecrets: string[] = [];

  constructor(target: ConnectionTarget, options: DatabaseOptions = {}) {
    this.target = target;
    this.profile = target.profile;
    this.options = { ...DEFAULTS, ...options };
  }

  async withSession<T>(fn: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new PgTunerError('CANCELLED', 'Cancelled before it started.');
    const pool = await this.getPool();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw this.wrap(err);
    }
    let broken = false;
    // pg emits 'error' on a checked-out client whose socket dies (pg_terminate_backend, a restart,
    // a network cut); unheard, it is an uncaught exception that ends the process.
    let lost: unknown;
    const onLost = (err: unknown) => (lost ??= err);
    client.on('error', onLost);
    try {
      // The server sends its backend pid at connect (BackendKeyData); ask only if the driver lacks it.
      const known = (client as unknown as { processID?: number | null }).processID;
      const pid = known ?? Number((await client.query<{ pid: number }>(BACKEND_PID_SQL)).rows[0].pid);
      const session = new Session(
        client,
        pid,
        (err) => this.wrap(err),
        (p) => this.cancelBackend(p),
      );
      const onAbort = () => session.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await fn(session);
      } catch (err) {
        if (lost !== undefined || connectionLossIn(err)) {
          broken = true;
          throw this.connectionLost(err, lost);
        }
        if (signal?.aborted && err instanceof PgTunerError && (err.code === 'CANCELLED' || err.sqlState === '57014')) {
          throw new PgTunerError('CANCELLED', 'Cancelled by the user; the server stopped the query.', { sqlState: '57014', cause: err });
        }
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await session.cancelsDelivered();
        // A session still inside a transaction, or whose reset failed, must not return to the pool.
        if (!broken) broken = lost !== undefined || !(await session.resetForPool());
      }
    } finally {
      client.release(broken || undefined);
      client.removeListener('error', onLost);
    }
  }

  /** One ConnectionLostError for a lost session, quoting the server's reason (57P01 …) when it sent one before the socket closed. */
  private connectionLost(err: unknown, lost: unknown): ConnectionLostError {
    const raw = connectionLossIn(err) ?? lost ?? err;
    if (raw instanceof ConnectionLostError) return raw;
    return new ConnectionLostError(scrub(String((raw as Error)?.message ?? raw), this.knownSecrets), raw);
  }

  /** Runs one query on a pooled session. */
  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.withSession((s) => s.query<R>(sql, params));
  }

  /** Asks the server to cancel whatever backend `pid` is running (from a fresh connection). */
  private async cancelBackend(pid: number): Promise<boolean> {
    const client = new ClosingClient(await this.clientConfig());
    client.on('error', () => undefined); // a lost connection fails the query below; the event must not crash the process
    try {
      await client.connect();
      const r = await client.query<{ pg_cancel_backend: boolean }>(CANCEL_BACKEND_SQL, [pid]);
      return r.rows[0].pg_cancel_backend;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * The password for a child process (pg_dump, pg_restore) to receive through its environment
   * or a 0600 pgpass file — never argv. Undefined when none is known (libpq then reads ~/.pgpass).
   */
  async passwordForChildProcess(): Promise<string | undefined> {
    return (await this.password()) || undefined;
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.end();
  }

  private wrap(err: unknown): PgTunerError {
    return toPgTunerError(err, this.profile, this.knownSecrets);
  }

  private async getPool(): Promise<Pool> {
    if (this.pool) return this.pool;
    const config = await this.clientConfig();
    const pool = new Pool({ ...config, Client: ClosingClient, max: this.options.maxConnections, idleTimeoutMillis: 30_000 });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => undefined);
    this.pool = pool;
    return pool;
  }

  /** pg client options; resolves sslmode "prefer" once by trying SSL and falling back to plain. */
  private async clientConfig(): Promise<ClientConfig> {
    const p = this.profile;
    const base: ClientConfig = {
      host: p.host,
      port: p.port,
      database: p.database,
      user: p.user,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
      password: () => this.password(),
    };
    if (this.resolvedSsl === undefined) this.resolvedSsl = await this.resolveSsl(base, p.sslmode ?? 'prefer');
    return { ...base, ssl: this.resolvedSsl };
  }

  private async resolveSsl(base: ClientConfig, mode: SslMode): Promise<ClientConfig['ssl']> {
    // A URL's SSL files come read and set up for its sslmode (see targetFromUrl).
    const fromUrl = this.target.ssl;
    switch (mode) {
      case 'disable':
        return false;
      case 'require':
        return fromUrl ?? { rejectUnauthorized: false };
      case 'verify-ca':
      case 'verify-full':
        return fromUrl ?? { rejectUnauthorized: true };
      case 'prefer': {
        const ssl = fromUrl ?? { rejectUnauthorized: false };
        const probe = new ClosingClient({ ...base, ssl });
        probe.on('error', () => undefined); // connect() reports failures; a late socket error must not crash the process
        try {
          await probe.connect();
          return ssl;
        } catch (err) {
          if (/does not support SSL/i.test(String((err as Error).message))) return false;
          throw this.wrap(err);
        } finally {
          await probe.end().catch(() => undefined);
        }
      }
    }
  }

  /** The password: from the target (secret storage, URL, PGPASSWORD), else ~/.pgpass. */
  private async password(): Promise<string> {
    let pw = this.target.password ? await this.target.password() : undefined;
    if (pw === undefined) pw = await passwordFromPgpass(this.profile);
    if (pw && !this.knownSecrets.includes(pw)) this.knownSecrets.push(pw);
    // pg needs a string; an empty one lets trust/peer auth through and makes password auth fail clearly.
    return pw ?? '';
  }
}

function passwordFromPgpass(p: ConnectionProfile): Promise<string | undefined> {
  return new Promise((resolve) => {
    pgpass(
      { host: p.host ?? 'localhost', port: p.port ?? 5432, database: p.database ?? p.user ?? '', user: p.user ?? process.env.USER ?? '' },
      (pw?: string) => resolve(pw),
    );
  });
}
