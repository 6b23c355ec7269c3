import assert from 'node:assert/strict';
import { indexWriteCost, TableWrites, updatedColumns } from '../../../../src/core/workload/writeCost';

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

  it('reads the columns an UPDATE sets', () => {
    assert.deepEqual(updatedColumns('UPDATE users SET last_login_at = now(), n = n + 1 WHERE id = $1'), {
      table: 'users',
      columns: ['last_login_at', 'n'],
    });
    assert.equal(updatedColumns('SELECT 1'), undefined);
    assert.equal(updatedColumns('UPDATE ('), undefined);
  });
});
