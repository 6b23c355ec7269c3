/**
 * How a migration runs: in one transaction (all or nothing), or statement by statement outside
 * any transaction when it holds a statement PostgreSQL refuses inside a transaction block.
 */
import { PgTunerError } from '../errors';
import { positionAt } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { MigrationSection } from './files';

export interface PlannedStatement {
  text: string;
  /** 1-based line in the migration file. */
  line: number;
}

export interface ExecutionPlan {
  transactional: boolean;
  /** Why it runs outside a transaction (the first statement that needs it). */
  reason?: string;
  statements: PlannedStatement[];
}

interface NonTransactional {
  pattern: RegExp;
  label: string;
  /** Only servers older than this version number refuse it in a transaction. */
  beforeVersion?: number;
}

const NON_TRANSACTIONAL: NonTransactional[] = [
  { pattern: /^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i, label: 'CREATE INDEX CONCURRENTLY' },
  { pattern: /^DROP\s+INDEX\s+CONCURRENTLY\b/i, label: 'DROP INDEX CONCURRENTLY' },
  { pattern: /^REINDEX\b[^;]*\bCONCURRENTLY\b/i, label: 'REINDEX CONCURRENTLY' },
  { pattern: /^REINDEX\s+(\([^)]*\)\s*)?(DATABASE|SYSTEM)\b/i, label: 'REINDEX DATABASE/SYSTEM' },
  { pattern: /^VACUUM\b/i, label: 'VACUUM' },
  { pattern: /^ALTER\s+SYSTEM\b/i, label: 'ALTER SYSTEM' },
  { pattern: /^(CREATE|DROP)\s+(DATABASE|TABLESPACE)\b/i, label: 'CREATE/DROP DATABASE or TABLESPACE' },
  { pattern: /^ALTER\s+TYPE\b[\s\S]*\bADD\s+VALUE\b/i, label: 'ALTER TYPE … ADD VALUE', beforeVersion: 120000 },
];

const BEGIN = /^(BEGIN|START\s+TRANSACTION)\b/i;
const COMMIT = /^(COMMIT|END)\b/i;
const TRANSACTION_CONTROL =
  /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|COMMIT\s+PREPARED)\b/i;

/**
 * Splits a section into statements and decides the mode. A file wrapped in its own
 * BEGIN … COMMIT (common with tools that do not wrap) runs in PG Tuner's transaction instead;
 * transaction control anywhere else would break the all-or-nothing promise and is refused.
 */
export function planExecution(section: MigrationSection, serverVersionNum: number): ExecutionPlan {
  let statements = splitStatements(section.sql).map((s) => ({
    text: s.text,
    line: section.firstLine + positionAt(section.sql, s.start).line - 1,
  }));
  if (statements.length >= 2 && BEGIN.test(statements[0].text) && COMMIT.test(statements[statements.length - 1].text)) {
    statements = statements.slice(1, -1);
  }
  const control = statements.find((s) => TRANSACTION_CONTROL.test(s.text));
  if (control) {
    throw new PgTunerError(
      'BAD_INPUT',
      `line ${control.line}: "${firstWords(control.text)}" — PG Tuner runs each migration in its own transaction (or none, for CONCURRENTLY); remove transaction control from the file.`,
    );
  }
  const needsOwn = statements
    .map((s) =>
      NON_TRANSACTIONAL.find((n) => n.pattern.test(s.text) && (n.beforeVersion === undefined || serverVersionNum < n.beforeVersion)),
    )
    .find((n) => n !== undefined);
  if (needsOwn) return { transactional: false, reason: `${needsOwn.label} cannot run inside a transaction`, statements };
  if (section.transaction === false) return { transactional: false, reason: 'the file asks for transaction:false', statements };
  return { transactional: true, statements };
}

function firstWords(text: string): string {
  return text.split(/\s+/).slice(0, 3).join(' ');
}
