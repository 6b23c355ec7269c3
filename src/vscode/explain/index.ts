/**
 * "Explain & Suggest Index" in the editor: the commands, the CodeLens on SQL files, the plan
 * panel and a sample query for the walkthrough.
 */
import * as vscode from 'vscode';
import { Services } from '../services';
import { StatementCodeLensProvider } from './codeLens';
import { ExplainAgainArgs, ExplainController } from './controller';
import { FromWebview } from './messages';
import { PlanPanel } from './planPanel';
import { ExplainArgs } from './target';

export function registerExplain(services: Services): void {
  const controller = new ExplainController(services);
  const codeLens = new StatementCodeLensProvider();
  const command = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  services.context.subscriptions.push(
    codeLens,
    vscode.languages.registerCodeLensProvider({ language: 'sql' }, codeLens),
    command('pgtuner.explainAndSuggest', (arg?: unknown) => controller.explain('advise', explainArgs(arg))),
    command('pgtuner.explain', (arg?: unknown) => controller.explain('explain', explainArgs(arg))),
    command('pgtuner.explainAgainWithIndex', (arg?: ExplainAgainArgs) => controller.explainAgain(arg ?? {})),
    command('pgtuner.openSampleQuery', openSampleQuery),
    // Not in the palette: the same as the progress notification's Cancel button.
    command('pgtuner.explain.cancel', () => controller.cancelAll()),
    // Not in the palette: what the plan panel last received and rendered, and a way to press its
    // buttons, for the extension tests (webview content is out of reach of the extension API).
    command('pgtuner.explain.panelState', () => {
      const panel = PlanPanel.active;
      return panel && { posted: panel.lastPosted, rendered: panel.lastRendered };
    }),
    command('pgtuner.explain.panelMessage', (message: FromWebview) => PlanPanel.active?.receive(message)),
    { dispose: () => PlanPanel.active?.dispose() },
  );
}

/** Editor context menus pass the document's URI; CodeLens and tests pass an ExplainArgs object. */
function explainArgs(arg: unknown): ExplainArgs {
  if (arg instanceof vscode.Uri) return { uri: arg };
  return arg && typeof arg === 'object' ? (arg as ExplainArgs) : {};
}

/** Works on the demo database (npm run demo) and the benchmark's schema. */
const SAMPLE_QUERY = `-- A query the advisor has something to say about: run "PG Tuner: Explain & Suggest Index"
-- (Ctrl+Alt+E / Cmd+Alt+E) with the cursor inside it, or use the CodeLens above it.
SELECT id, facility_id, severity, created_at
FROM alerts
WHERE resolved_at IS NULL AND severity = 'critical'
ORDER BY created_at DESC
LIMIT 50;
`;

async function openSampleQuery(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content: SAMPLE_QUERY });
  const editor = await vscode.window.showTextDocument(document);
  const inside = new vscode.Position(3, 0);
  editor.selection = new vscode.Selection(inside, inside);
  return editor;
}
