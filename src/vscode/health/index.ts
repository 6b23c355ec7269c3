/**
 * "PG Tuner: Check Database Health": runs the engine's health checks on the active connection
 * (cancellable), shows the report in a webview grouped by severity, and keeps a status bar
 * indicator with the counts of the last run (click to run again).
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { HealthInput, runHealthChecks } from '../../core/health/run';
import { HealthReport } from '../../core/health/types';
import { healthSettingsOf } from '../../core/settings/schema';
import { Command } from '../runner';
import { Services } from '../services';
import { renderHealthReport } from './reportHtml';

/** Argument form (tests, other features): thresholds override the settings; only runs some checks; reveal: false keeps the panel closed. */
export interface CheckHealthArgs extends HealthInput {
  thresholds?: Record<string, number>;
  reveal?: boolean;
}

/** The status bar indicator and the report panel, one per window. */
class HealthDisplay implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('pgtuner.health', vscode.StatusBarAlignment.Left, 90);
  private panel?: vscode.WebviewPanel;

  constructor() {
    this.status.name = 'PG Tuner: Database Health';
    this.status.command = 'pgtuner.checkHealth';
  }

  show(report: HealthReport): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('pgtuner.healthReport', 'Database Health', vscode.ViewColumn.Active, {
        enableScripts: false,
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = `Health: ${report.server.database}`;
    this.panel.webview.html = renderHealthReport(report, {
      cspSource: this.panel.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
    });
    this.panel.reveal(undefined, true);
  }

  indicate(report: HealthReport): void {
    const c = report.counts;
    const [icon, text] =
      c.critical || c.error
        ? ['$(error)', `${c.critical} critical${c.error ? `, ${c.error} failed` : ''}`]
        : c.warning
          ? ['$(warning)', `${c.warning} warning${c.warning === 1 ? '' : 's'}`]
          : ['$(pass)', 'healthy'];
    this.status.text = `${icon} DB ${text}`;
    this.status.tooltip =
      `${report.server.database}: ${c.critical} critical, ${c.warning} warning, ${c.error} failed, ${c.skipped} skipped, ${c.ok} ok ` +
      `(checked ${new Date(report.startedAt).toLocaleTimeString()} in ${report.durationMs} ms). Click to check again.`;
    this.status.backgroundColor =
      c.critical || c.error
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : c.warning
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.status.show();
  }

  /** A new connection makes the last result meaningless. */
  clear(): void {
    this.status.hide();
  }

  dispose(): void {
    this.status.dispose();
    this.panel?.dispose();
  }
}

const displays = new WeakMap<Services, HealthDisplay>();

function healthDisplay(services: Services): HealthDisplay {
  let display = displays.get(services);
  if (!display) {
    display = new HealthDisplay();
    services.context.subscriptions.push(display);
    displays.set(services, display);
  }
  return display;
}

/** The status bar indicator, cleared when the active connection changes; the command is in healthCommands. */
export function registerHealth(services: Services): void {
  const display = healthDisplay(services);
  services.context.subscriptions.push(services.connections.onDidChangeActive(() => display.clear()));
}

export function healthCommands(services: Services): Record<string, Command> {
  const display = healthDisplay(services);
  const checkHealth = async (arg?: CheckHealthArgs): Promise<HealthReport | undefined> => {
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const overrides = healthSettingsOf(arg?.thresholds ?? {});
    const report = await services.runner.withProgress(`Checking the health of ${active.profile.name}`, (run) =>
      runHealthChecks(active.database, { only: arg?.only }, { ...run, settings: { ...run.settings, ...overrides } }),
    );
    services.log.info(`checkHealth ${active.profile.name}: ${JSON.stringify(report.counts)} in ${report.durationMs} ms`);
    display.indicate(report);
    if (arg?.reveal !== false) display.show(report);
    return report;
  };
  return { 'pgtuner.checkHealth': { title: 'Check Database Health', run: checkHealth } };
}
