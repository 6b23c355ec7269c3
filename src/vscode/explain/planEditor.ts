/**
 * The custom editor for .pgplan files: the file's plan (JSON or text format, as psql or
 * auto_explain wrote it) in the plan viewer, shown again whenever the file changes. "Reopen
 * Editor With… > Text Editor" edits the text itself.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { checkFromWebview, ToWebview } from './messages';
import { openedPlanResult } from './openPlan';
import { planWebviewHtml } from './planPanel';

export class PlanEditorProvider implements vscode.CustomTextEditorProvider {
  static readonly viewType = 'pgtuner.planEditor';
  /** What each open .pgplan editor last rendered, by document URI (extension tests read it). */
  static readonly rendered = new Map<string, string>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const mediaRoot = vscode.Uri.joinPath(this.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot] };
    panel.webview.html = planWebviewHtml(panel.webview, mediaRoot);
    const key = document.uri.toString();
    const show = () => {
      let message: ToWebview;
      try {
        message = { type: 'result', result: openedPlanResult(document.getText(), path.basename(document.uri.path)) };
      } catch (err) {
        message = { type: 'failed', message: (err as Error).message };
      }
      void panel.webview.postMessage(message);
    };
    const subscriptions = [
      // Untrusted like every webview message; a file's plan has no suggestions, so only ready and rendered count.
      panel.webview.onDidReceiveMessage((untrusted: unknown) => {
        const m = checkFromWebview(untrusted, 0);
        if (m?.type === 'ready') show();
        else if (m?.type === 'rendered') PlanEditorProvider.rendered.set(key, m.text);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document) show();
      }),
    ];
    panel.onDidDispose(() => {
      PlanEditorProvider.rendered.delete(key);
      for (const s of subscriptions) s.dispose();
    });
  }
}
