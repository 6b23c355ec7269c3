import assert from 'node:assert/strict';
import { conjuncts, mergePlanShape, planUsages, statementShape } from '../../../../src/core/advisor/planShape';
import { parsePlan } from '../../../../src/core/plan/parse';
import { TableUsage } from '../../../../src/core/sql/shape';

type Node = Record<string, unknown>;
const scan = (relation: string, extra: Node = {}): Node => ({
  'Node Type': 'Seq Scan',
  'Relation Name': relation,
  Alias: relation,
  ...extra,
});
const usagesOf = (plan: Node) => planUsages(parsePlan([{ Plan: plan }]).root);
const byTable = (usages: TableUsage[], table: string) => usages.find((u) => u.table === table)!;

describe('plan as a source of query shape', () => {
  it('reads a scan filter in the base table columns (a view renaming a column is already expanded)', () => {
    const [u] = usagesOf(scan('users', { Filter: "(((email)::text = 'a@b.c'::text) AND (created_at > '2024-01-01'::date))" }));
    assert.equal(u.table, 'users');
    assert.deepEqual(
      u.predicates.map((p) => [p.target.column, p.op, p.constant, p.valueSql]),
      [
        ['email', '=', true, "'a@b.c'::text"],
        ['created_at', '>', true, "'2024-01-01'::date"],
      ],
    );
  });

  it('reads IN lists, IS NULL, boolean flags, LIKE and one-column expressions', () => {
    const [u] = usagesOf(
      scan('t', {
        Filter:
          "((id = ANY ('{1,2}'::integer[])) AND (deleted_at IS NULL) AND (NOT archived) AND ((name)::text ~~* '%x%'::text) AND (lower((email)::text) = 'q'::text))",
      }),
    );
    assert.deepEqual(
      u.predicates.map((p) => [p.target.column ?? p.target.expression, p.op, p.valueSql]),
      [
        ['id', 'IN', "('{1,2}'::integer[])"],
        ['deleted_at', 'IS NULL', undefined],
        ['archived', '=', 'false'],
        ['name', 'LIKE_INFIX', "'%x%'::text"],
        ['lower((email)::text)', '=', "'q'::text"],
      ],
    );
    assert.equal(u.predicates[3].caseInsensitive, true);
  });

  it('reads the verbose plan: schema, alias-qualified columns and expressions', () => {
    const [u] = usagesOf(
      scan('people', { Schema: 'archive', Alias: 'p', Filter: "((lower((p.email)::text) = 'q'::text) AND (p.city = 'x'::text))" }),
    );
    assert.equal(u.schema, 'archive');
    assert.deepEqual(
      u.predicates.map((p) => [p.target.column ?? p.target.expression, p.sql]),
      [
        ['lower((email)::text)', "lower((email)::text) = 'q'::text"],
        ['city', "city = 'x'::text"],
      ],
    );
  });

  it('turns a hash condition into join keys on both scans (MERGE, NATURAL JOIN)', () => {
    const usages = usagesOf({
      'Node Type': 'Hash Join',
      'Hash Cond': '(o.user_id = u.id)',
      Plans: [
        scan('orders', { Alias: 'o' }),
        { 'Node Type': 'Hash', Plans: [scan('users', { Alias: 'u', Filter: "(city = 'Oslo'::text)" })] },
      ],
    });
    assert.deepEqual(byTable(usages, 'orders').joinKeys, [{ column: 'user_id', otherTable: 'users', otherColumn: 'id' }]);
    assert.deepEqual(byTable(usages, 'users').joinKeys, [{ column: 'id', otherTable: 'orders', otherColumn: 'user_id' }]);
    assert.equal(byTable(usages, 'users').predicates[0].target.column, 'city');
  });

  it('takes the result sort as the order of the one scan it reads (ORDER BY 1 over SELECT *)', () => {
    const [u] = usagesOf({
      'Node Type': 'Limit',
      Plans: [{ 'Node Type': 'Sort', 'Sort Key': ['created_at DESC', 'id NULLS FIRST'], Plans: [scan('events')] }],
    });
    assert.deepEqual(u.orderBy, [
      { target: { column: 'created_at', columns: ['created_at'] }, direction: 'DESC' },
      { target: { column: 'id', columns: ['id'] }, direction: 'ASC', nulls: 'FIRST' },
    ]);
  });

  it('ignores a sort that only feeds a merge join, and finds nothing behind a materialized CTE', () => {
    const usages = usagesOf({
      'Node Type': 'Merge Join',
      'Merge Cond': '(a.k = b.k)',
      Plans: [
        { 'Node Type': 'Sort', 'Sort Key': ['a.k'], Plans: [scan('a')] },
        { 'Node Type': 'CTE Scan', 'CTE Name': 'c', Alias: 'b', Filter: '(v = 1)' },
      ],
    });
    assert.deepEqual(byTable(usages, 'a').orderBy, []);
    assert.equal(usages.length, 1);
  });

  it('splits conditions on top-level AND only', () => {
    assert.deepEqual(conjuncts("((a = 'x AND y'::text) AND ((b = 1) OR (c = 2)))"), ["a = 'x AND y'::text", '(b = 1) OR (c = 2)']);
  });

  it('without the parser, takes what the statement does from the plan (MERGE writes)', () => {
    const raw = [
      {
        Plan: {
          'Node Type': 'ModifyTable',
          Operation: 'Merge',
          'Relation Name': 'orders',
          Alias: 'o',
          Plans: [scan('orders', { Alias: 'o' })],
        },
      },
    ];
    const { shape, note } = statementShape(
      'MERGE INTO orders o USING (SELECT $1 AS id) s ON o.id = s.id WHEN MATCHED THEN DELETE',
      parsePlan(raw),
    );
    assert.deepEqual([shape.kind, shape.writes, shape.paramCount, shape.tables.map((t) => t.table)], ['merge', true, 1, ['orders']]);
    assert.match(note!, /plan alone/);
  });

  it('merges with the parser shape: a table both reach gets the plan predicates it lacked; a plan-only table is added', () => {
    const parsed: TableUsage = {
      table: 'orders',
      predicates: [],
      joinKeys: [],
      orderBy: [],
      groupBy: [],
      columnsRead: ['id'],
      readsAllColumns: false,
    };
    const planned = usagesOf({
      'Node Type': 'Nested Loop',
      Plans: [scan('orders', { Filter: "(status = 'new'::text)" }), scan('users', { Filter: '(id = 7)' })],
    });
    const merged = mergePlanShape({ kind: 'select', tables: [parsed], paramCount: 0, writes: false }, planned);
    assert.deepEqual(
      merged.tables.map((t) => [t.table, t.predicates.map((p) => p.target.column)]),
      [
        ['orders', ['status']],
        ['users', ['id']],
      ],
    );
    assert.deepEqual(parsed.predicates, [], 'the parser shape is not modified');
  });
});
