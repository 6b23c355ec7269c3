import * as path from 'path';
import { fileKeyring } from '../../core/backup/keys';
import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { reportFailed, runHealthChecks } from '../../core/health/run';
import { CheckResult, CheckStatus, HealthReport } from '../../core/health/types';
import { healthSettingsOf } from '../../core/settings/schema';
import { defineVerb } from '../runner';

const ORDER: CheckStatus[] = ['critical', 'warning', 'error', 'skipped', 'ok'];
const DETAIL_ROWS = 5;

/** `--threshold name=value` pairs as a thresholds object; the engine names unknown ones. */
function parseThresholds(pairs: string[]): Record<string, number> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(pair.trim());
      if (!m) throw new PgTunerError('BAD_INPUT', `--threshold ${pair}: expected name=number, e.g. --threshold longQueryWarningSeconds=30`);
      return [m[1], Number(m[2])];
    }),
  );
}

function describeResult(r: CheckResult): string[] {
  const lines = [`  ${r.title}: ${r.figure}`];
  if (r.threshold) lines.push(`      threshold: ${r.threshold}`);
  if (r.advice && r.status !== 'ok') lines.push(`      what to do: ${r.advice}`);
  for (const d of r.details.slice(0, DETAIL_ROWS))
    lines.push(
      `      - ${Object.entries(d)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
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

const FAIL_ON = ['critical', 'warning'] as const;

/** `pgtuner health`: runs every health check; exit 1 on a critical finding or a failed check (or any warning with --fail-on warning). */
export const healthVerb = defineVerb({
  summary: 'database health checks (exit 1 on a critical finding); --threshold name=value, --only id,id, --fail-on warning',
  usage: `pgtuner health: runs the database health checks (connections, long and blocked queries, wraparound, bloat, indexes,
replication, slow statements, settings) and prints each finding with its figure, threshold and what to do.
Exit 0 when nothing is critical and no check failed, 1 otherwise. Ctrl-C stops the running check on the server (exit 130).

  --threshold name=value  override a threshold (repeatable; the names of the pgtuner.health.* settings)
  --only id,id            run only these checks (e.g. connections,sequences)
  --fail-on critical|warning  also exit 1 on warnings with "warning" (default critical)
  --backups <folder>      where this database's backups are: the backup-freshness check judges the newest restore-tested one

Example: pgtuner health --db postgres://app@localhost/shop --only sequences,bloat --threshold sequenceWarningPercent=50 --fail-on warning --json`,
  options: {
    threshold: { type: 'string', multiple: true, default: [] },
    only: { type: 'string' },
    'fail-on': { type: 'string', default: 'critical' },
    backups: { type: 'string' },
  },
  input(values) {
    if (!FAIL_ON.includes(values['fail-on'] as (typeof FAIL_ON)[number]))
      throw new PgTunerError('BAD_INPUT', `--fail-on must be "critical" or "warning" (got "${values['fail-on']}")`);
    return {
      only: values.only
        ? values.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
      backups: values.backups ? { directory: path.resolve(values.backups), keys: fileKeyring() } : undefined,
    };
  },
  // Unknown names and bad values exit 2 before anything connects.
  settings: (values) => healthSettingsOf(parseThresholds(values.threshold)),
  run: runHealthChecks,
  output: (report, values, db) => ({
    json: { connection: describeProfile(db.profile), ...report },
    text: formatHealthText(report),
    exitCode: reportFailed(report, values['fail-on'] as (typeof FAIL_ON)[number]) ? 1 : 0,
  }),
});
