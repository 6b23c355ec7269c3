/**
 * "PG Tuner: Check Database Health": runs the engine's health checks on the active connection
 * (cancellable), shows the report in a webview grouped by severity, and keeps a status bar
 * indicator with the counts of the last run (click to run again).
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { registerGuardedCommand } from '../guardedCommand';
import { HealthRunOptions, runHealthChecks } from '../../core/health/run';
import { HealthReport } from '../../core/health/types';
import { Services } from '../services';
import { renderHealthReport } from './reportHtml';
import { readHealthThresholds } from './settings';

/** Argument form (tests, other features): thresholds override the settings; only runs some checks; reveal: false keeps the panel closed. */
export interface CheckHealthArgs extends Pick<HealthRunOptions, 'only' | 'thresholds'> {
  reveal?: boolean;
}

export function registerHealth(services: Services): void {
  const { log } = services;
  const status = vscode.window.createStatusBarItem('pgtuner.health', vscode.StatusBarAlignment.Left, 90);
  status.name = 'PG Tuner: Database Health';
  status.command = 'pgtuner.checkHealth';
  let panel: vscode.WebviewPanel | undefined;

  const show = (report: HealthReport) => {
    if (!panel) {
      panel = vscode.window.createWebviewPanel('pgtuner.healthReport', 'Database Health', vscode.ViewColumn.Active, { enableScripts: false });
      panel.onDidDispose(() => (panel = undefined));
    }
    panel.title = `Health: ${report.server.database}`;
    panel.webview.html = renderHealthReport(report, { cspSource: panel.webview.cspSource, nonce: crypto.randomBytes(16).toString('base64') });
    panel.reveal(undefined, true);
  };

  const indicate = (report: HealthReport) => {
    const c = report.counts;
    const [icon, text] = c.critical || c.error
      ? ['$(error)', `${c.critical} critical${c.error ? `, ${c.error} failed` : ''}`]
      : c.warning ? ['$(warning)', `${c.warning} warning${c.warning === 1 ? '' : 's'}`] : ['$(pass)', 'healthy'];
    status.text = `${icon} DB ${text}`;
    status.tooltip = `${report.server.database}: ${c.critical} critical, ${c.warning} warning, ${c.error} failed, ${c.skipped} skipped, ${c.ok} ok ` +
      `(checked ${new Date(report.startedAt).toLocaleTimeString()} in ${report.durationMs} ms). Click to check again.`;
    status.backgroundColor = c.critical || c.error ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : c.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    status.show();
  };

  const checkHealth = async (arg?: CheckHealthArgs): Promise<HealthReport | undefined> => {
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const thresholds = { ...readHealthThresholds(), ...arg?.thresholds };
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking the health of ${active.profile.name}`, cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return active.database.withSession((session) => runHealthChecks(session, {
          thresholds, only: arg?.only, onProgress: (check) => progress.report({ message: check.title }),
        }), controller.signal);
      });
    log.info(`checkHealth ${active.profile.name}: ${JSON.stringify(report.counts)} in ${report.durationMs} ms`);
    indicate(report);
    if (arg?.reveal !== false) show(report);
    return report;
  };

  services.context.subscriptions.push(
    status,
    { dispose: () => panel?.dispose() },
    // Guarded: failures become an error message, a cancel an information message.
    registerGuardedCommand(log, 'pgtuner.checkHealth', checkHealth),
    // A new connection makes the last result meaningless.
    services.connections.onDidChangeActive(() => status.hide()),
  );
}
