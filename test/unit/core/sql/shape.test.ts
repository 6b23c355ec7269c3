import assert from 'node:assert/strict';
import { PgTunerError } from '../../../../src/core/errors';
import { extractShape, tryExtractShape } from '../../../../src/core/sql/parse';
import type { Predicate, QueryShape, TableUsage } from '../../../../src/core/sql/shape';

function table(shape: QueryShape, name: string, alias?: string): TableUsage {
  const usage = shape.tables.find((t) => t.table === name && (alias === undefined || t.alias === alias));
  assert.ok(usage, `table ${name} in ${JSON.stringify(shape.tables.map((t) => t.table))}`);
  return usage;
}

/** The only table's predicates of a single-table query. */
function predicatesOf(sql: string): Predicate[] {
  const shape = extractShape(sql);
  assert.equal(shape.tables.length, 1);
  return shape.tables[0].predicates;
}

function onlyPredicate(sql: string): Predicate {
  const predicates = predicatesOf(sql);
  assert.equal(predicates.length, 1, JSON.stringify(predicates));
  return predicates[0];
}

function parseError(sql: string): PgTunerError {
  try {
    extractShape(sql);
  } catch (err) {
    assert.ok(err instanceof PgTunerError);
    return err;
  }
  assert.fail('expected an error');
}

describe('sql/parse extractShape', () => {
  describe('comparison predicates', () => {
    it('= with a constant', () => {
      assert.deepEqual(onlyPredicate("SELECT id FROM t WHERE status = 'open'"), {
        target: { column: 'status', columns: ['status'] },
        op: '=',
        constant: true,
        valueSql: "'open'",
        sql: "status = 'open'",
      });
    });

    it('<, <=, >, >= and a constant on the left side flips the operator', () => {
      const ops = predicatesOf('SELECT 1 FROM t WHERE a < 1 AND b <= 2 AND c > 3 AND d >= 4 AND 5 < e AND 6 >= f');
      assert.deepEqual(
        ops.map((p) => [p.target.column, p.op, p.valueSql]),
        [
          ['a', '<', '1'],
          ['b', '<=', '2'],
          ['c', '>', '3'],
          ['d', '>=', '4'],
          ['e', '>', '5'],
          ['f', '<=', '6'],
        ],
      );
      assert.equal(ops[4].sql, '5 < e');
    });

    it('IN with a list of constants', () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE kind IN ('a', 'b')");
      assert.deepEqual([p.op, p.constant, p.valueSql, p.sql], ['IN', true, "('a', 'b')", "kind IN ('a', 'b')"]);
    });

    it('IN with one element keeps its parentheses', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE kind IN (7)');
      assert.deepEqual([p.op, p.valueSql, p.sql], ['IN', '(7)', 'kind IN (7)']);
    });

    it('= ANY($1) is IN with a parameter', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE id = ANY($1)');
      assert.deepEqual([p.op, p.constant, p.param, p.sql], ['IN', false, 1, 'id = ANY ($1)']);
    });

    it('BETWEEN with both bounds as valueSql', () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE d BETWEEN DATE '2024-01-01' AND DATE '2024-02-01'");
      assert.deepEqual(
        [p.op, p.valueSql, p.sql],
        ['BETWEEN', "'2024-01-01'::date AND '2024-02-01'::date", "d BETWEEN '2024-01-01'::date AND '2024-02-01'::date"],
      );
    });

    it('<> and NOT IN are kept for partial-index reasoning but marked as such', () => {
      const ps = predicatesOf("SELECT 1 FROM t WHERE a != 1 AND b NOT IN ('x')");
      assert.deepEqual(
        ps.map((p) => [p.op, p.sql]),
        [
          ['<>', 'a <> 1'],
          ['OTHER', "b NOT IN ('x')"],
        ],
      );
    });

    it('a non-literal value is not constant and has no valueSql', () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE created_at > now() - interval '1 day'");
      assert.deepEqual([p.op, p.constant, p.valueSql], ['>', false, undefined]);
    });

    it('OR conjuncts give no predicate', () => {
      assert.deepEqual(predicatesOf('SELECT 1 FROM t WHERE a = 1 OR b = 2'), []);
    });

    it('nested parenthesised ANDs are flattened', () => {
      assert.deepEqual(
        predicatesOf('SELECT 1 FROM t WHERE (a = 1 AND (b = 2 AND c = 3))').map((p) => p.target.column),
        ['a', 'b', 'c'],
      );
    });
  });

  describe('null and boolean tests', () => {
    it('IS NULL and IS NOT NULL are constant predicates', () => {
      const ps = predicatesOf('SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL');
      assert.deepEqual(
        ps.map((p) => [p.target.column, p.op, p.constant, p.sql]),
        [
          ['a', 'IS NULL', true, 'a IS NULL'],
          ['b', 'IS NOT NULL', true, 'b IS NOT NULL'],
        ],
      );
    });

    it('a bare boolean column is = true, NOT column is = false', () => {
      const ps = predicatesOf('SELECT 1 FROM t WHERE is_active AND NOT is_deleted');
      assert.deepEqual(
        ps.map((p) => [p.target.column, p.op, p.valueSql, p.sql]),
        [
          ['is_active', '=', 'true', 'is_active'],
          ['is_deleted', '=', 'false', 'NOT is_deleted'],
        ],
      );
    });

    it('IS TRUE / IS FALSE are = true / false, keeping their own text', () => {
      const ps = predicatesOf('SELECT 1 FROM t WHERE a IS TRUE AND b IS FALSE');
      assert.deepEqual(
        ps.map((p) => [p.op, p.valueSql, p.sql]),
        [
          ['=', 'true', 'a IS TRUE'],
          ['=', 'false', 'b IS FALSE'],
        ],
      );
    });

    it('= false with a literal boolean', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE archived = false');
      assert.deepEqual([p.op, p.valueSql, p.sql], ['=', 'false', 'archived = false']);
    });
  });

  describe('pattern matching', () => {
    it("LIKE 'abc%' is LIKE_PREFIX", () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE name LIKE 'abc%'");
      assert.deepEqual([p.op, p.caseInsensitive, p.valueSql], ['LIKE_PREFIX', false, "'abc%'"]);
    });

    it("LIKE '%x%' is LIKE_INFIX, case-sensitive", () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE name LIKE '%abc%'");
      assert.deepEqual([p.op, p.caseInsensitive], ['LIKE_INFIX', false]);
    });

    it("ILIKE '%x%' and ILIKE 'abc%' are case-insensitive LIKE_INFIX (trigram)", () => {
      assert.deepEqual(
        [onlyPredicate("SELECT 1 FROM t WHERE name ILIKE '%abc%'")].map((p) => [p.op, p.caseInsensitive]),
        [['LIKE_INFIX', true]],
      );
      assert.equal(onlyPredicate("SELECT 1 FROM t WHERE name ILIKE 'abc%'").op, 'LIKE_INFIX');
    });

    it("a leading '_' wildcard is infix; an escaped '%' is not a wildcard", () => {
      assert.equal(onlyPredicate("SELECT 1 FROM t WHERE code LIKE '_bc'").op, 'LIKE_INFIX');
      assert.equal(onlyPredicate("SELECT 1 FROM t WHERE code LIKE '\\%off%'").op, 'LIKE_PREFIX');
    });

    it('LIKE with a parameter is LIKE_INFIX with the parameter number', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE name LIKE $1');
      assert.deepEqual([p.op, p.param, p.constant], ['LIKE_INFIX', 1, false]);
    });
  });

  describe('arrays and jsonb', () => {
    it('&& on an ARRAY literal is ARRAY_OVERLAP', () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE tags && ARRAY['a', 'b']");
      assert.deepEqual([p.op, p.valueSql], ['ARRAY_OVERLAP', "ARRAY['a', 'b']"]);
    });

    it('@> and <@ with an array-typed cast', () => {
      const ps = predicatesOf("SELECT 1 FROM t WHERE tags @> '{a,b}'::text[] AND ids <@ ARRAY[1, 2]::int[]");
      assert.deepEqual(
        ps.map((p) => [p.op, p.valueSql]),
        [
          ['ARRAY_CONTAINS', "'{a,b}'::text[]"],
          ['ARRAY_CONTAINED', 'ARRAY[1, 2]::int[]'],
        ],
      );
    });

    it('@> with a JSON-looking string or a ::jsonb cast is JSONB_CONTAINS', () => {
      const ps = predicatesOf(`SELECT 1 FROM t WHERE doc @> '{"a": 1}' AND meta @> '[1]'::jsonb`);
      assert.deepEqual(
        ps.map((p) => p.op),
        ['JSONB_CONTAINS', 'JSONB_CONTAINS'],
      );
    });

    it('@> with a bare parameter cannot be classified from the query alone', () => {
      assert.equal(onlyPredicate('SELECT 1 FROM t WHERE doc @> $1').op, 'OTHER');
    });

    it('?, ?| and ?& are JSONB_EXISTS', () => {
      const ps = predicatesOf("SELECT 1 FROM t WHERE doc ? 'k' AND doc ?| ARRAY['a'] AND doc ?& ARRAY['b']");
      assert.deepEqual(
        ps.map((p) => [p.op, p.sql]),
        [
          ['JSONB_EXISTS', "doc ? 'k'"],
          ['JSONB_EXISTS', "doc ?| ARRAY['a']"],
          ['JSONB_EXISTS', "doc ?& ARRAY['b']"],
        ],
      );
    });

    it('a jsonb member compared with a constant is an expression target', () => {
      const p = onlyPredicate("SELECT 1 FROM t WHERE t.doc ->> 'kind' = 'x'");
      assert.deepEqual(p.target, { expression: "doc ->> 'kind'", columns: ['doc'] });
    });
  });

  describe('full text and expressions', () => {
    it('@@ captures the tsvector side as an unqualified expression', () => {
      const p = onlyPredicate("SELECT 1 FROM docs d WHERE to_tsvector('simple', d.body) @@ plainto_tsquery('simple', $1)");
      assert.deepEqual(p.target, { expression: "to_tsvector('simple', body)", columns: ['body'] });
      assert.deepEqual([p.op, p.param], ['FULLTEXT', undefined]);
    });

    it('@@ on a tsvector column with the query on the left', () => {
      const p = onlyPredicate("SELECT 1 FROM docs WHERE to_tsquery('x') @@ search_vector");
      assert.deepEqual([p.op, p.target.column], ['FULLTEXT', 'search_vector']);
    });

    it('lower(email) = constant is an expression target', () => {
      const p = onlyPredicate("SELECT 1 FROM users u WHERE lower(u.email) = 'a@b.c'");
      assert.deepEqual(p.target, { expression: 'lower(email)', columns: ['email'] });
      assert.deepEqual([p.op, p.valueSql, p.sql], ['=', "'a@b.c'", "lower(email) = 'a@b.c'"]);
    });

    it('prints expressions with minimal, correct parentheses', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE (a + b) * c = 1 AND TRUE');
      assert.equal(p.target.expression, '(a + b) * c');
      assert.equal(
        onlyPredicate("SELECT 1 FROM t WHERE (created_at AT TIME ZONE 'UTC')::date = $1").target.expression,
        "(created_at AT TIME ZONE 'UTC')::date",
      );
    });

    it('prints CASE and SUBSTRING targets unqualified', () => {
      const ps = predicatesOf(
        "SELECT 1 FROM t WHERE CASE WHEN t.a > 0 THEN t.b ELSE 'x' END = 'y' AND substring(t.c from 1 for 3) = 'abc'",
      );
      assert.deepEqual(
        ps.map((p) => p.target.expression),
        ["CASE WHEN a > 0 THEN b ELSE 'x' END", 'substring(c FROM 1 FOR 3)'],
      );
    });

    it('quotes identifiers that need it', () => {
      const p = onlyPredicate('SELECT 1 FROM t WHERE lower("userName") = $1');
      assert.equal(p.target.expression, 'lower("userName")');
    });
  });

  describe('parameters', () => {
    it('$n on either side, through casts; paramCount is the highest number', () => {
      const shape = extractShape('SELECT 1 FROM t WHERE a = $2::int AND $1 < b LIMIT $3');
      const ps = shape.tables[0].predicates;
      assert.deepEqual(
        ps.map((p) => [p.target.column, p.op, p.param, p.constant]),
        [
          ['a', '=', 2, false],
          ['b', '>', 1, false],
        ],
      );
      assert.equal(shape.paramCount, 3);
      assert.equal(shape.limit, undefined);
    });
  });

  describe('tables, aliases and joins', () => {
    it('keeps the schema and alias and attributes alias-qualified columns', () => {
      const shape = extractShape('SELECT o.id FROM sales.orders AS o WHERE o.total > 10');
      assert.deepEqual(
        shape.tables.map((t) => [t.schema, t.table, t.alias]),
        [['sales', 'orders', 'o']],
      );
      assert.deepEqual(shape.tables[0].columnsRead, ['id', 'total']);
    });

    it('join keys from ON and from WHERE, on both tables', () => {
      for (const sql of [
        'SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 1',
        'SELECT 1 FROM orders o, order_items i WHERE i.order_id = o.id AND o.status = 1',
      ]) {
        const shape = extractShape(sql);
        assert.deepEqual(table(shape, 'orders').joinKeys, [{ column: 'id', otherTable: 'order_items', otherColumn: 'order_id' }]);
        assert.deepEqual(table(shape, 'order_items').joinKeys, [{ column: 'order_id', otherTable: 'orders', otherColumn: 'id' }]);
        assert.deepEqual(
          table(shape, 'orders').predicates.map((p) => p.sql),
          ['status = 1'],
        );
      }
    });

    it("ON predicates of a LEFT JOIN that touch one table are that table's predicates", () => {
      const shape = extractShape("SELECT 1 FROM a LEFT JOIN b ON b.a_id = a.id AND b.kind = 'x'");
      assert.deepEqual(
        table(shape, 'b').predicates.map((p) => p.sql),
        ["kind = 'x'"],
      );
    });

    it('JOIN ... USING gives join keys on the shared column', () => {
      const shape = extractShape('SELECT 1 FROM a JOIN b USING (tenant_id)');
      assert.deepEqual(table(shape, 'b').joinKeys, [{ column: 'tenant_id', otherTable: 'a', otherColumn: 'tenant_id' }]);
      assert.deepEqual(table(shape, 'a').joinKeys, [{ column: 'tenant_id', otherTable: 'b', otherColumn: 'tenant_id' }]);
    });

    it('keeps each occurrence of a self-join apart', () => {
      const shape = extractShape("SELECT e.name, m.name FROM employees e JOIN employees m ON m.id = e.manager_id WHERE e.dept = 'x'");
      assert.deepEqual(
        table(shape, 'employees', 'e').predicates.map((p) => p.sql),
        ["dept = 'x'"],
      );
      assert.deepEqual(table(shape, 'employees', 'e').joinKeys, [{ column: 'manager_id', otherTable: 'employees', otherColumn: 'id' }]);
      assert.deepEqual(table(shape, 'employees', 'm').predicates, []);
      assert.deepEqual(table(shape, 'employees', 'm').columnsRead, ['id', 'name']);
    });

    it('attributes an unqualified column in a join when it is qualified elsewhere with one table', () => {
      const shape = extractShape(
        "SELECT a.id FROM accounts a JOIN invoices i ON i.account_id = a.id WHERE due_at < now() AND i.due_at IS NOT NULL AND region = 'eu'",
      );
      assert.deepEqual(
        table(shape, 'invoices').predicates.map((p) => p.sql),
        ['due_at < now()', 'due_at IS NOT NULL'],
      );
      assert.deepEqual(table(shape, 'accounts').predicates, []);
      assert.ok(!shape.tables.some((t) => t.columnsRead.includes('region')), 'ambiguous column left out');
    });

    it('a join to a subquery records the key on the real table, naming the subquery by its alias', () => {
      const shape = extractShape(
        'SELECT c.name FROM customers c JOIN (SELECT customer_id FROM payments GROUP BY customer_id) p ON p.customer_id = c.id',
      );
      assert.deepEqual(table(shape, 'customers').joinKeys, [{ column: 'id', otherTable: 'p', otherColumn: 'customer_id' }]);
      assert.deepEqual(
        table(shape, 'payments').groupBy.map((g) => g.column),
        ['customer_id'],
      );
    });
  });

  describe('subqueries and CTEs', () => {
    it('walks EXISTS and IN subqueries; correlated keys become join keys', () => {
      const shape = extractShape(
        'SELECT * FROM t WHERE EXISTS (SELECT 1 FROM v WHERE v.t_id = t.id AND v.flag) AND b IN (SELECT x FROM u WHERE u.k = 3)',
      );
      assert.deepEqual(table(shape, 'v').joinKeys, [{ column: 't_id', otherTable: 't', otherColumn: 'id' }]);
      assert.deepEqual(
        table(shape, 'v').predicates.map((p) => p.sql),
        ['flag'],
      );
      assert.deepEqual(
        table(shape, 'u').predicates.map((p) => p.sql),
        ['k = 3'],
      );
      const inPredicate = table(shape, 't').predicates.find((p) => p.target.column === 'b');
      assert.deepEqual([inPredicate?.op, inPredicate?.constant], ['IN', false]);
      assert.equal(table(shape, 't').readsAllColumns, true);
      assert.equal(table(shape, 'u').readsAllColumns, false);
    });

    it('walks CTEs and does not mistake a CTE name for a table', () => {
      const shape = extractShape(
        "WITH recent AS (SELECT id, user_id FROM orders WHERE created_at > $1) SELECT u.email FROM recent r JOIN users u ON u.id = r.user_id WHERE u.status = 'active'",
      );
      assert.deepEqual(
        shape.tables.map((t) => t.table),
        ['orders', 'users'],
      );
      assert.deepEqual(
        table(shape, 'orders').predicates.map((p) => [p.target.column, p.op, p.param]),
        [['created_at', '>', 1]],
      );
      assert.deepEqual(
        table(shape, 'users').predicates.map((p) => p.sql),
        ["status = 'active'"],
      );
    });

    it('walks FROM subqueries and LATERAL subqueries with their own ORDER BY', () => {
      const shape = extractShape(
        'SELECT u.id, o.total FROM users u, LATERAL (SELECT total FROM orders o WHERE o.user_id = u.id ORDER BY created_at DESC LIMIT 1) o',
      );
      assert.deepEqual(table(shape, 'orders').joinKeys, [{ column: 'user_id', otherTable: 'users', otherColumn: 'id' }]);
      assert.deepEqual(
        table(shape, 'orders').orderBy.map((k) => [k.target.column, k.direction]),
        [['created_at', 'DESC']],
      );
      assert.equal(shape.limit, undefined, "LIMIT of a subquery is not the statement's");
    });

    it('walks both sides of a UNION', () => {
      const shape = extractShape('SELECT id FROM a WHERE x = 1 UNION ALL SELECT id FROM b WHERE y = 2');
      assert.deepEqual(
        shape.tables.map((t) => [t.table, t.predicates[0].sql]),
        [
          ['a', 'x = 1'],
          ['b', 'y = 2'],
        ],
      );
    });

    it('WITH RECURSIVE: the recursive name is not a table', () => {
      const shape = extractShape(
        'WITH RECURSIVE tree(id) AS (SELECT id FROM nodes WHERE parent_id IS NULL UNION ALL SELECT n.id FROM nodes n JOIN tree t ON n.parent_id = t.id) SELECT * FROM tree',
      );
      assert.deepEqual(
        shape.tables.map((t) => t.table),
        ['nodes', 'nodes'],
      );
      assert.deepEqual(shape.tables[1].joinKeys, [{ column: 'parent_id', otherTable: 't', otherColumn: 'id' }]);
    });
  });

  describe('ORDER BY, GROUP BY, LIMIT', () => {
    it('direction and NULLS', () => {
      const t = extractShape('SELECT a FROM t ORDER BY a DESC NULLS LAST, b NULLS FIRST').tables[0];
      assert.deepEqual(t.orderBy, [
        { target: { column: 'a', columns: ['a'] }, direction: 'DESC', nulls: 'LAST' },
        { target: { column: 'b', columns: ['b'] }, direction: 'ASC', nulls: 'FIRST' },
      ]);
    });

    it("attaches ORDER BY only when every key is one table's", () => {
      const shape = extractShape('SELECT 1 FROM a JOIN b ON b.a_id = a.id ORDER BY a.created_at, b.rank');
      assert.deepEqual(
        shape.tables.map((t) => t.orderBy),
        [[], []],
      );
    });

    it('resolves ORDER BY output aliases and ordinals', () => {
      const shape = extractShape(
        'SELECT j.created_at AS posted, lower(j.title) FROM jobs j JOIN users u ON u.id = j.posted_by_id ORDER BY posted DESC, 2',
      );
      assert.deepEqual(
        table(shape, 'jobs').orderBy.map((k) => [k.target.column ?? k.target.expression, k.direction]),
        [
          ['created_at', 'DESC'],
          ['lower(title)', 'ASC'],
        ],
      );
      assert.ok(!table(shape, 'jobs').columnsRead.includes('posted'));
    });

    it('a key of no single table drops the whole ORDER BY but its columns are still read', () => {
      const t = extractShape('SELECT id FROM t ORDER BY random(), created_at').tables[0];
      assert.deepEqual(t.orderBy, []);
      assert.deepEqual(t.columnsRead, ['created_at', 'id']);
    });

    it('an ORDER BY on an aggregate attaches to no table', () => {
      const shape = extractShape('SELECT action, count(*) AS n FROM audit GROUP BY action ORDER BY n DESC');
      assert.deepEqual(shape.tables[0].orderBy, []);
      assert.deepEqual(shape.tables[0].groupBy, [{ column: 'action', columns: ['action'] }]);
      assert.deepEqual(shape.tables[0].columnsRead, ['action']);
      assert.equal(shape.tables[0].readsAllColumns, false, 'count(*) does not read every column');
    });

    it('GROUP BY expressions, ordinals and output aliases (one key named twice is one key)', () => {
      const shape = extractShape("SELECT date_trunc('day', created_at) AS day, count(*) FROM events GROUP BY day, 1");
      assert.deepEqual(
        shape.tables[0].groupBy.map((g) => g.expression),
        ["date_trunc('day', created_at)"],
      );
      assert.deepEqual(shape.tables[0].columnsRead, ['created_at']);
    });

    it('GROUP BY 2 and GROUP BY an output alias name the select-list column they stand for', () => {
      const byPosition = extractShape('SELECT count(*) AS n, e.kind AS k FROM events e GROUP BY 2 LIMIT 5').tables[0];
      assert.deepEqual(byPosition.groupBy, [{ column: 'kind', columns: ['kind'] }]);
      const byAlias = extractShape('SELECT count(*) AS n, e.kind AS k FROM events e GROUP BY k').tables[0];
      assert.deepEqual(byAlias.groupBy, [{ column: 'kind', columns: ['kind'] }]);
    });

    it('LIMIT as a numeric literal, also FETCH FIRST', () => {
      assert.equal(extractShape('SELECT 1 FROM t LIMIT 10 OFFSET 20').limit, 10);
      assert.equal(extractShape('SELECT 1 FROM t FETCH FIRST 5 ROWS ONLY').limit, 5);
      assert.equal(extractShape('SELECT 1 FROM t').limit, undefined);
    });
  });

  describe('columns an UPDATE sets', () => {
    it('names them as the catalog does, also under WITH; none for other statements', () => {
      assert.deepEqual(extractShape('UPDATE public.t AS x SET a = 1, "Mixed" = 2 WHERE c = 3').setColumns, ['a', 'Mixed']);
      assert.deepEqual(extractShape('WITH s AS (SELECT 1 AS v) UPDATE t SET b = s.v FROM s WHERE t.c = 3').setColumns, ['b']);
      assert.deepEqual(extractShape('DELETE FROM t WHERE a = 1').setColumns, []);
      assert.deepEqual(extractShape('SELECT 1').setColumns, []);
      assert.deepEqual(extractShape('INSERT INTO t (a) SELECT b FROM u ON CONFLICT (a) DO UPDATE SET c = 1').setColumns, []);
    });
  });

  describe('columns read', () => {
    it('select list, predicates, order and group columns; * and t.* mark the whole table', () => {
      const a = extractShape('SELECT a, b + c FROM t WHERE d = 1 ORDER BY e').tables[0];
      assert.deepEqual([a.columnsRead, a.readsAllColumns], [['a', 'b', 'c', 'd', 'e'], false]);
      const shape = extractShape('SELECT o.*, c.name FROM orders o JOIN customers c ON c.id = o.customer_id');
      assert.equal(table(shape, 'orders').readsAllColumns, true);
      assert.equal(table(shape, 'customers').readsAllColumns, false);
      assert.equal(
        extractShape('SELECT * FROM a JOIN b ON b.x = a.x').tables.every((t) => t.readsAllColumns),
        true,
      );
    });
  });

  describe('statements that write', () => {
    it('UPDATE: target predicates, SET values read, FROM joins', () => {
      const shape = extractShape('UPDATE jobs j SET title = u.name FROM users u WHERE u.id = j.posted_by_id AND j.is_active');
      assert.deepEqual([shape.kind, shape.writes], ['update', true]);
      assert.deepEqual(
        table(shape, 'jobs').predicates.map((p) => p.sql),
        ['is_active'],
      );
      assert.deepEqual(table(shape, 'jobs').joinKeys, [{ column: 'posted_by_id', otherTable: 'users', otherColumn: 'id' }]);
      assert.deepEqual(table(shape, 'users').columnsRead, ['id', 'name']);
    });

    it('DELETE with a parameter', () => {
      const shape = extractShape('DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()');
      assert.deepEqual([shape.kind, shape.writes, shape.paramCount], ['delete', true, 1]);
      assert.deepEqual(
        shape.tables[0].predicates.map((p) => [p.target.column, p.op, p.param]),
        [
          ['user_id', '=', 1],
          ['expires_at', '<', undefined],
        ],
      );
    });

    it('INSERT ... SELECT walks the SELECT', () => {
      const shape = extractShape("INSERT INTO archive (id) SELECT m.id FROM messages m WHERE m.sent_at < '2020-01-01'");
      assert.equal(shape.kind, 'insert');
      assert.deepEqual(
        table(shape, 'messages').predicates.map((p) => p.sql),
        ["sent_at < '2020-01-01'"],
      );
      assert.deepEqual(table(shape, 'archive').predicates, []);
    });

    it('a writable CTE makes a SELECT write', () => {
      const shape = extractShape("WITH gone AS (DELETE FROM queue WHERE status = 'done' RETURNING id) SELECT count(*) FROM gone");
      assert.deepEqual([shape.kind, shape.writes], ['select', true]);
      assert.deepEqual(
        table(shape, 'queue').predicates.map((p) => p.sql),
        ["status = 'done'"],
      );
    });

    it('a plain SELECT does not write', () => {
      assert.equal(extractShape('SELECT 1 FROM t').writes, false);
    });
  });

  describe('errors', () => {
    it('reports a syntax error with 1-based line and column and the token', () => {
      const err = parseError('SELECT id,\n  name\nFROM users\nWHERE id = = 1');
      assert.equal(err.code, 'PARSE_ERROR');
      assert.equal(err.message, 'Syntax error at line 4, column 12 near "="');
    });

    it('reports where a lexer error is', () => {
      assert.equal(parseError("SELECT 'abc").message, 'Syntax error at line 1, column 8 near "\'abc"');
    });

    it('reports a statement that ends too early at its end', () => {
      assert.equal(parseError('SELECT * FROM t WHERE\n').message, 'Syntax error at line 1, column 22: the statement ends too early');
    });

    it('refuses several statements, saying how many', () => {
      const err = parseError('SELECT 1; SELECT 2;\nSELECT 3');
      assert.equal(err.code, 'MULTIPLE_STATEMENTS');
      assert.match(err.message, /^Found 3 statements; select one/);
    });

    it('accepts one statement with a trailing semicolon and comments', () => {
      assert.equal(extractShape('-- newest\nSELECT 1 FROM t; -- done').tables.length, 1);
    });

    it('refuses empty input', () => {
      assert.equal(parseError('  -- nothing\n').code, 'BAD_INPUT');
    });

    it('tryExtractShape returns the error for valid PostgreSQL the parser lacks, such as MERGE', () => {
      const result = tryExtractShape('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE');
      assert.ok('error' in result);
      assert.equal(result.error.code, 'PARSE_ERROR');
      const ok = tryExtractShape('SELECT 1 FROM t WHERE a = 1');
      assert.ok('shape' in ok);
      assert.equal(ok.shape.tables[0].predicates.length, 1);
    });
  });
});
