import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractShape } from '../../../../src/core/sql/parse';
import type { Predicate, QueryShape, TableUsage } from '../../../../src/core/sql/shape';

/** The benchmark workload (bench/workload, a copy of shared/bench); every query in it must yield a shape the advisor can use. */
const BENCH = path.resolve(__dirname, '../../../../../bench/workload/queries.json');
const queries: { id: string; sql: string }[] = JSON.parse(fs.readFileSync(BENCH, 'utf8')).queries;

function shapeOf(id: string): QueryShape {
  const query = queries.find((q) => q.id === id);
  assert.ok(query, `bench query ${id} exists`);
  return extractShape(query.sql);
}

function table(shape: QueryShape, name: string): TableUsage {
  const usage = shape.tables.find((t) => t.table === name);
  assert.ok(usage, `table ${name} in shape`);
  return usage;
}

/** [column or expression, op, valueSql or param] per predicate, for compact assertions. */
function preds(usage: TableUsage): [string | undefined, string, string | number | undefined][] {
  return usage.predicates.map((p: Predicate) => [p.target.column ?? p.target.expression, p.op, p.valueSql ?? p.param]);
}

function order(usage: TableUsage): string[] {
  return usage.orderBy.map((k) => `${k.target.column ?? k.target.expression} ${k.direction}${k.nulls ? ` NULLS ${k.nulls}` : ''}`);
}

/** Queries pgsql-ast-parser cannot read ([NOT] MATERIALIZED): the advisor takes their shape from the plan (advisor/planShape.ts). */
const PLAN_ONLY = new Set(['cte_materialized_fence', 'cte_not_materialized']);

describe('sql/parse on the bench workload', () => {
  it('parses every bench query into a shape with at least one table', () => {
    assert.ok(queries.length >= 17);
    for (const q of queries) {
      if (PLAN_ONLY.has(q.id)) {
        assert.throws(() => extractShape(q.sql), /Syntax error/, `${q.id} is parsed now: take it off PLAN_ONLY`);
        continue;
      }
      const shape = extractShape(q.sql);
      assert.ok(shape.tables.length > 0, q.id);
      for (const t of shape.tables) assert.ok(t.columnsRead.length > 0 || t.readsAllColumns, `${q.id}: ${t.table} reads columns`);
    }
  });

  it('UPDATEs that set the column they filter on: the set columns are known, for the write-cost rule', () => {
    for (const [id, table, column] of [
      ['update_sets_filtered_column', 'alerts', 'severity'],
      ['update_most_rows_filtered_column', 'projects', 'status'],
    ]) {
      const shape = shapeOf(id);
      assert.equal(shape.kind, 'update', id);
      assert.deepEqual(shape.setColumns, [column], id);
      assert.deepEqual(
        shape.tables.map((t) => [t.table, t.predicates.map((p) => p.target.column)]),
        [[table, [column]]],
        id,
      );
    }
  });

  it('stock_facility_quarter: equality then range, two-key ORDER BY', () => {
    const t = table(shapeOf('stock_facility_quarter'), 'stock_snapshots');
    assert.deepEqual(preds(t), [
      ['facility_id', '=', '1234'],
      ['snapshot_date', '>=', "'2024-01-01'::date"],
      ['snapshot_date', '<', "'2024-04-01'::date"],
    ]);
    assert.ok(t.predicates.every((p) => p.constant));
    assert.deepEqual(order(t), ['snapshot_date ASC', 'vaccine_id ASC']);
    assert.deepEqual(t.columnsRead, ['facility_id', 'quantity_on_hand', 'snapshot_date', 'stock_status', 'vaccine_id']);
  });

  it('newest_directors: role = constant, ORDER BY created_at DESC LIMIT 25', () => {
    const shape = shapeOf('newest_directors');
    const t = table(shape, 'users');
    assert.deepEqual(preds(t), [['role', '=', "'director'"]]);
    assert.deepEqual(order(t), ['created_at DESC']);
    assert.equal(shape.limit, 25);
  });

  it('dormant_inactive_users: is_active = false usable as a partial-index predicate', () => {
    const shape = shapeOf('dormant_inactive_users');
    const t = table(shape, 'users');
    assert.deepEqual(preds(t), [['is_active', '=', 'false']]);
    assert.equal(t.predicates[0].sql, 'is_active = false');
    assert.deepEqual(order(t), ['last_login_at ASC']);
    assert.equal(shape.limit, 50);
  });

  it('open_critical_alerts: resolved_at IS NULL, severity = critical, created_at DESC, LIMIT 50', () => {
    const shape = shapeOf('open_critical_alerts');
    const t = table(shape, 'alerts');
    assert.deepEqual(preds(t), [
      ['resolved_at', 'IS NULL', undefined],
      ['severity', '=', "'critical'"],
    ]);
    assert.deepEqual(
      t.predicates.map((p) => p.sql),
      ['resolved_at IS NULL', "severity = 'critical'"],
    );
    assert.ok(t.predicates.every((p) => p.constant));
    assert.deepEqual(order(t), ['created_at DESC']);
    assert.equal(shape.limit, 50);
  });

  it('pending_applications_queue: status = pending, ORDER BY created_at LIMIT 100', () => {
    const shape = shapeOf('pending_applications_queue');
    const t = table(shape, 'job_applications');
    assert.deepEqual(preds(t), [['status', '=', "'pending'"]]);
    assert.deepEqual(order(t), ['created_at ASC']);
    assert.equal(shape.limit, 100);
  });

  it('vaccine_stock_trend: GROUP BY and ORDER BY snapshot_date, reads three columns', () => {
    const t = table(shapeOf('vaccine_stock_trend'), 'stock_snapshots');
    assert.deepEqual(preds(t), [
      ['vaccine_id', '=', '3'],
      ['snapshot_date', '>=', "'2024-07-01'::date"],
    ]);
    assert.deepEqual(
      t.groupBy.map((g) => g.column),
      ['snapshot_date'],
    );
    assert.deepEqual(order(t), ['snapshot_date ASC']);
    assert.deepEqual(t.columnsRead, ['quantity_on_hand', 'snapshot_date', 'vaccine_id']);
  });

  it('users_with_two_skills: ARRAY_CONTAINS on skills and bare is_active as = true', () => {
    const t = table(shapeOf('users_with_two_skills'), 'users');
    assert.deepEqual(preds(t), [
      ['skills', 'ARRAY_CONTAINS', "ARRAY['steadicam', 'drone-operator']"],
      ['is_active', '=', 'true'],
    ]);
    assert.equal(t.predicates[1].sql, 'is_active');
  });

  it('audit_api_payout_changes: JSONB_CONTAINS on details', () => {
    const t = table(shapeOf('audit_api_payout_changes'), 'audit_logs');
    assert.deepEqual(
      preds(t).map((p) => p.slice(0, 2)),
      [['details', 'JSONB_CONTAINS']],
    );
    assert.equal(t.predicates[0].valueSql, `'{"client": "api", "fields": ["payout_account"]}'`);
  });

  it('projects_fulltext: FULLTEXT on the to_tsvector expression, spaced as PostgreSQL accepts it', () => {
    const t = table(shapeOf('projects_fulltext'), 'projects');
    assert.equal(t.predicates.length, 1);
    const p = t.predicates[0];
    assert.equal(p.op, 'FULLTEXT');
    assert.equal(p.target.column, undefined);
    assert.equal(p.target.expression, "to_tsvector('english', title || ' ' || description)");
    assert.deepEqual(p.target.columns, ['description', 'title']);
    assert.equal(p.sql, "to_tsvector('english', title || ' ' || description) @@ to_tsquery('english', 'documentary & afrobeat')");
  });

  it('contractor_name_search: ILIKE infix is a case-insensitive LIKE_INFIX', () => {
    const t = table(shapeOf('contractor_name_search'), 'contractors');
    assert.deepEqual(preds(t), [['business_name', 'LIKE_INFIX', "'%sunset reel%'"]]);
    assert.equal(t.predicates[0].caseInsensitive, true);
  });

  it('audit_week_by_action: range on created_at, GROUP BY action, ORDER BY an aggregate attaches nowhere', () => {
    const t = table(shapeOf('audit_week_by_action'), 'audit_logs');
    assert.deepEqual(preds(t), [
      ['created_at', '>=', "'2024-06-10'"],
      ['created_at', '<', "'2024-06-17'"],
    ]);
    assert.deepEqual(
      t.groupBy.map((g) => g.column),
      ['action'],
    );
    assert.deepEqual(t.orderBy, []);
    assert.deepEqual(t.columnsRead, ['action', 'actor_id', 'created_at']);
  });

  it('poster_applications_join: join keys on both sides, posted_by_id = 50025, ORDER BY on the applications side', () => {
    const shape = shapeOf('poster_applications_join');
    const jobs = table(shape, 'jobs');
    const apps = table(shape, 'job_applications');
    assert.equal(jobs.alias, 'j');
    assert.equal(apps.alias, 'a');
    assert.deepEqual(preds(jobs), [['posted_by_id', '=', '50025']]);
    assert.deepEqual(jobs.joinKeys, [{ column: 'id', otherTable: 'job_applications', otherColumn: 'job_id' }]);
    assert.deepEqual(apps.joinKeys, [{ column: 'job_id', otherTable: 'jobs', otherColumn: 'id' }]);
    assert.deepEqual(order(apps), ['created_at DESC']);
    assert.deepEqual(jobs.orderBy, []);
    assert.deepEqual(apps.columnsRead, ['applicant_id', 'created_at', 'id', 'job_id', 'status']);
  });

  it('resolve_facility_alerts (UPDATE): facility_id = 321 and resolved_at IS NULL, marked as writing', () => {
    const shape = shapeOf('resolve_facility_alerts');
    assert.equal(shape.kind, 'update');
    assert.equal(shape.writes, true);
    assert.deepEqual(preds(table(shape, 'alerts')), [
      ['facility_id', '=', '321'],
      ['resolved_at', 'IS NULL', undefined],
    ]);
  });

  it('vaccine_by_code: a single equality', () => {
    assert.deepEqual(preds(table(shapeOf('vaccine_by_code'), 'vaccines')), [['code', '=', "'MCV1'"]]);
  });

  it('inbox_latest_param: receiver_id = $1 as parameter 1, not constant', () => {
    const shape = shapeOf('inbox_latest_param');
    const t = table(shape, 'messages');
    assert.deepEqual(preds(t), [['receiver_id', '=', 1]]);
    assert.equal(t.predicates[0].constant, false);
    assert.equal(shape.paramCount, 1);
    assert.deepEqual(order(t), ['sent_at DESC']);
    assert.equal(shape.limit, 30);
  });

  it('best_paid_active_jobs: is_active = true, location, type, ORDER BY pay_max DESC LIMIT 20', () => {
    const shape = shapeOf('best_paid_active_jobs');
    const t = table(shape, 'jobs');
    assert.deepEqual(preds(t), [
      ['is_active', '=', 'true'],
      ['location', '=', "'Abuja'"],
      ['type', '=', "'contract'"],
    ]);
    assert.deepEqual(order(t), ['pay_max DESC']);
    assert.equal(shape.limit, 20);
  });

  it('job_with_poster_by_pk: the primary-key predicate and the FK join', () => {
    const shape = shapeOf('job_with_poster_by_pk');
    assert.deepEqual(preds(table(shape, 'jobs')), [['id', '=', '123456']]);
    assert.deepEqual(table(shape, 'users').joinKeys, [{ column: 'id', otherTable: 'jobs', otherColumn: 'posted_by_id' }]);
    assert.deepEqual(table(shape, 'users').columnsRead, ['email', 'full_name', 'id']);
  });
});
