/**
 * Indexes on partitioned tables. PostgreSQL refuses `CREATE INDEX CONCURRENTLY` on a partitioned
 * table, and a plain `CREATE INDEX` there locks every partition against writes for the whole
 * build. The way that never blocks writers: create the parent's index `ON ONLY` the parent
 * (instant, invalid while partitions lack theirs), build each partition's index concurrently, and
 * attach each one, deepest level first; the parent's index turns valid when the last one is
 * attached. Dropping the parent's index drops the attached ones with it.
 */
import { Session } from '../db/database';
import { qualifiedName, quoteIdent } from '../sql/ident';
import { indexName } from './candidate';
import { Suggestion } from './types';

export interface Partition {
  schema: string;
  name: string;
  parentSchema: string;
  parentName: string;
  /** A sub-partitioned partition gets its index `ON ONLY` too. */
  partitioned: boolean;
  level: number;
}

/** Every partition below the table, at every level, parents before their partitions. */
const PARTITIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, pn.nspname AS "parentSchema", p.relname AS "parentName",
       c.relkind = 'p' AS partitioned, t.level
  FROM pg_partition_tree(to_regclass($1)) t
  JOIN pg_class c ON c.oid = t.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class p ON p.oid = t.parentrelid
  JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE t.level > 0 AND c.relkind IN ('r', 'p')
 ORDER BY t.level, n.nspname, c.relname`;

/**
 * Suggestions on a partitioned table get the statements that build the index without blocking
 * writes (ON ONLY, one concurrent build per partition, ATTACH) and a `.down` that drops the parent's.
 * `partitioned` says which tables are (from the catalog already read): only those are asked for their partitions.
 */
export async function withPartitionedDdl(
  session: Session,
  suggestions: Suggestion[],
  partitioned: (table: string) => boolean,
): Promise<Suggestion[]> {
  const out: Suggestion[] = [];
  for (const s of suggestions) {
    if (!partitioned(s.table)) {
      out.push(s);
      continue;
    }
    const partitions = (await session.query<Partition>(PARTITIONS_SQL, [tableText(s.table)])).rows;
    out.push(partitions.length ? partitionedSuggestion(s, partitions) : s);
  }
  return out;
}

export function partitionedSuggestion(s: Suggestion, partitions: Partition[]): Suggestion {
  const [schema, table] = splitTable(s.table);
  const head = `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(s.name)} ON ${qualifiedName(schema, table)}`;
  if (!s.ddl.startsWith(head)) return s;
  const body = s.ddl.slice(head.length).replace(/;\s*$/, '');
  const names = new Map([[`${schema}.${table}`, s.name]]);
  const nameOf = (p: Pick<Partition, 'schema' | 'name'>) => names.get(`${p.schema}.${p.name}`)!;
  for (const p of partitions) names.set(`${p.schema}.${p.name}`, partitionIndexName(s, p.name));
  const create = (p: { schema: string; name: string; partitioned: boolean }) =>
    p.partitioned
      ? `CREATE INDEX IF NOT EXISTS ${quoteIdent(nameOf(p))} ON ONLY ${qualifiedName(p.schema, p.name)}${body};`
      : `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(nameOf(p))} ON ${qualifiedName(p.schema, p.name)}${body};`;
  const attach = [...partitions]
    .sort((a, b) => b.level - a.level)
    .map(
      (p) =>
        `ALTER INDEX ${qualifiedName(p.parentSchema, nameOf({ schema: p.parentSchema, name: p.parentName }))} ATTACH PARTITION ${qualifiedName(p.schema, nameOf(p))};`,
    );
  const ddl = [create({ schema, name: table, partitioned: true }), ...partitions.map(create), ...attach].join('\n');
  return {
    ...s,
    ddl,
    down: `DROP INDEX IF EXISTS ${qualifiedName(schema, s.name)};`,
    reason: `${s.reason} ${s.table} is partitioned (${partitions.length} partitions): the index is created ON ONLY it, built concurrently on each partition and attached, so writes never wait for the whole build.`,
  };
}

/** The partition's index: the suggestion's name with the partition's table name in place of the parent's. */
function partitionIndexName(s: Suggestion, partition: string): string {
  const [, table] = splitTable(s.table);
  const prefix = `idx_${table}_`.toLowerCase();
  const rest = s.name.startsWith(prefix) ? s.name.slice(prefix.length) : s.name;
  return indexName({
    schema: '',
    table: partition,
    method: 'btree',
    keys: [{ column: rest }],
    include: [],
    where: [],
    kinds: [],
    reason: '',
    requires: [],
    needsTrialBuild: false,
  });
}

/** "schema.table" as a suggestion names it (the schema never holds a dot that matters here: split at the first). */
function splitTable(table: string): [string, string] {
  const dot = table.indexOf('.');
  return [table.slice(0, dot), table.slice(dot + 1)];
}

function tableText(table: string): string {
  const [schema, name] = splitTable(table);
  return qualifiedName(schema, name);
}
