/**
 * The plan history's rules, editor-free: which statements count as the same (a normalised text),
 * what one stored plan holds, how many are kept (the last N per statement, then a cap on the
 * total size, oldest first), and how a stored file is read back (anything malformed is skipped).
 * Where the history lives is the editor's business (workspace storage); nothing here sends it.
 */
import { scanTokens } from '../sql/split';
import { parsePlan } from './parse';
import { Plan } from './types';

/** One explained run as stored: the server's EXPLAIN JSON, not the derived tree (re-parsed when shown). */
export interface HistoryEntry {
  id: string;
  /** normaliseStatement(statement): entries with the same key are plans of one statement. */
  key: string;
  statement: string;
  /** The connection profile's name: never a URL or a password. */
  connection: string;
  /** When the plan was taken, ISO 8601. */
  at: string;
  analyzed: boolean;
  /** Execution time with ANALYZE, ms; null for a plan that was not run (estimates only). */
  durationMs: number | null;
  /** The planner's total cost, in its own units. */
  totalCost: number;
  raw: unknown;
  notes?: string[];
}

export interface PlanHistory {
  /** Oldest first. */
  entries: HistoryEntry[];
}

export interface Retention {
  /** Plans kept per statement (pgtuner.plan.historySize); 0 keeps none. */
  perStatement: number;
  /** Cap on the stored size of all entries together (bytes of their JSON). */
  maxBytes: number;
}

/**
 * 4 MiB: hundreds of plans (bench/planHistory.bench.ts on the bench slice, EXPLAIN (ANALYZE,
 * BUFFERS): 2.5 kB for a 3-node plan, 9.3 kB for a 13-node one, so 450 to 1,650 of them), yet
 * small enough that adding a plan and rewriting the file takes ~60 ms when the history is full.
 */
export const HISTORY_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The statement as a key: comments and whitespace dropped, unquoted words lower-cased (keywords
 * and identifiers PostgreSQL folds anyway), trailing semicolons gone. Literals, quoted
 * identifiers and $n keep their exact text, so `WHERE id = 1` and `WHERE id = 2` stay apart.
 */
export function normaliseStatement(sql: string): string {
  const tokens: string[] = [];
  for (const t of scanTokens(sql)) {
    if (t.kind === 'comment') continue;
    const text = sql.slice(t.start, t.end);
    tokens.push(t.kind === 'word' ? text.toLowerCase() : text);
  }
  while (tokens[tokens.length - 1] === ';') tokens.pop();
  return tokens.join(' ');
}

/** The statement on one line for a list: comments dropped, whitespace runs made one space, no trailing semicolon. */
export function statementLine(sql: string): string {
  let out = '';
  let at = 0;
  for (const t of scanTokens(sql)) {
    if (t.kind !== 'comment') continue;
    out += `${sql.slice(at, t.start)} `;
    at = t.end;
  }
  return (out + sql.slice(at))
    .replace(/\s+/g, ' ')
    .replace(/[\s;]+$/, '')
    .trim();
}

export function historyEntry(input: { id: string; statement: string; connection: string; plan: Plan; at: Date }): HistoryEntry {
  const { plan } = input;
  return {
    id: input.id,
    key: normaliseStatement(input.statement),
    statement: input.statement,
    connection: input.connection,
    at: input.at.toISOString(),
    analyzed: plan.analyzed,
    durationMs: plan.analyzed ? plan.executionMs : null,
    totalCost: plan.totalCost,
    raw: plan.raw,
    ...(plan.notes?.length ? { notes: plan.notes } : {}),
  };
}

/** Sizes already measured: entries are never changed, and serialising them all on each add would double its cost. */
const sizes = new WeakMap<HistoryEntry, number>();

/** The stored size of one entry: the UTF-8 bytes of its JSON. */
export function entryBytes(entry: HistoryEntry): number {
  let size = sizes.get(entry);
  if (size === undefined) sizes.set(entry, (size = Buffer.byteLength(JSON.stringify(entry), 'utf8')));
  return size;
}

/**
 * The history with `entry` added and the retention applied; `dropped` lists what went (the new
 * entry itself when it alone is larger than the cap).
 */
export function addToHistory(
  history: PlanHistory,
  entry: HistoryEntry,
  retention: Retention,
): { history: PlanHistory; dropped: HistoryEntry[] } {
  return retain({ entries: [...history.entries, entry] }, retention);
}

/**
 * Keeps the newest `perStatement` plans of each statement, then drops the oldest plans (of any
 * statement) until the total fits `maxBytes`.
 */
export function retain(history: PlanHistory, retention: Retention): { history: PlanHistory; dropped: HistoryEntry[] } {
  const perStatement = Math.max(0, Math.floor(retention.perStatement));
  const newestFirst = [...history.entries].sort(byTime).reverse();
  const seen = new Map<string, number>();
  const kept = new Set<HistoryEntry>();
  let bytes = 0;
  for (const e of newestFirst) {
    const n = seen.get(e.key) ?? 0;
    seen.set(e.key, n + 1);
    if (n >= perStatement) continue;
    const size = entryBytes(e);
    // A plan larger than the whole cap is not kept; otherwise, newest first, once the cap is
    // reached everything older goes.
    if (size > retention.maxBytes) continue;
    if (bytes + size > retention.maxBytes) break;
    bytes += size;
    kept.add(e);
  }
  return {
    history: { entries: history.entries.filter((e) => kept.has(e)).sort(byTime) },
    dropped: history.entries.filter((e) => !kept.has(e)),
  };
}

/** The history without the entries `remove` picks. */
export function removeEntries(history: PlanHistory, remove: (entry: HistoryEntry) => boolean): PlanHistory {
  return { entries: history.entries.filter((e) => !remove(e)) };
}

export interface StatementHistory {
  key: string;
  /** The statement as it was last explained. */
  statement: string;
  /** Newest first. */
  entries: HistoryEntry[];
}

/** The history grouped per statement, the most recently explained statement first. */
export function statementsOf(history: PlanHistory): StatementHistory[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const e of [...history.entries].sort(byTime).reverse()) {
    const group = groups.get(e.key);
    if (group) group.push(e);
    else groups.set(e.key, [e]);
  }
  return [...groups].map(([key, entries]) => ({ key, statement: entries[0].statement, entries }));
}

/** The plan of a stored entry, with its hotspots, as when it was explained. */
export function planOf(entry: HistoryEntry): Plan {
  const plan = parsePlan(entry.raw);
  return entry.notes ? { ...plan, notes: entry.notes } : plan;
}

/**
 * A history read from storage. The file sits in the editor's workspace storage, not in the
 * repository, but it is still read defensively: entries without the fields above are skipped.
 */
export function readHistory(json: unknown): PlanHistory {
  const entries = (json as { entries?: unknown } | null)?.entries;
  return { entries: Array.isArray(entries) ? entries.filter(isEntry).sort(byTime) : [] };
}

function isEntry(v: unknown): v is HistoryEntry {
  const e = v as Record<string, unknown> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    ['id', 'key', 'statement', 'connection', 'at'].every((k) => typeof e[k] === 'string') &&
    !Number.isNaN(Date.parse(e.at as string)) &&
    typeof e.analyzed === 'boolean' &&
    (e.durationMs === null || typeof e.durationMs === 'number') &&
    typeof e.totalCost === 'number' &&
    typeof e.raw === 'object' &&
    e.raw !== null &&
    (e.notes === undefined || (Array.isArray(e.notes) && e.notes.every((n) => typeof n === 'string')))
  );
}

const byTime = (a: HistoryEntry, b: HistoryEntry) => Date.parse(a.at) - Date.parse(b.at);
