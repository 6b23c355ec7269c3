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
import { readSettings } from '../config';
import { editorKeyring } from '../backupKeys';
import { backupDirectory } from '../backupSettings';
import { folderFor, workspaceFolders } from '../workspaceFolder';
import { isHealthReport, renderHealthReport } from './reportHtml';

const HEALTH_VIEW_TYPE = 'pgtuner.healthReport';

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
    if (!this.panel) this.adopt(vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, 'Database Health', vscode.ViewColumn.Active));
    this.render(report);
    this.panel!.reveal(undefined, true);
  }

  /**
   * A panel VS Code kept across a window reload, with the state its page saved: shown again with
   * the report it had; anything that is not a report closes it.
   */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    const report = (state as { report?: unknown } | undefined)?.report;
    if (!isHealthReport(report)) {
      panel.dispose();
      return;
    }
    this.panel?.dispose();
    this.adopt(panel);
    this.render(report);
  }

  /** The open report panel, for tests. */
  get current(): { title: string; html: string } | undefined {
    return this.panel && { title: this.panel.title, html: this.panel.webview.html };
  }

  private adopt(panel: vscode.WebviewPanel): void {
    // Scripts only for the page's one nonce'd line that saves the report as its state.
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [] };
    panel.onDidDispose(() => this.panel === panel && (this.panel = undefined));
    this.panel = panel;
  }

  private render(report: HealthReport): void {
    this.panel!.title = `Health: ${report.server.database}`;
    this.panel!.webview.html = renderHealthReport(report, {
      cspSource: this.panel!.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
    });
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

/**
 * The status bar indicator, cleared when the active connection changes, and the report panel's
 * return after a window reload; the command is in healthCommands.
 */
export function registerHealth(services: Services): void {
  const display = healthDisplay(services);
  services.context.subscriptions.push(
    services.connections.onDidChangeActive(() => display.clear()),
    vscode.window.registerWebviewPanelSerializer(HEALTH_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => display.revive(panel, state),
    }),
  );
}

export function healthCommands(services: Services): Record<string, Command> {
  const display = healthDisplay(services);
  const checkHealth = async (arg?: CheckHealthArgs): Promise<HealthReport | undefined> => {
    const active = await services.connections.requireActive();
    if (!active) return undefined;
    const overrides = healthSettingsOf(arg?.thresholds ?? {});
    // The backup-freshness check judges the folder the Backups view shows, and the bucket when one is set.
    const folder = folderFor() ?? workspaceFolders()[0];
    const settings = readSettings(services.log, folder?.uri);
    const backups = {
      directory: backupDirectory(settings, services.context.globalStorageUri, folder),
      keys: editorKeyring(services.context.secrets),
      remote: settings['backup.s3.bucket'].trim() !== '',
    };
    const report = await services.runner.withProgress(vscode.l10n.t('Checking the health of {0}', active.profile.name), (run) =>
      runHealthChecks(
        active.database,
        { only: arg?.only, backups: arg?.backups ?? backups },
        { ...run, settings: { ...run.settings, ...overrides } },
      ),
    );
    services.log.info(`checkHealth ${active.profile.name}: ${JSON.stringify(report.counts)} in ${report.durationMs} ms`);
    display.indicate(report);
    if (arg?.reveal !== false) display.show(report);
    return report;
  };
  return {
    'pgtuner.checkHealth': { title: 'Check Database Health', run: checkHealth },
    'pgtuner.test.healthPanel': { title: 'Health panel', run: () => display.current },
    'pgtuner.test.reviveHealthPanel': {
      title: 'Revive health panel',
      run: (state: unknown) =>
        display.revive(vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, 'Database Health', vscode.ViewColumn.Active), state),
    },
  };
}
