import assert from 'node:assert/strict';
import { CandidateOptions, DEFAULT_CANDIDATE_OPTIONS, generateCandidates, literalText } from '../../../../src/core/advisor/generate';
import { TableInfo } from '../../../../src/core/catalog/tables';
import { extractShape } from '../../../../src/core/sql/parse';

const jobs: TableInfo = {
  wanted: '"jobs"',
  oid: 1,
  schema: 'public',
  name: 'jobs',
  kind: 'r',
  rows: 300_000,
  pages: 9000,
  tableBytes: 70e6,
  columns: [
    { name: 'id', type: 'bigint', notNull: true, nDistinct: -1, correlation: 1, avgWidth: 8 },
    {
      name: 'status',
      type: 'text',
      notNull: true,
      nDistinct: 4,
      mostCommonVals: ['open', 'closed', 'draft', 'pending'],
      mostCommonFreqs: [0.6, 0.3, 0.08, 0.02],
      avgWidth: 6,
    },
    {
      name: 'kind',
      type: 'text',
      notNull: true,
      nDistinct: 5,
      mostCommonVals: ['gig', 'contract', 'full_time', 'part_time', 'internship'],
      mostCommonFreqs: [0.4, 0.3, 0.2, 0.06, 0.04],
      avgWidth: 8,
    },
    { name: 'location', type: 'text', notNull: true, nDistinct: 300, avgWidth: 8 },
    {
      name: 'is_active',
      type: 'boolean',
      notNull: true,
      nDistinct: 2,
      mostCommonVals: ['t', 'f'],
      mostCommonFreqs: [0.8, 0.2],
      avgWidth: 1,
    },
    { name: 'pay_max', type: 'integer', notNull: false, nDistinct: 5000, avgWidth: 4 },
    { name: 'closed_at', type: 'timestamp with time zone', notNull: false, nullFrac: 0.01, nDistinct: -0.99, avgWidth: 8 },
    { name: 'created_at', type: 'timestamp with time zone', notNull: true, nDistinct: -1, correlation: 0.999, avgWidth: 8 },
    { name: 'description', type: 'text', notNull: true, nDistinct: -0.9, avgWidth: 400 },
  ],
};

function candidates(sql: string, rows = jobs.rows, options: Partial<CandidateOptions> = {}) {
  const shape = extractShape(sql);
  const info = { ...jobs, rows };
  return generateCandidates(shape, new Map([[shape.tables[0], info]]), { ...DEFAULT_CANDIDATE_OPTIONS, pgTrgmInstalled: true, ...options });
}
const keysOf = (c: { keys: { column?: string; expression?: string; desc?: boolean }[] }) =>
  c.keys.map((k) => (k.column ?? k.expression) + (k.desc ? ' DESC' : '')).join(', ');

describe('candidate generation', () => {
  it('keeps columns the table lacks (the outer query ones, read unqualified in a correlated subquery) out of keys and INCLUDE', () => {
    const { candidates: cs } = candidates("SELECT id, pay_max, p_partkey FROM jobs WHERE location = 'Abuja' AND p_partkey = 7");
    assert.ok(cs.length > 0);
    for (const c of cs) {
      assert.ok(!keysOf(c).includes('p_partkey'), keysOf(c));
      assert.ok(!c.include.includes('p_partkey'), c.include.join(', '));
    }
    assert.ok(
      cs.some((c) => keysOf(c) === 'location' && c.include.includes('pay_max')),
      cs.map((c) => `${keysOf(c)} INCLUDE ${c.include}`).join('; '),
    );
  });

  it('orders equality columns by distinct values, then the ORDER BY in its direction', () => {
    const { candidates: cs } = candidates(
      "SELECT id FROM jobs WHERE kind = 'contract' AND location = 'Abuja' ORDER BY pay_max DESC LIMIT 20",
    );
    assert.equal(keysOf(cs[0]), 'location, kind, pay_max DESC');
    assert.deepEqual(cs[0].kinds, ['composite']);
  });

  it('moves rare status values and boolean flags that leave out most rows into a partial WHERE', () => {
    const { candidates: cs } = candidates("SELECT id FROM jobs WHERE status = 'pending' AND NOT is_active ORDER BY created_at LIMIT 10");
    assert.deepEqual(cs[0].where.sort(), ['NOT is_active', "status = 'pending'"]);
    assert.equal(keysOf(cs[0]), 'created_at');
    const common = candidates("SELECT id FROM jobs WHERE status = 'draft' ORDER BY created_at LIMIT 10").candidates;
    assert.equal(keysOf(common[0]), 'status, created_at', '8% of rows stays a key column');
  });

  it('gives a flag true on most rows neither a WHERE nor a key: the plain index (partialMinExcluded)', () => {
    const { candidates: cs } = candidates('SELECT id FROM jobs WHERE is_active ORDER BY created_at LIMIT 10');
    assert.ok(cs.length > 0 && cs.every((c) => c.where.length === 0 && !keysOf(c).includes('is_active')), JSON.stringify(cs));
    assert.equal(keysOf(cs[0]), 'created_at');
    const strict = candidates("SELECT id FROM jobs WHERE NOT is_active AND kind = 'contract'", jobs.rows, { partialMinExcluded: 0.9 });
    assert.ok(
      strict.candidates.every((c) => c.where.length === 0),
      'NOT is_active keeps 20%: under a 90% setting it is no WHERE',
    );
  });

  it('never makes a partial index per value of a high-cardinality column', () => {
    const { candidates: cs } = candidates("SELECT id FROM jobs WHERE location = 'Kano' AND created_at > now() - interval '1 day'");
    assert.ok(cs.every((c) => c.where.length === 0));
  });

  it('adds INCLUDE only for a few narrow columns', () => {
    const narrow = candidates('SELECT created_at, pay_max FROM jobs WHERE location = $1').candidates;
    assert.ok(narrow.some((c) => c.include.join() === 'created_at,pay_max' && c.kinds.includes('covering')));
    const wide = candidates('SELECT description FROM jobs WHERE location = $1').candidates;
    assert.ok(
      wide.every((c) => c.include.length === 0),
      'a 400-byte column is not carried',
    );
  });

  it('offers BRIN only on correlated columns of large tables', () => {
    const sql = "SELECT count(*) FROM jobs WHERE created_at >= '2024-01-01' AND created_at < '2024-01-08'";
    assert.ok(candidates(sql, 2_000_000).candidates.some((c) => c.method === 'brin'));
    assert.ok(!candidates(sql, 200_000).candidates.some((c) => c.method === 'brin'));
    assert.ok(!candidates('SELECT id FROM jobs WHERE pay_max > 100', 2_000_000).candidates.some((c) => c.method === 'brin'));
  });

  it('skips tiny tables with a note', () => {
    const r = candidates("SELECT id FROM jobs WHERE location = 'Kano'", 50);
    assert.deepEqual(r.candidates, []);
    assert.match(r.notes[0], /too small/);
  });

  it('reads literals the way pg_stats prints them', () => {
    assert.equal(literalText("'it''s'"), "it's");
    assert.equal(literalText('false'), 'f');
    assert.equal(literalText("'2024-01-01'::date"), '2024-01-01');
    assert.equal(literalText('42'), '42');
  });
});
