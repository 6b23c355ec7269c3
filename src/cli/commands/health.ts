import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { resolveHealthOptions } from '../../core/health/options';
import { reportFailed, runHealthChecks } from '../../core/health/run';
import { CheckResult, CheckStatus, HealthReport } from '../../core/health/types';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';

const ORDER: CheckStatus[] = ['critical', 'warning', 'error', 'skipped', 'ok'];
const DETAIL_ROWS = 5;

/** `--threshold name=value` pairs as a thresholds object; the engine names unknown ones. */
function parseThresholds(pairs: string[]): Record<string, number> {
  return Object.fromEntries(pairs.map((pair) => {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(pair.trim());
    if (!m) throw new PgTunerError('BAD_INPUT', `--threshold ${pair}: expected name=number, e.g. --threshold longQueryWarningSeconds=30`);
    return [m[1], Number(m[2])];
  }));
}

function describeResult(r: CheckResult): string[] {
  const lines = [`  ${r.title}: ${r.figure}`];
  if (r.threshold) lines.push(`      threshold: ${r.threshold}`);
  if (r.advice && r.status !== 'ok') lines.push(`      what to do: ${r.advice}`);
  for (const d of r.details.slice(0, DETAIL_ROWS)) lines.push(`      - ${Object.entries(d).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (r.details.length > DETAIL_ROWS) lines.push(`      … ${r.details.length - DETAIL_ROWS} more (use --json)`);
  return lines;
}

export function formatHealthText(report: HealthReport): string {
  const c = report.counts;
  const lines = [
    `PG Tuner health: ${report.server.database} as ${report.server.user} (PostgreSQL ${report.server.version})`,
    `${c.critical} critical, ${c.warning} warning, ${c.error} failed, ${c.skipped} skipped, ${c.ok} ok in ${report.durationMs} ms`,
  ];
  for (const status of ORDER) {
    const group = report.results.filter((r) => r.status === status);
    if (!group.length) continue;
    lines.push('', `${status.toUpperCase()} (${group.length})`, ...group.flatMap(describeResult));
  }
  return lines.join('\n') + '\n';
}

/** `pgtuner health`: runs every health check; exit 1 on a critical finding or a failed check (or any warning with --fail-on warning). */
export const healthVerb: CliVerb = {
  summary: 'database health checks (exit 1 on a critical finding); --threshold name=value, --only id,id, --fail-on warning',
  async run(argv) {
    const { values } = parseVerbArgs(argv, {
      threshold: { type: 'string', multiple: true, default: [] },
      only: { type: 'string' },
      'fail-on': { type: 'string', default: 'critical' },
    });
    const failOn = values['fail-on'];
    if (failOn !== 'critical' && failOn !== 'warning') throw new PgTunerError('BAD_INPUT', `--fail-on must be "critical" or "warning" (got "${failOn}")`);
    const thresholds = parseThresholds(values.threshold as string[]);
    resolveHealthOptions(thresholds); // bad input (unknown names) exits 2 before connecting
    const only = values.only ? String(values.only).split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    const db = openDatabase(values);
    try {
      const report = await db.withSession((s) => runHealthChecks(s, { thresholds, only }));
      if (values.json) printJson({ connection: describeProfile(db.profile), ...report });
      else process.stdout.write(formatHealthText(report));
      return reportFailed(report, failOn) ? 1 : 0;
    } finally {
      await db.end();
    }
  },
};
