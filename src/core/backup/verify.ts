import { Session } from '../db/database';
import { findSideEffects } from '../db/sideEffects';
import { Settings } from '../settings/schema';
import { splitStatements } from '../sql/split';
import { countRows, listConstraints, listIndexes, listSequences, listTables } from './inventory';
import { BackupManifest } from './manifest';

/** A query the user expects to return a known result on restored data (setting pgtuner.backup.verificationQueries). */
export interface VerificationQuery {
  sql: string;
  /** A scalar is compared with the first column of the first row; an array of rows with every row. */
  expected: unknown;
}

/** pgtuner.backup.verificationQueries, without entries that are not {"sql": "…", "expected": …}. */
export function verificationQueriesOf(settings: Settings): VerificationQuery[] {
  return settings['backup.verificationQueries'].filter(
    (q): q is VerificationQuery => !!q && typeof q === 'object' && typeof (q as VerificationQuery).sql === 'string' && 'expected' in q,
  );
}

export interface TableCheck {
  schema: string;
  name: string;
  expected: number;
  /** null when the table is missing after the restore. */
  actual: number | null;
  ok: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  ok: boolean;
  tables: TableCheck[];
  checks: Check[];
}

/** A verification query may take this long on the scratch database. */
const VERIFICATION_TIMEOUT_MS = 60_000;
const READ_ONLY_QUERY = /^\s*(\(\s*)*(select|with|values|table)\b/i;

const key = (...parts: string[]) => parts.join('\u0000');
const show = (schema: string, name: string) => `${schema}.${name}`;

/** Compares a restored database with the manifest of the backup it came from. */
export async function verifyRestored(
  session: Session,
  manifest: BackupManifest,
  queries: readonly VerificationQuery[] = [],
  onTable?: (done: number, total: number) => void,
): Promise<Verification> {
  const present = new Set((await listTables(session)).map((t) => key(t.schema, t.name)));
  const existing = manifest.tables.filter((t) => present.has(key(t.schema, t.name)));
  const counted = new Map(
    (await countRows(session, existing, (done) => onTable?.(done, manifest.tables.length))).map((c) => [key(c.schema, c.name), c.rows]),
  );
  const tables: TableCheck[] = manifest.tables.map((t) => {
    const actual = counted.get(key(t.schema, t.name)) ?? null;
    return { schema: t.schema, name: t.name, expected: t.rows, actual, ok: actual === t.rows };
  });
  const badTables = tables.filter((t) => !t.ok);
  const checks: Check[] = [
    {
      name: 'row counts',
      ok: badTables.length === 0,
      detail:
        badTables.length === 0
          ? `${tables.length} tables, ${tables.reduce((s, t) => s + t.actual!, 0)} rows, every count exact`
          : badTables
              .map((t) =>
                t.actual === null
                  ? `${show(t.schema, t.name)} is missing`
                  : `${show(t.schema, t.name)} has ${t.actual} rows, expected ${t.expected}`,
              )
              .join('; '),
    },
  ];

  const indexes = new Set((await listIndexes(session)).map((i) => key(i.schema, i.table, i.name)));
  const missingIndexes = manifest.indexes.filter((i) => !indexes.has(key(i.schema, i.table, i.name)));
  checks.push({
    name: 'indexes',
    ok: missingIndexes.length === 0,
    detail:
      missingIndexes.length === 0
        ? `${manifest.indexes.length} indexes present and valid`
        : `missing or invalid: ${missingIndexes.map((i) => show(i.schema, i.name)).join(', ')}`,
  });

  const constraints = new Set((await listConstraints(session)).map((c) => key(c.schema, c.table, c.name, c.type)));
  const missingConstraints = manifest.constraints.filter((c) => !constraints.has(key(c.schema, c.table, c.name, c.type)));
  checks.push({
    name: 'constraints',
    ok: missingConstraints.length === 0,
    detail:
      missingConstraints.length === 0
        ? `${manifest.constraints.length} constraints present`
        : `missing: ${missingConstraints.map((c) => `${c.name} on ${show(c.schema, c.table)}`).join(', ')}`,
  });

  const sequences = new Map((await listSequences(session)).map((s) => [key(s.schema, s.name), s.lastValue]));
  const behind = manifest.sequences.filter((s) => {
    if (!sequences.has(key(s.schema, s.name))) return true;
    const restored = sequences.get(key(s.schema, s.name));
    // The manifest read each sequence just before pg_dump did; the restored value can only be equal or higher.
    return s.lastValue !== null && (restored === null || restored === undefined || BigInt(restored) < BigInt(s.lastValue));
  });
  checks.push({
    name: 'sequences',
    ok: behind.length === 0,
    detail:
      behind.length === 0
        ? `${manifest.sequences.length} sequences at or past their backed-up values`
        : behind
            .map(
              (s) => `${show(s.schema, s.name)} is ${sequences.get(key(s.schema, s.name)) ?? 'missing'}, expected at least ${s.lastValue}`,
            )
            .join('; '),
  });

  for (const q of queries) checks.push(await runVerificationQuery(session, q));
  return { ok: checks.every((c) => c.ok), tables, checks };
}

/**
 * Runs a user query (a setting or a file the repository may ship) in a read-only transaction that
 * is rolled back, alone in one extended-protocol message, after checking that it is one query
 * that calls no function with effects outside the transaction; then compares its result.
 */
async function runVerificationQuery(session: Session, q: VerificationQuery): Promise<Check> {
  const name = `query: ${q.sql.replace(/\s+/g, ' ').trim().slice(0, 80)}`;
  try {
    const statements = splitStatements(q.sql);
    if (statements.length !== 1 || !READ_ONLY_QUERY.test(statements[0].text)) {
      return { name, ok: false, detail: 'refused: a verification query must be one SELECT, WITH, VALUES or TABLE statement' };
    }
    const sql = statements[0].text;
    const result = await session.transaction({ readOnly: true, statementTimeoutMs: VERIFICATION_TIMEOUT_MS }, async () => {
      const effects = await findSideEffects(session, sql, undefined);
      if (effects.length) throw new Error(`refused: it would run ${effects.join(', ')}`);
      return session.userQuery(sql);
    });
    const rows = result.rows.map((r) => result.fields.map((f) => normalize(r[f.name])));
    const actual = Array.isArray(q.expected) ? rows : (rows[0]?.[0] ?? null);
    const expected = Array.isArray(q.expected)
      ? (q.expected as unknown[]).map((r) => (Array.isArray(r) ? r : [r]).map(normalize))
      : normalize(q.expected);
    const ok = JSON.stringify(actual) === JSON.stringify(expected);
    return {
      name,
      ok,
      detail: ok ? `returned ${JSON.stringify(actual)}` : `returned ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
    };
  } catch (err) {
    return { name, ok: false, detail: `failed: ${(err as Error).message}` };
  }
}

/** Values compared as text, so 42 (setting) matches '42' (bigint from pg) and nulls stay null. */
function normalize(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
