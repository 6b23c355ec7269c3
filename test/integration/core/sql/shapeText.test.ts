import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { qualifiedName } from '../../../../src/core/sql/ident';
import { extractShape, tryExtractShape } from '../../../../src/core/sql/parse';
import type { ColumnRef, QueryShape } from '../../../../src/core/sql/shape';
import { freshDatabase } from '../../../support/integrationHooks';

const BENCH = path.resolve(__dirname, '../../../../../bench/workload');

/** Extra statements over the bench schema whose printed texts are easy to get wrong. */
const EXTRA = [
  "SELECT id FROM users WHERE lower(email) = 'a@b.c' AND role IN ('crew', 'actor') AND location LIKE 'Lag%'",
  "SELECT id FROM audit_logs WHERE details ->> 'client' = 'api' AND (created_at AT TIME ZONE 'UTC')::date = DATE '2024-06-10'",
  "SELECT id FROM stock_snapshots WHERE snapshot_date BETWEEN '2024-01-01' AND '2024-03-31' AND quantity_on_hand <> 0 AND -quantity_on_hand < -5",
  "SELECT id FROM jobs WHERE NOT is_active AND pay_max IS NOT NULL AND type = 'gig' ORDER BY lower(title) DESC NULLS LAST",
  "SELECT id FROM users WHERE skills && ARRAY['drone-operator']::text[] AND is_active IS TRUE",
  "SELECT id FROM jobs j WHERE CASE WHEN j.pay_max > 0 THEN j.type ELSE 'none' END = 'gig' AND substring(j.location FROM 1 FOR 3) = 'Lag'",
];

/** The index key as CREATE INDEX wants it: a column, or an expression in parentheses. */
function key(target: ColumnRef): string {
  return target.column !== undefined ? qualifiedName(undefined, target.column) : `(${target.expression})`;
}

/** Every CREATE INDEX an advisor could build from the shape's texts. */
function indexStatements(shape: QueryShape): string[] {
  const statements: string[] = [];
  for (const t of shape.tables) {
    const table = qualifiedName(t.schema, t.table);
    for (const p of t.predicates) {
      const method = p.op === 'FULLTEXT' ? ' USING gin' : p.op === 'LIKE_INFIX' ? ' USING gin' : '';
      const opclass = p.op === 'LIKE_INFIX' ? ' gin_trgm_ops' : '';
      statements.push(`CREATE INDEX ON ${table}${method} (${key(p.target)}${opclass})`);
      if (p.constant) statements.push(`CREATE INDEX ON ${table}${method} (${key(p.target)}${opclass}) WHERE ${p.sql}`);
    }
    if (t.orderBy.length) {
      const keys = t.orderBy.map((k) => `${key(k.target)} ${k.direction}${k.nulls ? ` NULLS ${k.nulls}` : ''}`);
      statements.push(`CREATE INDEX ON ${table} (${keys.join(', ')})`);
    }
    for (const g of t.groupBy) statements.push(`CREATE INDEX ON ${table} (${key(g)})`);
  }
  return statements;
}

describe('sql shape texts accepted by PostgreSQL', () => {
  let client: Client;

  before(async () => {
    client = new Client({ connectionString: await freshDatabase() });
    await client.connect();
    await client.query(fs.readFileSync(path.join(BENCH, 'schema.sql'), 'utf8'));
  });

  after(async () => {
    await client?.end();
  });

  it('builds an index from every predicate, ORDER BY and GROUP BY text of the bench queries and extra cases', async () => {
    const queries: { id: string; sql: string }[] = JSON.parse(fs.readFileSync(path.join(BENCH, 'queries.json'), 'utf8')).queries;
    let built = 0;
    // Views take no index: the advisor reaches their base tables through the plan, not through these texts.
    const views = new Set(
      (await client.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind = 'v'`)).rows.map((r) => r.name),
    );
    let unparsed = 0;
    for (const sql of [...queries.map((q) => q.sql), ...EXTRA]) {
      // What pgsql-ast-parser cannot read (AS MATERIALIZED) the advisor reads from the plan instead.
      const parsed = tryExtractShape(sql);
      if ('error' in parsed) {
        unparsed++;
        continue;
      }
      const shape = parsed.shape;
      for (const ddl of indexStatements({ ...shape, tables: shape.tables.filter((t) => !views.has(t.table)) })) {
        await client.query(ddl).catch((err: Error) => assert.fail(`${ddl}\n  from: ${sql}\n  ${err.message}`));
        built++;
      }
    }
    assert.ok(built >= 60, `built ${built} indexes`);
    // cte_materialized_fence and cte_not_materialized ([NOT] MATERIALIZED).
    assert.ok(unparsed <= 2, `${unparsed} bench statements the parser cannot read`);
  });

  it('valueSql of constant predicates is a valid value for its column', async () => {
    const shape = extractShape(EXTRA[2]);
    for (const p of shape.tables[0].predicates.filter((x) => x.valueSql && x.op !== 'BETWEEN')) {
      await client.query(`SELECT count(*) FROM stock_snapshots WHERE ${key(p.target)} = ${p.valueSql}`);
    }
    const between = shape.tables[0].predicates.find((p) => p.op === 'BETWEEN');
    assert.equal(between?.valueSql, "'2024-01-01' AND '2024-03-31'");
    await client.query(`SELECT count(*) FROM stock_snapshots WHERE snapshot_date BETWEEN ${between?.valueSql}`);
  });
});
