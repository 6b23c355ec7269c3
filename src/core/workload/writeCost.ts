/**
 * What an index costs the writers of its table, in planner cost units over the workload's period,
 * so it can be weighed against the read cost it saves. A rough model, stated here once:
 *
 * - every inserted row, and every update that is not HOT, adds one entry to every index of the
 *   table: about one leaf page dirtied (seq_page_cost = 1) for a narrow btree entry, more for wide
 *   ones (INCLUDE), several for GIN (one entry per element or trigram; the pending list amortises
 *   some), almost nothing for BRIN (one summary per block range);
 * - a partial index takes only the rows its predicate keeps (counted as half);
 * - an index on a column that updates modify turns those HOT updates into non-HOT ones: the update
 *   then writes a new entry into every index of the table (every new one of the set too) and
 *   leaves a dead heap tuple for VACUUM;
 * - deleted rows cost their entries a later VACUUM pass (a quarter of an insert).
 */
import { parse } from 'pgsql-ast-parser';
import { Candidate } from '../advisor/candidate';
import { Session } from '../db/database';

export interface TableWrites {
  /** Rows over the workload's period. */
  inserts: number;
  updates: number;
  /** Share of updates that were HOT (no index touched); 1 when unknown and no index column changes. */
  hotShare: number;
  deletes: number;
  /** Columns that UPDATE statements of the workload set. */
  updatedColumns: Set<string>;
  /** Indexes the table has now. */
  indexCount: number;
}

/** Per table (oid): rows written per second since the statistics were reset, and the HOT share of updates. */
const TABLE_WRITE_RATES_SQL = `
SELECT s.relid::int AS oid,
       s.n_tup_ins::float8 AS ins, s.n_tup_upd::float8 AS upd, s.n_tup_hot_upd::float8 AS hot, s.n_tup_del::float8 AS del,
       greatest(extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time())), 1)::float8 AS seconds,
       (SELECT count(*)::int FROM pg_index x WHERE x.indrelid = s.relid) AS index_count
  FROM pg_stat_user_tables s
  CROSS JOIN (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) d
 WHERE s.relid = ANY($1::oid[])`;

export interface WriteRates {
  insertsPerSecond: number;
  updatesPerSecond: number;
  deletesPerSecond: number;
  hotShare: number;
  indexCount: number;
  /** Seconds the statistics cover. */
  seconds: number;
}

/** pg_stat_user_tables' write rates for the given tables (by oid). */
export async function readWriteRates(session: Session, oids: number[]): Promise<Map<number, WriteRates>> {
  if (!oids.length) return new Map();
  const r = await session.query(TABLE_WRITE_RATES_SQL, [oids]);
  return new Map(
    r.rows.map((row) => [
      row.oid as number,
      {
        insertsPerSecond: row.ins / row.seconds,
        updatesPerSecond: row.upd / row.seconds,
        deletesPerSecond: row.del / row.seconds,
        hotShare: row.upd > 0 ? row.hot / row.upd : 1,
        indexCount: row.index_count,
        seconds: row.seconds,
      },
    ]),
  );
}

const BTREE_ENTRY_COST = 1;
const METHOD_FACTOR: Record<string, number> = { btree: 1, hash: 1, gist: 3, gin: 5, brin: 0.02 };
/** An entry this wide (key + INCLUDE + tuple header) fills about twice the pages of a narrow one. */
const WIDE_ENTRY_BYTES = 64;
const PARTIAL_SHARE = 0.5;
const DELETE_SHARE = 0.25;
/** A dead heap tuple left for VACUUM by a non-HOT update, on top of the index entries. */
const HEAP_TUPLE_COST = 1;

/**
 * What an index of the set costs its table's writers. The updates that are HOT now stay HOT only
 * while no index of the set stores or tests a column they set: the cost of losing them belongs to
 * the set, not to one index, so it is kept apart here and summed by `setWriteCosts`.
 */
export interface IndexWrites {
  /** Entries for the inserts, the updates that are not HOT now, and the deletes. */
  writeCost: number;
  /** Absent when the table has no HOT updates to lose. */
  hot?: HotLoss;
}

export interface HotLoss {
  /** The index stores or tests a column that updates set: with it, the table's HOT updates are not HOT. */
  breaks: boolean;
  /** Its own entries for those updates once they are not HOT, whichever index of the set broke them. */
  entries: number;
  /** What losing them costs the table's existing indexes and heap: charged once per table. */
  table: number;
}

/** The maintenance of one new index on a table with these writes; `width` is its entry's average bytes. */
export function indexWrites(c: Pick<Candidate, 'method' | 'keys' | 'include' | 'where'>, width: number, w: TableWrites): IndexWrites {
  const entry = BTREE_ENTRY_COST * (METHOD_FACTOR[c.method] ?? 1) * (1 + width / WIDE_ENTRY_BYTES) * (c.where.length ? PARTIAL_SHARE : 1);
  const hotUpdates = w.updates * w.hotShare;
  const writeCost = (w.inserts + (w.updates - hotUpdates) + w.deletes * DELETE_SHARE) * entry;
  if (hotUpdates <= 0) return { writeCost };
  return {
    writeCost,
    hot: {
      breaks: columnsOf(c).some((col) => w.updatedColumns.has(col)),
      entries: hotUpdates * entry,
      table: hotUpdates * (BTREE_ENTRY_COST * w.indexCount + HEAP_TUPLE_COST),
    },
  };
}

/** The index alone on its table: its entries, and the HOT updates it alone would turn into plain ones. */
export function indexWriteCost(c: Pick<Candidate, 'method' | 'keys' | 'include' | 'where'>, width: number, w: TableWrites): number {
  return setWriteCosts([{ table: '', ...indexWrites(c, width, w) }])[0];
}

/**
 * Each member's share of what the set costs the writers: its own entries, its entries for the HOT
 * updates of its table when any member of that table breaks them, and (for the members that break
 * them) an equal share of what the table's existing indexes and heap then pay.
 */
export function setWriteCosts(set: (IndexWrites & { table: string })[]): number[] {
  const breakers = new Map<string, number>();
  for (const m of set) if (m.hot?.breaks) breakers.set(m.table, (breakers.get(m.table) ?? 0) + 1);
  return set.map((m) => {
    const broken = breakers.get(m.table);
    if (!m.hot || !broken) return m.writeCost;
    return m.writeCost + m.hot.entries + (m.hot.breaks ? m.hot.table / broken : 0);
  });
}

/** Columns an index stores or tests (keys, INCLUDE, and the partial predicate's words that name columns). */
function columnsOf(c: Pick<Candidate, 'keys' | 'include' | 'where'>): string[] {
  const keyWords = c.keys.flatMap((k) => (k.column !== undefined ? [k.column] : (k.expression?.match(/[a-z_][a-z0-9_]*/gi) ?? [])));
  const whereWords = c.where.flatMap((w) => w.match(/[a-z_][a-z0-9_]*/gi) ?? []);
  return [...keyWords, ...c.include, ...whereWords].map((s) => s.replace(/"/g, ''));
}

/** The columns an UPDATE sets (empty for any other statement or one the parser does not know). */
export function updatedColumns(sql: string): { table: string; columns: string[] } | undefined {
  try {
    const [st] = parse(sql);
    if (st?.type !== 'update') return undefined;
    return { table: st.table.name, columns: st.sets.map((s) => s.column.name) };
  } catch {
    return undefined;
  }
}
