/**
 * The page shell of PG Tuner's script-driven webviews: a strict CSP (scripts only with this page's
 * nonce, styles only from the extension's media folder, nothing from the network), a polite status
 * line for screen readers, and the app's root element.
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

export interface WebviewPageSpec {
  title: string;
  /** File names in media/, loaded in order. */
  scripts: string[];
  style: string;
  /** What the page shows until its script has drawn. */
  waiting: string;
}

export function webviewPage(webview: vscode.Webview, mediaRoot: vscode.Uri, spec: WebviewPageSpec): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, file));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media(spec.style)}">
<title>${escape(spec.title)}</title>
</head>
<body>
<p id="status" class="status-line" role="status" aria-live="polite"></p>
<main id="app"><p class="muted">${escape(spec.waiting)}</p></main>
${spec.scripts.map((s) => `<script nonce="${nonce}" src="${media(s)}"></script>`).join('\n')}
</body>
</html>`;
}
