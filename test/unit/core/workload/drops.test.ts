import assert from 'node:assert/strict';
import { Candidate } from '../../../../src/core/advisor/candidate';
import { ExistingIndex, IndexKey } from '../../../../src/core/catalog/indexes';
import { replacedIndexes } from '../../../../src/core/workload/drops';

const key = (column: string, extra: Partial<IndexKey> = {}): IndexKey => ({
  column,
  text: column,
  opclass: 'int4_ops',
  defaultOpclass: true,
  desc: false,
  nullsFirst: false,
  ...extra,
});
const existing = (name: string, keys: IndexKey[], extra: Partial<ExistingIndex> = {}): ExistingIndex => ({
  schema: 'public',
  table: 't',
  name,
  method: 'btree',
  keys,
  include: [],
  unique: false,
  valid: true,
  definition: `CREATE INDEX ${name} ON public.t USING btree (${keys.map((k) => k.column).join(', ')})`,
  ...extra,
});
const chosen = (keys: Candidate['keys'], extra: Partial<Candidate> = {}) => ({
  name: 'idx_new',
  candidate: {
    schema: 'public',
    table: 't',
    method: 'btree',
    keys,
    include: [],
    where: [],
    kinds: ['composite'],
    reason: '',
    requires: [],
    needsTrialBuild: false,
    ...extra,
  } as Candidate,
});

describe('core/workload/drops: indexes a chosen one replaces', () => {
  const ab = chosen([{ column: 'a' }, { column: 'b' }], { include: ['c'] });

  it('replaces a plain btree whose keys begin the chosen one and whose INCLUDE it stores', () => {
    const got = replacedIndexes(
      [existing('t_a', [key('a')]), existing('t_a_b', [key('a'), key('b')], { include: ['c'] }), existing('t_b', [key('b')])],
      [ab],
    );
    assert.deepEqual(
      got.map((r) => [r.index.name, r.by]),
      [
        ['t_a', 'idx_new'],
        ['t_a_b', 'idx_new'],
      ],
    );
  });

  it('keeps unique, partial, invalid, non-btree and other-table indexes, and those the chosen one does not cover', () => {
    const kept = [
      existing('unique_a', [key('a')], { unique: true }),
      existing('partial_a', [key('a')], { predicate: 'b > 0' }),
      existing('invalid_a', [key('a')], { valid: false }),
      existing('hash_a', [key('a')], { method: 'hash' }),
      existing('other_a', [key('a')], { table: 'u' }),
      existing('desc_a', [key('a', { desc: true, nullsFirst: true })]),
      existing('opclass_a', [key('a', { opclass: 'text_pattern_ops', defaultOpclass: false })]),
      existing('a_incl_d', [key('a')], { include: ['d'] }),
      existing('a_b_c', [key('a'), key('b'), key('c')]),
    ];
    assert.deepEqual(replacedIndexes(kept, [ab]), []);
    assert.deepEqual(replacedIndexes([existing('t_a', [key('a')])], [chosen([{ column: 'a' }], { where: ['b > 0'] })]), []);
    assert.deepEqual(replacedIndexes([existing('t_a', [key('a')])], [chosen([{ column: 'a' }], { method: 'gin' })]), []);
  });

  it('matches direction and NULLS order key by key', () => {
    const desc = chosen([{ column: 'a', desc: true }, { column: 'b' }]);
    assert.equal(replacedIndexes([existing('desc_a', [key('a', { desc: true, nullsFirst: true })])], [desc]).length, 1);
    assert.equal(replacedIndexes([existing('asc_a', [key('a')])], [desc]).length, 0);
  });
});
