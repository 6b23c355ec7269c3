import assert from 'node:assert/strict';
import { Candidate, createIndexDdl, dropIndexDdl, indexName, trialBuildSql } from '../../../../src/core/advisor/candidate';
import { servedByExisting } from '../../../../src/core/advisor/served';
import { ExistingIndex } from '../../../../src/core/catalog/indexes';

const base: Candidate = {
  schema: 'public',
  table: 'alerts',
  method: 'btree',
  keys: [{ column: 'created_at', desc: true }],
  include: [],
  where: ['resolved_at IS NULL', "severity = 'critical'"],
  kinds: ['btree', 'partial'],
  reason: '',
  requires: [],
  needsTrialBuild: false,
};

describe('candidate DDL and naming', () => {
  it('names indexes readably and deterministically', () => {
    assert.equal(indexName(base), 'idx_alerts_created_at_desc_resolved_at_null_severity_critical');
    assert.equal(indexName({ ...base, method: 'gin', keys: [{ column: 'skills' }], where: [] }), 'idx_alerts_skills_gin');
    assert.equal(indexName({ ...base, where: ['NOT is_active'] }), 'idx_alerts_created_at_desc_not_is_active');
  });

  it('keeps names within 63 bytes with a stable hash suffix', () => {
    const long: Candidate = {
      ...base,
      table: 'a_very_long_table_name_for_vaccine_stock_snapshots',
      keys: [{ column: 'facility_identifier' }, { column: 'snapshot_date' }],
    };
    const name = indexName(long);
    assert.ok(Buffer.byteLength(name) <= 63, name);
    assert.match(name, /_[0-9a-f]{8}$/);
    assert.equal(indexName(long), name);
    assert.notEqual(indexName({ ...long, keys: [{ column: 'facility_identifier' }, { column: 'other_date' }] }), name);
  });

  it('quotes identifiers that need it in every statement', () => {
    const odd: Candidate = {
      ...base,
      schema: 'Sales',
      table: 'Order',
      keys: [{ column: 'createdAt' }, { column: 'user' }],
      where: [],
      include: ['Total'],
    };
    assert.equal(
      createIndexDdl(odd, 'idx_order'),
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_order ON "Sales"."Order" ("createdAt", "user") INCLUDE ("Total");',
    );
    assert.equal(dropIndexDdl(odd, 'idx_order'), 'DROP INDEX CONCURRENTLY IF EXISTS "Sales".idx_order;');
  });

  it('writes methods, opclasses, expressions, order and predicates', () => {
    assert.equal(
      createIndexDdl(base, 'i'),
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.alerts (created_at DESC) WHERE resolved_at IS NULL AND severity = 'critical';",
    );
    const trgm: Candidate = { ...base, method: 'gin', keys: [{ column: 'name', opclass: 'gin_trgm_ops' }], where: [] };
    assert.equal(trialBuildSql(trgm, 'i'), 'CREATE INDEX i ON public.alerts USING gin (name gin_trgm_ops)');
    const expr: Candidate = { ...base, keys: [{ expression: 'lower(email)' }, { column: 'id', nulls: 'FIRST' }], where: [] };
    assert.equal(trialBuildSql(expr, 'i'), 'CREATE INDEX i ON public.alerts ((lower(email)), id NULLS FIRST)');
  });
});

describe('existing indexes that already serve a candidate', () => {
  const existing = (over: Partial<ExistingIndex>): ExistingIndex => ({
    schema: 'public',
    table: 'alerts',
    name: 'ix',
    method: 'btree',
    include: [],
    unique: false,
    valid: true,
    definition: '',
    keys: [{ column: 'created_at', text: 'created_at', opclass: 'timestamptz_ops', defaultOpclass: true, desc: true, nullsFirst: true }],
    predicate: "(resolved_at IS NULL) AND (severity = 'critical'::text)",
    ...over,
  });

  it('matches prefix, direction (or its reverse) and the partial predicate', () => {
    assert.ok(servedByExisting(base, [existing({})]));
    const reversed = existing({
      keys: [
        { column: 'created_at', text: 'created_at', opclass: 'timestamptz_ops', defaultOpclass: true, desc: false, nullsFirst: false },
      ],
    });
    assert.ok(servedByExisting(base, [reversed]), 'a btree scans backwards');
    const longer = existing({
      keys: [...existing({}).keys, { column: 'id', text: 'id', opclass: 'int8_ops', defaultOpclass: true, desc: false, nullsFirst: false }],
    });
    assert.ok(servedByExisting(base, [longer]), 'the candidate is a prefix');
  });

  it('does not match another predicate, an invalid index, another method or a missing INCLUDE column', () => {
    assert.equal(servedByExisting(base, [existing({ predicate: 'resolved_at IS NULL' })]), undefined);
    assert.equal(servedByExisting(base, [existing({ valid: false })]), undefined);
    assert.equal(servedByExisting(base, [existing({ method: 'brin' })]), undefined);
    assert.equal(servedByExisting({ ...base, include: ['facility_id'] }, [existing({})]), undefined);
    assert.ok(servedByExisting({ ...base, include: ['facility_id'] }, [existing({ include: ['facility_id'] })]));
  });
});
