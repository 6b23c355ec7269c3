/**
 * The health report as a self-contained HTML page for a webview: one inline style and one inline
 * script allowed by nonce, every database-provided string escaped. Grouped by severity, worst
 * first. The script only saves the report as the webview's state, so the panel comes back after
 * a window reload (the serializer in index.ts).
 */
import { formatSeconds } from '../../core/format';
import { CheckResult, CheckStatus, HealthReport } from '../../core/health/types';

const GROUPS: { status: CheckStatus; title: string }[] = [
  { status: 'critical', title: 'Critical' },
  { status: 'warning', title: 'Warnings' },
  { status: 'error', title: 'Checks that failed' },
  { status: 'skipped', title: 'Skipped' },
  { status: 'ok', title: 'OK' },
];
const DETAIL_ROWS = 20;

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function detailsTable(r: CheckResult): string {
  if (!r.details.length) return '';
  const columns = [...new Set(r.details.flatMap((d) => Object.keys(d)))];
  const rows = r.details
    .slice(0, DETAIL_ROWS)
    .map((d) => `<tr>${columns.map((c) => `<td>${escapeHtml(d[c])}</td>`).join('')}</tr>`)
    .join('');
  const more = r.details.length > DETAIL_ROWS ? `<p class="more">… and ${r.details.length - DETAIL_ROWS} more</p>` : '';
  return `<details${r.status === 'ok' ? '' : ' open'}><summary>${r.details.length} row${r.details.length === 1 ? '' : 's'}</summary>
<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>${more}</details>`;
}

function checkCard(r: CheckResult): string {
  return `<section class="check ${r.status}" id="check-${escapeHtml(r.id)}">
<h3>${escapeHtml(r.title)}</h3>
<p class="figure">${escapeHtml(r.figure)}</p>
${r.threshold ? `<p class="threshold">Threshold: ${escapeHtml(r.threshold)}</p>` : ''}
${r.advice ? `<p class="advice">${r.status === 'ok' ? '' : '<strong>What to do:</strong> '}${escapeHtml(r.advice)}</p>` : ''}
${detailsTable(r)}
</section>`;
}

export function renderHealthReport(report: HealthReport, csp: { cspSource: string; nonce: string }): string {
  const c = report.counts;
  const summary = GROUPS.filter((g) => c[g.status] > 0)
    .map((g) => `<span class="pill ${g.status}">${c[g.status]} ${escapeHtml(g.status)}</span>`)
    .join(' ');
  const sections = GROUPS.map((g) => {
    const group = report.results.filter((r) => r.status === g.status);
    return group.length ? `<h2>${g.title} (${group.length})</h2>${group.map(checkCard).join('\n')}` : '';
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${csp.cspSource} 'nonce-${csp.nonce}'; script-src 'nonce-${csp.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Database health</title>
<style nonce="${csp.nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1rem 2rem; }
.check { border-left: 4px solid var(--vscode-panel-border); padding: .25rem .75rem; margin: .75rem 0; }
.check.critical { border-color: var(--vscode-errorForeground); }
.check.warning { border-color: var(--vscode-editorWarning-foreground); }
.check.error { border-color: var(--vscode-errorForeground); border-left-style: dashed; }
.check.skipped { border-color: var(--vscode-disabledForeground); }
.check.ok { border-color: var(--vscode-testing-iconPassed); }
h3 { margin: .25rem 0; font-size: 1.05em; }
.figure { font-weight: 600; }
.threshold, .more { color: var(--vscode-descriptionForeground); }
.pill { padding: .1rem .5rem; border-radius: .75rem; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.pill.critical, .pill.error { background: var(--vscode-errorForeground); color: var(--vscode-editor-background); }
.pill.warning { background: var(--vscode-editorWarning-foreground); color: var(--vscode-editor-background); }
table { border-collapse: collapse; margin: .25rem 0; font-family: var(--vscode-editor-font-family); font-size: .9em; }
th, td { border: 1px solid var(--vscode-panel-border); padding: .15rem .4rem; text-align: left; vertical-align: top; }
</style></head>
<body>
<h1>Database health: ${escapeHtml(report.server.database)}</h1>
<p>${escapeHtml(report.server.user)} on PostgreSQL ${escapeHtml(report.server.version)} · ${escapeHtml(report.startedAt)} · ${report.results.length} checks in ${escapeHtml(formatSeconds(report.durationMs / 1000))}</p>
<p class="summary">${summary}</p>
${sections}
<script type="application/json" id="report">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
<script nonce="${csp.nonce}">acquireVsCodeApi().setState({ report: JSON.parse(document.getElementById('report').textContent) });</script>
</body></html>`;
}

const STATUSES: readonly string[] = GROUPS.map((g) => g.status);
const isText = (v: unknown) => typeof v === 'string';
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isFlat = (d: unknown) =>
  !!d && typeof d === 'object' && Object.values(d).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));

/**
 * A report as renderHealthReport needs it: what a revived panel's state holds is taken only in
 * this shape (the numbers it writes out unescaped are numbers).
 */
export function isHealthReport(value: unknown): value is HealthReport {
  const r = value as HealthReport | undefined;
  return (
    !!r &&
    isText(r.startedAt) &&
    isCount(r.durationMs) &&
    [r.server?.database, r.server?.user, r.server?.version].every(isText) &&
    STATUSES.every((s) => isCount(r.counts?.[s as CheckStatus])) &&
    Array.isArray(r.results) &&
    r.results.every(
      (c) =>
        STATUSES.includes(c?.status) &&
        [c.id, c.title, c.figure, c.threshold, c.advice].every(isText) &&
        Array.isArray(c.details) &&
        c.details.every(isFlat),
    )
  );
}
