/**
 * Typed errors carry a stable code for the faces (VS Code, CLI) to branch on, and a message a
 * user can act on. Messages never contain passwords: connection errors are built from the
 * profile's host/port/user/database only.
 */
export type PgTunerErrorCode =
  | 'SERVER_DOWN'
  | 'AUTH_FAILED'
  | 'DATABASE_MISSING'
  | 'SSL'
  | 'PERMISSION_DENIED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'BAD_INPUT'
  | 'PARSE_ERROR'
  | 'MULTIPLE_STATEMENTS'
  | 'READ_ONLY'
  | 'SIDE_EFFECTS'
  | 'TOOL_MISSING'
  | 'TOOL_VERSION'
  | 'CHECKSUM_MISMATCH'
  | 'MIGRATION_ERROR'
  | 'BACKUP_ERROR'
  | 'QUERY_FAILED'
  | 'INTERNAL';

export class PgTunerError extends Error {
  readonly code: PgTunerErrorCode;
  /** The PostgreSQL SQLSTATE when the error came from the server. */
  readonly sqlState?: string;

  constructor(code: PgTunerErrorCode, message: string, options?: { sqlState?: string; cause?: unknown }) {
    super(message);
    this.name = 'PgTunerError';
    this.code = code;
    this.sqlState = options?.sqlState;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Errors a user caused (bad SQL, bad arguments, missing files) rather than the system. */
export function isUserInputError(err: unknown): boolean {
  return err instanceof PgTunerError && (err.code === 'BAD_INPUT' || err.code === 'PARSE_ERROR' || err.code === 'MULTIPLE_STATEMENTS');
}
