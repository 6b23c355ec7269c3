import { advise } from '../../core/advisor/advise';
import { Advice } from '../../core/advisor/types';
import { describeProfile } from '../../core/db/profile';
import { formatBytes } from '../../core/format';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';
import { readSqlInput, sideEffectPolicy, SQL_INPUT_OPTIONS } from './sqlInput';

/** `pgtuner advise`: verified index suggestions for one statement (the CLI contract: JSON for machines, text for people; exit 0/1/2). */
export const adviseVerb: CliVerb = {
  summary: 'suggest indexes for a statement, each verified against the planner',
  async run(argv) {
    const { values } = parseVerbArgs(argv, SQL_INPUT_OPTIONS);
    const { sql, params } = readSqlInput(values);
    const db = openDatabase(values);
    try {
      const result = await advise(db, sql, {
        params,
        analyze: !values['no-analyze'],
        environment: values.production ? 'production' : db.profile.environment,
        sideEffects: values.production || db.profile.environment === 'production' ? 'plain' : sideEffectPolicy(values),
        onProgress: values.json ? undefined : (m) => process.stderr.write(`… ${m}\n`),
      });
      const { before, ...advice } = result;
      if (values.json) printJson({ ...advice, hotspots: before.hotspots });
      else process.stdout.write(renderAdvice(advice, describeProfile(db.profile), before.hotspots.map((h) => h.message)));
      return 0;
    } finally {
      await db.end();
    }
  },
};

function renderAdvice(a: Advice, where: string, hotspots: string[]): string {
  const lines = [`database: ${where}`, `plan: cost ${a.plan.totalCost.toFixed(2)}${a.plan.executionMs !== null ? `, ${a.plan.executionMs.toFixed(2)} ms` : ''}`];
  for (const h of hotspots) lines.push(`hotspot: ${h}`);
  if (!a.suggestions.length) lines.push('no index suggested');
  a.suggestions.forEach((s, i) => {
    const e = s.evidence;
    lines.push('', `${i + 1}. ${s.table} — ${s.kinds.join(', ')} (${s.method})`, ...s.requires.map((r) => `   ${r}`), `   ${s.ddl}`, `   down: ${s.down}`, `   why: ${s.reason}`,
      `   evidence: cost ${e.costBefore.toFixed(2)} → ${e.costAfter.toFixed(2)}` +
      `${e.msBefore !== null ? `, ${e.msBefore.toFixed(2)} ms` : ''}${e.msAfter !== null ? ` → ${e.msAfter.toFixed(2)} ms` : ''}` +
      `${e.sizeBytes !== null ? `, size ≈ ${formatBytes(e.sizeBytes)}` : ''}, verified by ${e.verifiedBy}`);
  });
  for (const n of a.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
