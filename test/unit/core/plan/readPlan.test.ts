import assert from 'node:assert/strict';
import { parsePlan } from '../../../../src/core/plan/parse';
import { readPlan } from '../../../../src/core/plan/readPlan';
import { AUTO_EXPLAIN_LOG, PSQL_TEXT } from '../../../support/planSamples';

describe('core/plan/readPlan: a plan from psql, a log or a file', () => {
  it('reads psql text output into the same tree and hotspots as the JSON', () => {
    const plan = parsePlan(readPlan(PSQL_TEXT));
    assert.equal(plan.analyzed, true);
    assert.equal(plan.executionMs, 13.43);
    const scan = plan.root.children[0].children[0];
    assert.equal(scan.nodeType, 'Seq Scan');
    assert.equal(scan.relation, 'alerts');
    assert.equal(scan.rowsRemovedByFilter, 59946);
    assert.equal(scan.buffers?.sharedHit, 589);
    assert.equal(plan.root.children[0].sortMethod, 'quicksort');
    assert.equal(plan.hotspots[0].kind, 'seq-scan');
    assert.ok(scan.onSlowestPath);
  });

  it('reads an auto_explain JSON log line, ignoring the log prefix and what follows', () => {
    const raw = readPlan(AUTO_EXPLAIN_LOG) as { 'Query Text': string };
    assert.equal(raw['Query Text'], 'SELECT id FROM alerts WHERE resolved_at IS NULL');
    const plan = parsePlan(raw);
    assert.equal(plan.root.relation, 'alerts');
    assert.equal(plan.root.rowsRemovedByFilter, 59388);
  });

  it("reads JSON as psql prints it, with '+' at each line's end", () => {
    const json = JSON.stringify(
      [{ Plan: { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 0.01, 'Plan Rows': 1, 'Plan Width': 4 } }],
      null,
      2,
    );
    const framed = ` QUERY PLAN\n------------\n${json
      .split('\n')
      .map((l) => ` ${l} +`)
      .join('\n')}\n(1 row)\n`;
    assert.equal(parsePlan(readPlan(framed)).root.nodeType, 'Result');
  });

  it('says what it expected when there is no plan', () => {
    assert.throws(() => readPlan('SELECT 1'), /No PostgreSQL plan found/);
    assert.throws(() => readPlan('{"Plan": {'), /cut short/);
  });
});
