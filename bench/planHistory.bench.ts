/**
 * Plan history (issue 14, item 5): how large real plans are once stored, how many fit in
 * HISTORY_MAX_BYTES, and what one Explain costs the extension host when the history is full —
 * adding the plan with its retention (addToHistory) and serialising the file, both synchronous.
 * Plans are EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of statements on the bench slice, on a
 * throwaway cluster. Writes bench/results-planHistory.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { addToHistory, entryBytes, HISTORY_MAX_BYTES, historyEntry, HistoryEntry, PlanHistory } from '../src/core/plan/history';
import { parsePlan, walkPlan } from '../src/core/plan/parse';
import { Plan } from '../src/core/plan/types';
import { BENCH_SLICE_SQL, OPEN_CRITICAL_ALERTS } from '../test/support/benchSlice';
import { startCluster } from '../test/support/cluster';
import { median } from './support';

const RESULTS = path.join(__dirname, '..', '..', 'bench', 'results-planHistory.json');
const ROUNDS = 9;
const PER_STATEMENT = 10;

const STATEMENTS: Record<string, string> = {
  open_critical_alerts: OPEN_CRITICAL_ALERTS,
  join_group_by: `SELECT u.role, a.severity, count(*) FROM alerts a JOIN users u ON u.id = a.facility_id
    WHERE a.created_at > '2024-01-20' GROUP BY 1, 2 ORDER BY 3 DESC`,
  union_with_subplans: `SELECT * FROM (
      SELECT id, 'u' AS k FROM users WHERE role = 'crew' AND id IN (SELECT facility_id FROM alerts WHERE severity = 'critical')
      UNION ALL
      SELECT id, 'a' FROM alerts WHERE vaccine_id = 3 AND EXISTS (SELECT 1 FROM users WHERE users.id = alerts.facility_id AND is_active)
    ) s ORDER BY id LIMIT 100`,
};

async function main(): Promise<void> {
  const cluster = await startCluster();
  const plans: { name: string; statement: string; plan: Plan }[] = [];
  try {
    const url = await cluster.createDatabase('plan_history_bench', { extensions: [] });
    await cluster.sql('plan_history_bench', BENCH_SLICE_SQL);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      for (const [name, statement] of Object.entries(STATEMENTS)) {
        const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement}`);
        plans.push({ name, statement, plan: parsePlan(r.rows[0]['QUERY PLAN']) });
      }
    } finally {
      await client.end();
    }
  } finally {
    await cluster.stop();
  }

  let clock = Date.parse('2026-01-01T00:00:00Z');
  let n = 0;
  /** A stored plan; with `key`, counted as a statement of its own (so only the byte cap bounds the history). */
  const entry = (p: (typeof plans)[number], key?: string): HistoryEntry => {
    const e = historyEntry({
      id: `bench-${n++}`,
      statement: p.statement,
      connection: 'bench (development)',
      plan: p.plan,
      at: new Date((clock += 1000)),
    });
    return key === undefined ? e : { ...e, key };
  };
  const sizes = plans.map((p) => {
    const bytes = entryBytes(entry(p));
    return { statement: p.name, nodes: [...walkPlan(p.plan.root)].length, bytes, fitInCap: Math.floor(HISTORY_MAX_BYTES / bytes) };
  });

  // Filled to the cap with plans of distinct statements.
  let history: PlanHistory = { entries: [] };
  const distinct = (p: (typeof plans)[number]) => entry(p, `statement ${n}`);
  const retention = { perStatement: PER_STATEMENT, maxBytes: HISTORY_MAX_BYTES };
  for (let i = 0; i < 2000; i++) history = addToHistory(history, distinct(plans[i % plans.length]), retention).history;
  const storedBytes = Buffer.byteLength(JSON.stringify(history), 'utf8');

  const runsMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const added = distinct(plans[r % plans.length]);
    const start = performance.now();
    const next = addToHistory(history, added, retention).history;
    JSON.stringify(next);
    runsMs.push(performance.now() - start);
    history = next;
  }

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    capBytes: HISTORY_MAX_BYTES,
    entrySizes: sizes,
    fullHistory: { entries: history.entries.length, bytes: storedBytes },
    addAndSerialise: {
      medianMs: Math.round(median(runsMs) * 10) / 10,
      runsMs: runsMs.map((ms) => Math.round(ms * 10) / 10),
      note: 'one Explain with a full history: addToHistory (per-statement and byte retention) plus JSON.stringify of the file, on the extension host thread',
    },
  };
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
