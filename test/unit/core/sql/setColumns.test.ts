import assert from 'node:assert/strict';
import { setColumns } from '../../../../src/core/sql/setColumns';

describe('sql/setColumns: the columns an UPDATE sets', () => {
  it('names them as the catalog does; none for other statements; undefined when the parser cannot read it', () => {
    assert.deepEqual(setColumns('UPDATE public.t AS x SET a = 1, "Mixed" = 2 WHERE c = 3'), ['a', 'Mixed']);
    assert.deepEqual(setColumns('DELETE FROM t WHERE a = 1'), []);
    assert.deepEqual(setColumns('SELECT 1'), []);
    assert.equal(setColumns('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a'), undefined);
  });
});
