/**
 * The "Workload Advice" webview: the index set per index and per statement, the budget curve,
 * Create Migration (of the indexes and drops the user keeps ticked) and Measure (the ticked indexes
 * built in a rolled-back transaction, every statement timed without and with them). One panel,
 * reused by each run.
 */
import * as vscode from 'vscode';
import { MeasurementSummary } from '../../core/workload/measure';
import { WorkloadReport } from '../../core/workload/types';
import { webviewPage } from '../webviewPage';

/** What the report panel shows: the report and where it came from. */
export interface WorkloadView {
  report: WorkloadReport;
  /** The connection's description (never its password). */
  connection: string;
  /** "pg_stat_statements (top 50)", "3 SQL files", … */
  source: string;
  /** Measure is offered (not on a production connection: it builds the indexes). */
  measurable: boolean;
  /** The last measurement: the indexes built, the weighted times, the statements not run (the statements carry their times). */
  measured?: MeasurementSummary & { indexes: string[] };
}

/** What the panel's buttons do; measure returns the view with its times. */
export interface WorkloadActions {
  createMigration(view: WorkloadView, indexes: number[], drops: number[]): Promise<unknown>;
  measure(view: WorkloadView, indexes: number[]): Promise<WorkloadView | undefined>;
}

export type ToWorkloadWebview = { type: 'report'; view: WorkloadView };
export type FromWorkloadWebview =
  | { type: 'ready' }
  | { type: 'rendered'; text: string }
  | { type: 'createMigration'; indexes: number[]; drops: number[] }
  | { type: 'measure'; indexes: number[] };

/** The picks of a createMigration message, checked: whole numbers in range, no repeats. */
export function checkPicks(picks: unknown, length: number): number[] | undefined {
  if (!Array.isArray(picks)) return undefined;
  const valid = picks.every((i) => Number.isInteger(i) && i >= 0 && i < length);
  return valid ? [...new Set(picks as number[])].sort((a, b) => a - b) : undefined;
}

export class WorkloadPanel implements vscode.Disposable {
  private static current?: WorkloadPanel;
  lastPosted?: ToWorkloadWebview;
  lastRendered?: string;
  private view?: WorkloadView;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    mediaRoot: vscode.Uri,
    private readonly actions: WorkloadActions,
  ) {
    panel.webview.html = webviewPage(panel.webview, mediaRoot, {
      title: 'Workload Advice',
      scripts: ['workload.js'],
      style: 'workload.css',
      waiting: 'Waiting for the workload advice…',
    });
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((m: FromWorkloadWebview) => void this.receive(m), undefined, this.disposables);
  }

  static get active(): WorkloadPanel | undefined {
    return WorkloadPanel.current;
  }

  static show(extensionUri: vscode.Uri, view: WorkloadView, actions: WorkloadActions): WorkloadPanel {
    let current = WorkloadPanel.current;
    if (!current) {
      const mediaRoot = vscode.Uri.joinPath(extensionUri, 'media');
      const panel = vscode.window.createWebviewPanel(
        'pgtuner.workload',
        'Workload Advice',
        { viewColumn: vscode.ViewColumn.Active },
        { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot], retainContextWhenHidden: true },
      );
      panel.iconPath = vscode.Uri.joinPath(mediaRoot, 'pgtuner.svg');
      current = WorkloadPanel.current = new WorkloadPanel(panel, mediaRoot, actions);
    } else {
      current.panel.reveal();
    }
    current.view = view;
    current.post({ type: 'report', view });
    return current;
  }

  private post(message: ToWorkloadWebview): void {
    this.lastPosted = message;
    void this.panel.webview.postMessage(message);
  }

  /** A message from the webview (or a test pressing its button): checked, never trusted. */
  async receive(message: FromWorkloadWebview): Promise<unknown> {
    if (!message || typeof message !== 'object') return undefined;
    switch (message.type) {
      case 'ready':
        if (this.view) this.post({ type: 'report', view: this.view });
        return undefined;
      case 'rendered':
        if (typeof message.text === 'string') this.lastRendered = message.text;
        return undefined;
      case 'createMigration': {
        if (!this.view) return undefined;
        const indexes = checkPicks(message.indexes, this.view.report.indexes.length);
        const drops = checkPicks(message.drops, this.view.report.drops.length);
        return indexes && drops ? this.actions.createMigration(this.view, indexes, drops) : undefined;
      }
      case 'measure': {
        const shown = this.view;
        const indexes = shown && checkPicks(message.indexes, shown.report.indexes.length);
        if (!shown || !indexes?.length) return undefined;
        const measured = await this.actions.measure(shown, indexes);
        // A newer report replaced this one while it was measured: its times belong to the old one.
        if (measured && this.view === shown) {
          this.view = measured;
          this.post({ type: 'report', view: measured });
        }
        return measured;
      }
      default:
        return undefined;
    }
  }

  dispose(): void {
    if (WorkloadPanel.current === this) WorkloadPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
