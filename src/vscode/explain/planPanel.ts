/**
 * The one "Plan" webview panel, reused by every run: the plan tree, the suggestions and the
 * what-if comparison. Strict CSP (scripts only with this panel's nonce, styles only from the
 * extension's media folder), no network, theme colours from VS Code's CSS variables.
 */
import * as vscode from 'vscode';
import { webviewPage } from '../webviewPage';
import { comparePlans } from '../../core/plan/compare';
import {
  checkFromWebview,
  Comparison,
  ExplainResultView,
  FromWebview,
  isSuggestionIndex,
  PlanView,
  SuggestionView,
  RenderedView,
  ToWebview,
} from './messages';

/** What the panel asks the extension to do for a button. */
export type PanelActionHandler = (message: Exclude<FromWebview, { type: 'ready' | 'rendered' }>, panel: PlanPanel) => Promise<unknown>;

export class PlanPanel implements vscode.Disposable {
  private static current?: PlanPanel;

  /** The last message sent to the webview and the text it last rendered (for tests and the log). */
  lastPosted?: ToWebview;
  lastRendered?: string;
  /** How long the webview took to build and lay out its last render, ms (reported by the extension tests). */
  lastRenderMs?: number;
  /** What its views last showed: format, selection, graph (extension tests). */
  lastView?: RenderedView;
  private result?: ExplainResultView;
  private comparison?: Comparison;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    mediaRoot: vscode.Uri,
    private readonly onAction: PanelActionHandler,
  ) {
    panel.webview.html = planWebviewHtml(panel.webview, mediaRoot);
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((m: FromWebview) => void this.receive(m), undefined, this.disposables);
  }

  static get active(): PlanPanel | undefined {
    return PlanPanel.current;
  }

  /** Shows `result` in the panel, creating it beside the editor the first time. */
  static show(extensionUri: vscode.Uri, result: ExplainResultView, onAction: PanelActionHandler): PlanPanel {
    let current = PlanPanel.current;
    if (!current) {
      const mediaRoot = vscode.Uri.joinPath(extensionUri, 'media');
      const panel = vscode.window.createWebviewPanel(
        'pgtuner.plan',
        'Plan',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          enableCommandUris: false,
          localResourceRoots: [mediaRoot],
          retainContextWhenHidden: true,
        },
      );
      panel.iconPath = vscode.Uri.joinPath(mediaRoot, 'pgtuner.svg');
      current = PlanPanel.current = new PlanPanel(panel, mediaRoot, onAction);
    } else {
      current.panel.reveal(undefined, true);
    }
    current.result = result;
    current.comparison = undefined;
    setHasSuggestions(result.suggestions.length > 0);
    current.panel.title = `${result.mode === 'advise' ? 'Explain & Suggest' : 'Plan'}: ${firstWords(result.statement)}`;
    current.post({ type: 'result', result });
    return current;
  }

  /**
   * A panel VS Code kept across a window reload (the serializer hands it back with the webview's
   * saved state): shown again with the plan it had. The state comes from the webview, so only a
   * well-formed result is taken.
   */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: unknown, onAction: PanelActionHandler): PlanPanel {
    const mediaRoot = vscode.Uri.joinPath(extensionUri, 'media');
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot] };
    const revived = new PlanPanel(panel, mediaRoot, onAction);
    const saved = (state ?? {}) as { result?: ExplainResultView; comparison?: Comparison };
    if (isResultView(saved.result)) {
      revived.result = saved.result;
      const c = saved.comparison;
      // A what-if plan names one of the suggestions; two stored plans (-1) come with their headings.
      const titles = typeof c?.titles?.before === 'string' && typeof c.titles.after === 'string' ? c.titles : undefined;
      if (
        c?.after?.plan?.root &&
        (isSuggestionIndex(c.suggestionIndex, saved.result.suggestions.length) || (c.suggestionIndex === -1 && titles))
      )
        revived.comparison = {
          suggestionIndex: c.suggestionIndex,
          after: c.after,
          diff: comparePlans(saved.result.before.plan, c.after.plan),
          ...(titles ? { titles: { before: titles.before, after: titles.after } } : {}),
        };
    }
    PlanPanel.current?.dispose();
    PlanPanel.current = revived;
    setHasSuggestions((revived.result?.suggestions.length ?? 0) > 0);
    return revived;
  }

  get currentResult(): ExplainResultView | undefined {
    return this.result;
  }

  get currentComparison(): Comparison | undefined {
    return this.comparison;
  }

  showComparison(suggestionIndex: number, after: PlanView, titles?: Comparison['titles']): void {
    if (!this.result) return;
    this.comparison = { suggestionIndex, after, diff: comparePlans(this.result.before.plan, after.plan), ...(titles ? { titles } : {}) };
    this.post({ type: 'comparison', ...this.comparison });
  }

  /** One card changed (measured, another index picked): kept for a reload and sent to the webview. */
  updateSuggestion(suggestionIndex: number, suggestion: SuggestionView): void {
    if (!this.result || !isSuggestionIndex(suggestionIndex, this.result.suggestions.length)) return;
    this.result = { ...this.result, suggestions: this.result.suggestions.map((s, i) => (i === suggestionIndex ? suggestion : s)) };
    this.post({ type: 'suggestion', suggestionIndex, suggestion });
  }

  post(message: ToWebview): void {
    this.lastPosted = message;
    void this.panel.webview.postMessage(message);
  }

  /** Handles a message as if the webview had sent it (the webview's buttons end up here). */
  async receive(untrusted: FromWebview): Promise<unknown> {
    // Checked, not trusted: a message names a suggestion by an index that must be in range.
    const message = checkFromWebview(untrusted, this.result?.suggestions.length ?? 0);
    if (!message) return undefined;
    switch (message.type) {
      case 'ready':
        // The webview (re)loaded: give it the current state; earlier posts may have been missed.
        if (this.result) this.post({ type: 'result', result: this.result });
        if (this.comparison) this.post({ type: 'comparison', ...this.comparison });
        return undefined;
      case 'rendered':
        this.lastRendered = message.text;
        this.lastRenderMs = message.renderMs;
        this.lastView = message.view;
        return undefined;
      default:
        return this.onAction(message, this);
    }
  }

  dispose(): void {
    if (PlanPanel.current === this) {
      PlanPanel.current = undefined;
      setHasSuggestions(false);
    }
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The plan viewer's page (media/plan.js, planGraph.js and plan.css), for the panel and the .pgplan editor. */
export function planWebviewHtml(webview: vscode.Webview, mediaRoot: vscode.Uri): string {
  return webviewPage(webview, mediaRoot, {
    title: 'Plan',
    scripts: ['planGraph.js', 'plan.js'],
    style: 'plan.css',
    waiting: 'Waiting for a plan…',
  });
}

/** Shows "Explain Again With Suggested Index" in the palette only while there is something to try. */
function setHasSuggestions(value: boolean): void {
  void vscode.commands.executeCommand('setContext', 'pgtuner.explain.hasSuggestions', value);
}

function isResultView(v: unknown): v is ExplainResultView {
  const r = v as ExplainResultView | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    (r.mode === 'explain' || r.mode === 'advise') &&
    typeof r.statement === 'string' &&
    typeof r.before?.plan?.root === 'object' &&
    Array.isArray(r.suggestions) &&
    Array.isArray(r.notes)
  );
}

function firstWords(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}
