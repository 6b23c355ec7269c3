import { advise } from '../../core/advisor/advise';
import { measureAdvice, refuseOnProduction } from '../../core/advisor/measure';
import { Advice, Measured } from '../../core/advisor/types';
import { describeProfile } from '../../core/db/profile';
import { formatBytes } from '../../core/format';
import { defineVerb } from '../runner';
import { readStatement, SQL_INPUT_OPTIONS, SQL_INPUT_USAGE } from './sqlInput';

/** `pgtuner advise`: verified index suggestions for one statement (the CLI contract: JSON for machines, text for people; exit 0/1/2). */
export const adviseVerb = defineVerb({
  summary: 'suggest indexes for a statement, each verified against the planner',
  usage: `pgtuner advise: index suggestions for one statement, each verified against the planner (HypoPG, or a
trial build in a rolled-back transaction), with DDL, its down DDL and the evidence. Exit 0 also when nothing is
suggested. Ctrl-C stops the statement on the server (exit 130).

${SQL_INPUT_USAGE}
  --measure               also build each HypoPG-verified suggestion (and alternative) for real inside a
                          rolled-back transaction and time the statement without and with it (trial-build
                          limits apply; refused on production)

Examples: pgtuner advise --db postgres://app@localhost/shop --sql "SELECT id FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 20" --json
          pgtuner advise --file query.sql --param 42 --no-analyze
          pgtuner advise --connection prod --production --file report.sql
          pgtuner advise --sql "SELECT * FROM jobs WHERE id = nextval('jobs_seq')" --allow-side-effects
          pgtuner advise --file report.sql --measure --json`,
  options: { ...SQL_INPUT_OPTIONS, measure: { type: 'boolean', default: false } },
  input: (values) => ({ ...readStatement(values), measure: values.measure === true }),
  async run(db, { measure, ...input }, run) {
    // Refused before anything runs, not after the advice.
    if (measure) refuseOnProduction(db.profile);
    const advice = await advise(db, input, run);
    if (measure) await measureAdvice(db, { ...input, suggestions: advice.suggestions }, run);
    return advice;
  },
  output({ before, ...advice }, _values, db) {
    return {
      json: { ...advice, hotspots: before.hotspots },
      text: renderAdvice(
        advice,
        describeProfile(db.profile),
        before.hotspots.map((h) => h.message),
      ),
    };
  },
});

function renderAdvice(a: Advice, where: string, hotspots: string[]): string {
  const lines = [
    `database: ${where}`,
    `plan: cost ${a.plan.totalCost.toFixed(2)}${a.plan.executionMs !== null ? `, ${a.plan.executionMs.toFixed(2)} ms` : ''}`,
  ];
  for (const h of hotspots) lines.push(`hotspot: ${h}`);
  if (!a.suggestions.length) lines.push('no index suggested');
  a.suggestions.forEach((s, i) => {
    const e = s.evidence;
    lines.push(
      '',
      `${i + 1}. ${s.table} — ${s.kinds.join(', ')} (${s.method})`,
      ...s.requires.map((r) => `   ${r}`),
      `   ${s.ddl}`,
      `   down: ${s.down}`,
      `   why: ${s.reason}`,
      `   evidence: cost ${e.costBefore.toFixed(2)} → ${e.costAfter.toFixed(2)}` +
        `${e.msBefore !== null ? `, ${e.msBefore.toFixed(2)} ms` : ''}${e.msAfter !== null ? ` → ${e.msAfter.toFixed(2)} ms` : ''}` +
        `${e.sizeBytes !== null ? `, size ≈ ${formatBytes(e.sizeBytes)}` : ''}, verified by ${e.verifiedBy}`,
      ...measuredLines(e.measured),
      ...(s.alternatives ?? []).flatMap((alt) => [
        `   alternative: ${alt.ddl} (cost → ${alt.costAfter.toFixed(2)}${alt.sizeBytes !== null ? `, size ≈ ${formatBytes(alt.sizeBytes)}` : ''}, verified by ${alt.verifiedBy})`,
        ...measuredLines(alt.measured, '   '),
      ]),
    );
  });
  for (const n of a.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

/** `--measure`'s result under its index: both times, the build, and why a side has none. */
function measuredLines(m: Measured | undefined, indent = ''): string[] {
  if (!m) return [];
  const time = (v: number | null) => (v === null ? 'not measured' : `${v.toFixed(2)} ms`);
  const built = m.buildMs === null ? '' : `, built in ${m.buildMs.toFixed(0)} ms and rolled back`;
  return [
    `${indent}   measured: ${time(m.msBefore)} → ${time(m.msAfter)}${m.runs ? ` (faster of ${m.runs} runs each${built})` : ''}`,
    ...m.notes.map((n) => `${indent}   measure note: ${n}`),
  ];
}
