import assert from 'node:assert/strict';
import { candidateKey } from '../../../../src/core/advisor/candidate';
import { TableInfo } from '../../../../src/core/catalog/tables';
import { parsePlan } from '../../../../src/core/plan/parse';
import { indexableCandidates } from '../../../../src/core/workload/indexable';

const table = (name: string, columns: string[], rows = 100_000): TableInfo => ({
  wanted: name,
  oid: 1,
  schema: 'public',
  name,
  kind: 'r',
  rows,
  pages: 1000,
  tableBytes: 8_192_000,
  columns: columns.map((c) => ({ name: c, type: 'integer', notNull: true })),
});
const lineitem = table('lineitem', ['l_orderkey', 'l_partkey', 'l_quantity', 'l_shipdate', 'l_comment']);
const part = table('part', ['p_partkey', 'p_brand', 'p_size']);
const keys = (list: ReturnType<typeof indexableCandidates>) =>
  list.map((c) => `${c.table}(${c.keys.map((k) => k.column).join(',')})${c.include.length ? ` include(${c.include.join(',')})` : ''}`);

/** EXPLAIN (FORMAT JSON) of a join of part and lineitem with a correlated subquery on lineitem (TPC-H Q17's shape). */
const Q17_PLAN = [
  {
    Plan: {
      'Node Type': 'Hash Join',
      'Hash Cond': '(lineitem.l_partkey = part.p_partkey)',
      'Join Filter': '(lineitem.l_quantity < (SubPlan 1))',
      'Total Cost': 2000000,
      Plans: [
        { 'Node Type': 'Seq Scan', 'Relation Name': 'lineitem', Schema: 'public', Alias: 'lineitem', 'Total Cost': 1000 },
        {
          'Node Type': 'Hash',
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': 'part',
              Schema: 'public',
              Alias: 'part',
              Filter: "((p_brand = 'Brand#23'::bpchar) AND (p_size > 10))",
              'Total Cost': 100,
            },
          ],
        },
        {
          'Node Type': 'Aggregate',
          'Subplan Name': 'SubPlan 1',
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': 'lineitem',
              Schema: 'public',
              Alias: 'lineitem_1',
              Filter: '(l_partkey = part.p_partkey)',
              'Total Cost': 1000,
            },
          ],
        },
      ],
    },
  },
];

describe('core/workload/indexable: syntactic candidates from the plan', () => {
  const root = parsePlan(Q17_PLAN).root;
  const words = new Set(['l_partkey', 'l_quantity', 'l_extendedprice', 'p_partkey', 'p_brand', 'p_size', 'p_container']);

  it('takes join keys, equality and range columns of the scans, and pairs led by an equality or join column', () => {
    const got = keys(indexableCandidates(root, [lineitem, part], words));
    for (const want of [
      'lineitem(l_partkey)',
      'lineitem(l_partkey,l_quantity)',
      'part(p_partkey)',
      'part(p_brand,p_size)',
      'part(p_size)',
    ]) {
      assert.ok(got.includes(want), `${want} in ${got.join(' ')}`);
    }
    // p_size is only compared by a range: it leads no pair; l_comment and l_shipdate appear nowhere.
    assert.ok(!got.includes('part(p_size,p_brand)'), got.join(' '));
    assert.ok(!got.some((k) => /l_comment|l_shipdate/.test(k)), got.join(' '));
  });

  it('adds each column alone with the other columns of its table the statement names, as INCLUDE', () => {
    const got = keys(indexableCandidates(root, [lineitem, part], words));
    assert.ok(got.includes('lineitem(l_partkey) include(l_quantity)'), got.join(' '));
    assert.ok(got.includes('part(p_brand) include(p_partkey,p_size)'), got.join(' '));
  });

  it('uses only columns the table has, and no table too small to need an index', () => {
    const got = indexableCandidates(root, [lineitem, table('part', ['p_partkey', 'p_brand', 'p_size'], 10)], words);
    assert.ok(
      got.every((c) => c.table === 'lineitem'),
      keys(got).join(' '),
    );
    const unique = new Set(got.map(candidateKey));
    assert.equal(unique.size, got.length);
  });
});
