import assert from 'node:assert/strict';
import { Candidate } from '../../../../src/core/advisor/candidate';
import { repeatsExistingKeys } from '../../../../src/core/advisor/earnsPlace';
import { Probed } from '../../../../src/core/advisor/whatIf';
import { ExistingIndex } from '../../../../src/core/catalog/indexes';
import { Plan, PlanNode } from '../../../../src/core/plan/types';

const pkey: ExistingIndex = {
  schema: 'public',
  table: 'users',
  name: 'users_pkey',
  method: 'btree',
  keys: [{ column: 'id', text: 'id', opclass: 'int8_ops', defaultOpclass: true, desc: false, nullsFirst: false }],
  include: [],
  unique: true,
  valid: true,
  definition: 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)',
};
const covering: Candidate = {
  schema: 'public',
  table: 'users',
  method: 'btree',
  keys: [{ column: 'id' }],
  include: ['email'],
  where: [],
  kinds: ['btree', 'covering'],
  reason: 'the join key id',
  requires: [],
  needsTrialBuild: false,
};

function plan(scan: Partial<PlanNode>, analyzed = true): Plan {
  const node = { id: 1, conditions: [], startupCost: 0, totalCost: 10, planRows: 10, planWidth: 8, children: [], ...scan } as PlanNode;
  const root = {
    id: 0,
    nodeType: 'Nested Loop',
    conditions: [],
    startupCost: 0,
    totalCost: 10,
    planRows: 10,
    planWidth: 8,
    children: [node],
  };
  return { root, totalCost: 10, planningMs: null, executionMs: analyzed ? 1 : null, analyzed, hotspots: [], raw: null };
}
const probed = (scan: Partial<PlanNode>): Probed => ({
  plan: plan(scan),
  used: true,
  planName: '<1>btree_users_id',
  sizeBytes: 1,
  verifiedBy: 'hypopg',
});

describe('advisor/earnsPlace: an index that repeats an existing one’s keys', () => {
  const heapFetchingPk = plan({ nodeType: 'Index Scan', index: 'users_pkey', relation: 'users' });
  const indexOnly = probed({ nodeType: 'Index Only Scan', index: '<1>btree_users_id', relation: 'users' });

  it('stays only when its INCLUDE turns a measured heap-fetching scan of that index into an index-only scan', () => {
    assert.equal(repeatsExistingKeys(covering, indexOnly, [pkey], heapFetchingPk, 'idx_users_id'), undefined);
  });

  it('is left out, naming the index it repeats, otherwise', () => {
    const seqScanBefore = plan({ nodeType: 'Seq Scan', relation: 'users' });
    assert.match(
      repeatsExistingKeys(covering, indexOnly, [pkey], seqScanBefore, 'idx_users_id') ?? '',
      /^idx_users_id repeats the keys of users_pkey/,
    );
    const stillFetching = probed({ nodeType: 'Index Scan', index: '<1>btree_users_id', relation: 'users' });
    assert.ok(repeatsExistingKeys(covering, stillFetching, [pkey], heapFetchingPk, 'idx_users_id'));
    const estimatedOnly = plan({ nodeType: 'Index Scan', index: 'users_pkey', relation: 'users' }, false);
    assert.ok(repeatsExistingKeys(covering, indexOnly, [pkey], estimatedOnly, 'idx_users_id'), 'the heap fetches must be measured');
    assert.ok(repeatsExistingKeys({ ...covering, include: [] }, indexOnly, [pkey], heapFetchingPk, 'idx_users_id'));
  });

  it('does not concern an index with other keys or another predicate', () => {
    const other = { ...covering, keys: [{ column: 'email' }] };
    assert.equal(repeatsExistingKeys(other, indexOnly, [pkey], plan({ nodeType: 'Seq Scan' }), 'x'), undefined);
    const partial = { ...covering, where: ['NOT is_active'] };
    assert.equal(repeatsExistingKeys(partial, indexOnly, [pkey], plan({ nodeType: 'Seq Scan' }), 'x'), undefined);
  });
});
