import { PgTunerError } from '../errors';
import { ConnectionProfile, describeProfile } from './profile';

interface PgLikeError {
  code?: string;
  message?: string;
  errno?: number;
  syscall?: string;
}

/**
 * Turns a pg / socket error into a PgTunerError with a message that says what to do.
 * Only the profile's host, port, user and database appear in messages; `secrets` (the password,
 * when known) are scrubbed from anything the server or driver echoed back.
 */
export function toPgTunerError(err: unknown, profile: ConnectionProfile, secrets: readonly string[] = []): PgTunerError {
  if (err instanceof PgTunerError) return err;
  const e = (err ?? {}) as PgLikeError;
  const raw = scrub(String(e.message ?? err), secrets);
  if (connectionLossIn(err)) return new ConnectionLostError(raw, err);
  const where = describeProfile(profile);
  const host = `${profile.host ?? 'localhost'}:${profile.port ?? 5432}`;
  const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;

  switch (e.code) {
    case 'ECONNREFUSED':
      return new PgTunerError(
        'SERVER_DOWN',
        `Cannot reach PostgreSQL at ${host}: connection refused. Is the server running and listening on that port?`,
        { cause: err },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PgTunerError(
        'SERVER_DOWN',
        `Cannot resolve host "${profile.host}". Check the host name in the connection "${profile.name}".`,
        { cause: err },
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new PgTunerError('SERVER_DOWN', `Cannot reach PostgreSQL at ${host} (${e.code}). Check the network, firewall and host.`, {
        cause: err,
      });
    case 'ECONNRESET':
      return new PgTunerError(
        'SERVER_DOWN',
        `The connection to ${host} was reset by the server. It may be restarting or rejecting this client.`,
        { cause: err },
      );
    case '28P01':
      return new PgTunerError(
        'AUTH_FAILED',
        `Password authentication failed for ${where}. Update the password with "PG Tuner: Add Connection" (it is kept in secret storage).`,
        { sqlState, cause: err },
      );
    case '28000':
      if (/SSL off|no encryption/i.test(raw)) {
        return new PgTunerError(
          'SSL',
          `The server at ${host} only accepts SSL connections from this client. Set sslmode to "require" (or verify-full) for "${profile.name}".`,
          { sqlState, cause: err },
        );
      }
      return new PgTunerError('AUTH_FAILED', `The server rejected ${where}: ${raw}. Check pg_hba.conf or the user name.`, {
        sqlState,
        cause: err,
      });
    case '3D000':
      return new PgTunerError(
        'DATABASE_MISSING',
        `Database "${profile.database}" does not exist on ${host}. Create it or fix the database name in "${profile.name}".`,
        { sqlState, cause: err },
      );
    case '42501':
      return new PgTunerError(
        'PERMISSION_DENIED',
        `Permission denied for ${profile.user ?? 'this user'}: ${raw}. Ask for the needed grant or use a role that has it.`,
        { sqlState, cause: err },
      );
    case '57014':
      return /statement timeout/i.test(raw)
        ? new PgTunerError(
            'TIMEOUT',
            `The statement ran longer than the statement timeout and was stopped. Raise "pgtuner.statementTimeoutSeconds" or make the query cheaper.`,
            { sqlState, cause: err },
          )
        : new PgTunerError('CANCELLED', 'The query was cancelled.', { sqlState, cause: err });
    case '25006':
      return new PgTunerError(
        'READ_ONLY',
        `This statement would write, and the session is read-only (production profile "${profile.name}").`,
        { sqlState, cause: err },
      );
    case '53300':
      return new PgTunerError(
        'SERVER_DOWN',
        `The server at ${host} has no free connection slots (too many clients). Try again later or raise max_connections.`,
        { sqlState, cause: err },
      );
    case '57P03':
      return new PgTunerError('SERVER_DOWN', `The server at ${host} is starting up or shutting down. Try again in a moment.`, {
        sqlState,
        cause: err,
      });
  }
  if (/does not support SSL/i.test(raw)) {
    return new PgTunerError(
      'SSL',
      `The server at ${host} does not accept SSL. Set sslmode to "disable" or "prefer" for "${profile.name}".`,
      { cause: err },
    );
  }
  if (/self[- ]signed certificate|unable to verify|certificate/i.test(raw)) {
    return new PgTunerError(
      'SSL',
      `The server's SSL certificate could not be verified (${raw}). Use sslmode "require" to skip verification, or install the CA.`,
      { cause: err },
    );
  }
  if (/timeout expired|Connection terminated due to connection timeout|timeout exceeded when trying to connect/i.test(raw)) {
    return new PgTunerError('SERVER_DOWN', `Timed out connecting to ${host}. Is the server up and reachable?`, { cause: err });
  }
  if (/password must be a string|SASL: SCRAM-SERVER-FIRST-MESSAGE: client password/i.test(raw)) {
    return new PgTunerError(
      'AUTH_FAILED',
      `The server at ${host} asks for a password and none is stored for "${profile.name}". Add it with "PG Tuner: Add Connection" or in ~/.pgpass.`,
      { cause: err },
    );
  }
  return new PgTunerError('QUERY_FAILED', raw, { sqlState, cause: err });
}

/**
 * The server closed a connection that was in use: pg_terminate_backend, a restart or crash, a
 * network cut. Its code stays SERVER_DOWN so that code which stops on a dead server stops on it;
 * the faces name what was running with `during`.
 */
export class ConnectionLostError extends PgTunerError {
  constructor(
    /** What the server or the driver said (secrets already scrubbed). */
    readonly reason: string,
    cause?: unknown,
  ) {
    super('SERVER_DOWN', connectionLostText(undefined, reason), { cause, sqlState: sqlStateOf(cause) });
  }

  /** The message naming the command that was running, e.g. during("pgtuner advise"). */
  during(what: string): string {
    return connectionLostText(what, this.reason);
  }
}

function connectionLostText(during: string | undefined, reason: string): string {
  return (
    `The server closed the connection${during ? ` during ${during}` : ''} (${reason}): the backend was terminated, ` +
    'the server restarted or the network was cut. Run it again once the server is reachable.'
  );
}

/**
 * SQLSTATEs of a server ending a session: admin_shutdown (pg_terminate_backend, smart or fast
 * shutdown), crash_shutdown, idle_session_timeout, connection_does_not_exist, connection_failure.
 */
const CONNECTION_LOSS_STATES = /^(57P01|57P02|57P05|08003|08006)$/;
/** What pg and Node say when the socket of a connection in use goes away. */
const CONNECTION_LOSS_TEXT =
  /Connection terminated unexpectedly|encountered a connection error and is not queryable|server closed the connection unexpectedly/i;

/** The error in `err`'s cause chain that says a connection in use was lost, if any. */
export function connectionLossIn(err: unknown): unknown {
  for (let e = err as (PgLikeError & { cause?: unknown }) | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof ConnectionLostError) return e;
    if (typeof e.code === 'string' && (CONNECTION_LOSS_STATES.test(e.code) || e.code === 'EPIPE')) return e;
    if (CONNECTION_LOSS_TEXT.test(String(e.message ?? ''))) return e;
  }
  return undefined;
}

function sqlStateOf(err: unknown): string | undefined {
  const code = (err as PgLikeError | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Removes every occurrence of each secret from a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
