import { explainStatement } from '../../core/db/safeExplain';
import { formatPlanText } from '../../core/plan/text';
import { defineVerb } from '../runner';
import { readStatement, SQL_INPUT_OPTIONS, SQL_INPUT_USAGE } from './sqlInput';

/** `pgtuner explain`: the plan the safe way (always rolled back), as text or JSON. */
export const explainVerb = defineVerb({
  summary: 'EXPLAIN ANALYZE a statement safely (rolled back) and summarise the plan',
  usage: `pgtuner explain: the plan of one statement, run inside a transaction that is always rolled back
(read-only on production), with hotspots and notes. Ctrl-C stops the statement on the server (exit 130).

${SQL_INPUT_USAGE}

Examples: pgtuner explain --db postgres://app@localhost/shop --sql "SELECT * FROM orders WHERE customer_id = 42"
          pgtuner explain --file query.sql --param 42 --json
          pgtuner explain --connection prod --production --no-analyze --sql "DELETE FROM carts WHERE updated_at < now() - interval '1 day'"
          pgtuner explain --sql "SELECT nextval('orders_id_seq')" --allow-side-effects`,
  options: SQL_INPUT_OPTIONS,
  input: readStatement,
  run: explainStatement,
  output(plan) {
    const notes = plan.notes ?? [];
    return {
      json: {
        plan: { totalCost: plan.totalCost, executionMs: plan.executionMs, planningMs: plan.planningMs, analyzed: plan.analyzed },
        hotspots: plan.hotspots,
        notes,
        tree: plan.root,
      },
      text:
        formatPlanText(plan) +
        [...plan.hotspots.map((h) => `hotspot: ${h.message}`), ...notes.map((n) => `note: ${n}`)].map((line) => `${line}\n`).join(''),
    };
  },
});
