import assert from 'node:assert/strict';
import { indexWriteCost, indexWrites, setWriteCosts, TableWrites, updatedColumns } from '../../../../src/core/workload/writeCost';

const writes = (w: Partial<TableWrites> = {}): TableWrites => ({
  inserts: 1000,
  updates: 0,
  hotShare: 1,
  deletes: 0,
  updatedColumns: new Set(),
  indexCount: 2,
  ...w,
});
const index = (method: 'btree' | 'gin' | 'brin', columns: string[], include: string[] = [], where: string[] = []) => ({
  method,
  keys: columns.map((column) => ({ column })),
  include,
  where,
});

describe('core/workload/writeCost', () => {
  it('charges GIN and wide entries more than a narrow btree, BRIN almost nothing', () => {
    const narrow = indexWriteCost(index('btree', ['a']), 16, writes());
    assert.ok(indexWriteCost(index('btree', ['a'], ['b', 'c']), 96, writes()) > narrow * 1.5);
    assert.ok(indexWriteCost(index('gin', ['tags']), 16, writes()) > narrow * 4);
    assert.ok(indexWriteCost(index('brin', ['at']), 16, writes()) < narrow / 10);
    assert.ok(indexWriteCost(index('btree', ['a'], [], ["status = 'open'"]), 16, writes()) < narrow);
  });

  it('counts the HOT updates an index on an updated column turns into updates of every index', () => {
    const w = writes({ inserts: 0, updates: 1000, hotShare: 0.9, updatedColumns: new Set(['last_login_at']) });
    const elsewhere = indexWriteCost(index('btree', ['email']), 16, w);
    const onUpdated = indexWriteCost(index('btree', ['last_login_at']), 16, w);
    assert.ok(onUpdated > elsewhere * 10, `${onUpdated} vs ${elsewhere}`);
    assert.equal(indexWriteCost(index('btree', ['email']), 16, writes({ inserts: 0 })), 0);
  });

  it('charges the lost HOT updates to every index of the table once one member of the set breaks them', () => {
    const w = writes({ inserts: 0, updates: 1000, hotShare: 1, updatedColumns: new Set(['last_login_at']), indexCount: 1 });
    const wide = { table: 'users', ...indexWrites(index('btree', ['role'], ['full_name', 'location']), 96, w) };
    const breaker = { table: 'users', ...indexWrites(index('btree', ['last_login_at']), 16, w) };
    const otherBreaker = { table: 'users', ...indexWrites(index('btree', ['last_login_at', 'id']), 24, w) };
    const elsewhere = { table: 'jobs', ...indexWrites(index('btree', ['last_login_at']), 16, writes({ inserts: 10 })) };
    // Alone, the wide index costs nothing: every update is HOT.
    assert.deepEqual(setWriteCosts([wide, elsewhere]), [0, elsewhere.writeCost]);
    const [wideInSet, breakerInSet, elsewhereInSet] = setWriteCosts([wide, breaker, elsewhere]);
    assert.equal(wideInSet, wide.hot!.entries);
    assert.ok(wideInSet > breaker.hot!.entries, 'a wider entry costs more');
    assert.equal(breakerInSet, breaker.hot!.entries + breaker.hot!.table);
    assert.equal(elsewhereInSet, elsewhere.writeCost, 'another table keeps its HOT updates');
    // Two breakers lose the table's HOT updates once, not twice.
    const both = setWriteCosts([breaker, otherBreaker]);
    assert.equal(both[0] + both[1], breaker.hot!.entries + otherBreaker.hot!.entries + breaker.hot!.table);
    // The cost alone is the set of one.
    assert.equal(indexWriteCost(index('btree', ['last_login_at']), 16, w), breakerInSet);
  });

  it('reads the columns an UPDATE sets', () => {
    assert.deepEqual(updatedColumns('UPDATE users SET last_login_at = now(), n = n + 1 WHERE id = $1'), {
      table: 'users',
      columns: ['last_login_at', 'n'],
    });
    assert.equal(updatedColumns('SELECT 1'), undefined);
    assert.equal(updatedColumns('UPDATE ('), undefined);
  });
});
