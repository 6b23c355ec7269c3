import { explainStatement } from '../../core/db/safeExplain';
import { formatPlanText } from '../../core/plan/text';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';
import { readSqlInput, sideEffectPolicy, SQL_INPUT_OPTIONS } from './sqlInput';

/** `pgtuner explain`: the plan the safe way (always rolled back), as text or JSON. */
export const explainVerb: CliVerb = {
  summary: 'EXPLAIN ANALYZE a statement safely (rolled back) and summarise the plan',
  async run(argv) {
    const { values } = parseVerbArgs(argv, SQL_INPUT_OPTIONS);
    const { sql, params } = readSqlInput(values);
    const db = openDatabase(values);
    try {
      const production = values.production || db.profile.environment === 'production';
      const plan = await explainStatement(db, sql, { analyze: !values['no-analyze'], params, readOnly: production, sideEffects: production ? 'plain' : sideEffectPolicy(values) });
      const notes = plan.notes ?? [];
      if (values.json) {
        printJson({ plan: { totalCost: plan.totalCost, executionMs: plan.executionMs, planningMs: plan.planningMs, analyzed: plan.analyzed }, hotspots: plan.hotspots, notes, tree: plan.root });
      } else {
        process.stdout.write(formatPlanText(plan));
        for (const h of plan.hotspots) process.stdout.write(`hotspot: ${h.message}\n`);
        for (const n of notes) process.stdout.write(`note: ${n}\n`);
      }
      return 0;
    } finally {
      await db.end();
    }
  },
};
