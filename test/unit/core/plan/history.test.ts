import assert from 'node:assert/strict';
import {
  addToHistory,
  entryBytes,
  historyEntry,
  HistoryEntry,
  normaliseStatement,
  PlanHistory,
  planOf,
  readHistory,
  removeEntries,
  retain,
  statementLine,
  statementsOf,
} from '../../../../src/core/plan/history';
import { parsePlan } from '../../../../src/core/plan/parse';

const scan = (relation: string, ms?: number) => [
  {
    Plan: {
      'Node Type': 'Seq Scan',
      'Relation Name': relation,
      Alias: relation,
      'Startup Cost': 0,
      'Total Cost': 120.5,
      'Plan Rows': 10,
      'Plan Width': 8,
      ...(ms === undefined ? {} : { 'Actual Startup Time': 0.01, 'Actual Total Time': ms, 'Actual Rows': 10, 'Actual Loops': 1 }),
    },
    ...(ms === undefined ? {} : { 'Planning Time': 0.1, 'Execution Time': ms }),
  },
];

let clock = Date.parse('2026-11-30T10:00:00Z');
function entry(statement: string, options: { ms?: number; connection?: string; relation?: string } = {}): HistoryEntry {
  clock += 1000;
  return historyEntry({
    id: `e${clock}`,
    statement,
    connection: options.connection ?? 'local',
    plan: parsePlan(scan(options.relation ?? 'alerts', options.ms)),
    at: new Date(clock),
  });
}

const ample = { perStatement: 10, maxBytes: 1 << 20 };
const addAll = (entries: HistoryEntry[], retention = ample): PlanHistory =>
  entries.reduce<PlanHistory>((h, e) => addToHistory(h, e, retention).history, { entries: [] });

describe('core/plan/history: the plans kept per statement', () => {
  it('keys statements by their text without comments, spacing, case of words or trailing semicolons', () => {
    const key = normaliseStatement('SELECT id\n  FROM alerts -- open ones\n WHERE resolved_at IS NULL;');
    assert.equal(key, normaliseStatement('select id /* all */ from ALERTS where resolved_at is null'));
    assert.equal(key, 'select id from alerts where resolved_at is null');
    // Literals, quoted identifiers and parameters are part of what the statement means.
    assert.notEqual(normaliseStatement(`SELECT 1 FROM t WHERE a = 'X'`), normaliseStatement(`SELECT 1 FROM t WHERE a = 'x'`));
    assert.notEqual(normaliseStatement('SELECT "Id" FROM t'), normaliseStatement('SELECT "id" FROM t'));
    assert.notEqual(normaliseStatement('SELECT * FROM t WHERE id = $1'), normaliseStatement('SELECT * FROM t WHERE id = $2'));
    // A comment marker inside a string is text, not a comment.
    assert.equal(normaliseStatement(`SELECT '-- no' AS x`), `select '-- no' as x`);
  });

  it('lists a statement on one line as written, without its comments', () => {
    assert.equal(
      statementLine(`-- open alerts\nSELECT id,\n  '-- kept' AS x /* note */ FROM Alerts ;\n`),
      `SELECT id, '-- kept' AS x FROM Alerts`,
    );
  });

  it('stores the server JSON, the time, the connection name and the execution time, and reads the plan back', () => {
    const analysed = entry('SELECT * FROM alerts', { ms: 12.5, connection: 'shop (development)' });
    assert.equal(analysed.connection, 'shop (development)');
    assert.equal(analysed.durationMs, 12.5);
    assert.equal(analysed.analyzed, true);
    assert.deepEqual(analysed.raw, scan('alerts', 12.5));
    const plan = planOf(analysed);
    assert.equal(plan.root.relation, 'alerts');
    assert.equal(plan.executionMs, 12.5);
    assert.equal(plan.hotspots[0]?.kind, 'seq-scan');

    const estimate = entry('SELECT * FROM alerts');
    assert.equal(estimate.durationMs, null, 'a plan that was not run has no duration');
    assert.equal(estimate.totalCost, 120.5);
  });

  it('keeps the newest N plans of each statement, each statement on its own', () => {
    const a = () => entry('SELECT * FROM alerts');
    const b = () => entry('select *   from alerts where id = 1');
    const explained = [a(), b(), a(), a(), b(), a()];
    const history = addAll(explained, { perStatement: 3, maxBytes: 1 << 20 });
    const [, b0, a1, a2, b1, a3] = explained;
    assert.deepEqual(
      history.entries.map((e) => e.id),
      [b0, a1, a2, b1, a3].map((e) => e.id),
      'the oldest plan of the first statement went; the second statement keeps both',
    );
    const lowered = retain(history, { perStatement: 1, maxBytes: 1 << 20 });
    assert.deepEqual(
      lowered.history.entries.map((e) => e.id),
      [b1.id, a3.id],
    );
    assert.equal(lowered.dropped.length, 3);
    assert.deepEqual(retain(history, { perStatement: 0, maxBytes: 1 << 20 }).history.entries, [], 'a size of 0 keeps nothing');
  });

  it('drops the oldest plans of any statement once the total size is over the cap, and never keeps a plan larger than the cap', () => {
    const entries = ['a', 'b', 'c', 'd'].map((t) => entry(`SELECT * FROM ${t}`, { relation: t }));
    const size = entryBytes(entries[0]);
    // Room for two and a half entries: the two newest stay.
    const capped = addAll(entries, { perStatement: 10, maxBytes: Math.floor(size * 2.5) });
    assert.deepEqual(
      capped.entries.map((e) => e.statement),
      ['SELECT * FROM c', 'SELECT * FROM d'],
    );
    const total = capped.entries.reduce((s, e) => s + entryBytes(e), 0);
    assert.ok(total <= size * 2.5, `${total} bytes kept`);

    const huge = entry('SELECT * FROM huge', { relation: 'x'.repeat(size * 3) });
    const { history, dropped } = addToHistory(capped, huge, { perStatement: 10, maxBytes: Math.floor(size * 2.5) });
    assert.deepEqual(dropped, [huge], 'the plan too large for the whole history is the one not kept');
    assert.deepEqual(history.entries, capped.entries, 'and the others stay');
  });

  it('groups plans per statement, newest statement and newest plan first, and removes by plan or by statement', () => {
    const first = entry('SELECT * FROM alerts');
    const other = entry('SELECT * FROM users', { relation: 'users' });
    const again = entry('select * from alerts;', { connection: 'staging' });
    const history = addAll([first, other, again]);
    const groups = statementsOf(history);
    assert.deepEqual(
      groups.map((g) => [g.statement, g.entries.map((e) => e.connection)]),
      [
        ['select * from alerts;', ['staging', 'local']],
        ['SELECT * FROM users', ['local']],
      ],
    );
    assert.deepEqual(
      removeEntries(history, (e) => e.id === first.id).entries.map((e) => e.id),
      [other.id, again.id],
    );
    assert.deepEqual(
      removeEntries(history, (e) => e.key === groups[0].key).entries.map((e) => e.id),
      [other.id],
    );
  });

  it('reads back a stored history, skipping entries that are not well formed', () => {
    const good = entry('SELECT * FROM alerts', { ms: 3 });
    const stored = JSON.parse(JSON.stringify({ entries: [good] }));
    assert.deepEqual(readHistory(stored).entries, [good]);
    for (const bad of [
      { ...good, raw: null },
      { ...good, at: 'yesterday' },
      { ...good, connection: 7 },
      { ...good, durationMs: '3' },
      { ...good, notes: [1] },
      'text',
      null,
    ]) {
      assert.deepEqual(readHistory({ entries: [bad, good] }).entries, [good], JSON.stringify(bad));
    }
    assert.deepEqual(readHistory(null).entries, []);
    assert.deepEqual(readHistory({ entries: 'x' }).entries, []);
  });
});
