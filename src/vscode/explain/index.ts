/**
 * "Explain & Suggest Index" in the editor: the commands, the CodeLens on SQL files, the plan
 * panel and a sample query for the walkthrough.
 */
import * as vscode from 'vscode';
import { Command } from '../runner';
import { SHOW_PLANS_COMMAND, ShowPlansArgs } from '../plans';
import { Services } from '../services';
import { StatementCodeLensProvider } from './codeLens';
import { ExplainAgainArgs, ExplainController } from './controller';
import { ExplainResultView, FromWebview, ToWebview } from './messages';
import { openedPlanResult, readPlanFile } from './openPlan';
import { PlanEditorProvider } from './planEditor';
import { PlanPanel } from './planPanel';
import { showPlans } from './showPlans';
import { ExplainArgs } from './target';

/** The commands; each returns its outcome (tests read it). Cancel is the runner's pgtuner.cancel. */
export function explainCommands(services: Services): Record<string, Command> {
  const controller = controllerOf(services);
  return {
    'pgtuner.explainAndSuggest': { title: 'Explain & Suggest', run: (arg?: unknown) => controller.explain('advise', explainArgs(arg)) },
    'pgtuner.explain': { title: 'Explain', run: (arg?: unknown) => controller.explain('explain', explainArgs(arg)) },
    'pgtuner.adviseWithoutRunning': {
      title: 'Advise Without Running',
      run: (arg?: unknown) => controller.explain('advise', { ...explainArgs(arg), withoutRunning: true }),
    },
    'pgtuner.explainAgainWithIndex': {
      title: 'Explain Again With This Index',
      run: (arg?: ExplainAgainArgs) => controller.explainAgain(arg ?? {}),
    },
    'pgtuner.openSampleQuery': { title: 'Open Sample Query', run: openSampleQuery },
    'pgtuner.openPlanFromClipboard': {
      title: 'Open Plan from Clipboard',
      run: async () => showOpened(services, openedPlanResult(await vscode.env.clipboard.readText(), 'clipboard')),
    },
    'pgtuner.openPlanFile': {
      title: 'Open Plan File',
      run: async (arg?: unknown) => {
        const result = await readPlanFile(arg);
        return result && showOpened(services, result);
      },
    },
    // Plans kept elsewhere (the plan history) in the viewer, one or two side by side.
    [SHOW_PLANS_COMMAND]: {
      title: 'Show Plans',
      run: (arg?: ShowPlansArgs) => showPlans(services.context.extensionUri, arg, (m, p) => controller.onPanelAction(m, p)),
    },
    // The plan panel for the extension tests (webview content is out of reach of the extension API):
    // what it last received and rendered, and a way to press its buttons.
    'pgtuner.test.explainPanelState': {
      title: 'Plan Panel State',
      run: () => {
        const panel = PlanPanel.active;
        return panel && { posted: panel.lastPosted, rendered: panel.lastRendered, renderMs: panel.lastRenderMs, view: panel.lastView };
      },
    },
    'pgtuner.test.planEditorRendered': { title: 'Plan Editor Rendered', run: (uri: string) => PlanEditorProvider.rendered.get(uri) },
    'pgtuner.test.explainPanelMessage': { title: 'Plan Panel Message', run: (message: FromWebview) => PlanPanel.active?.receive(message) },
    'pgtuner.test.explainPanelInput': { title: 'Plan Panel Input', run: (message: ToWebview) => PlanPanel.active?.post(message) },
  };
}

/** One controller per extension instance: the commands and a plan panel revived after a reload share it. */
const controllers = new WeakMap<Services, ExplainController>();
function controllerOf(services: Services): ExplainController {
  let controller = controllers.get(services);
  if (!controller) controllers.set(services, (controller = new ExplainController(services)));
  return controller;
}

/** The CodeLens on SQL files and the plan panel's lifetime, across window reloads too. */
export function registerExplain(services: Services): void {
  const codeLens = new StatementCodeLensProvider(services.log);
  const controller = controllerOf(services);
  services.context.subscriptions.push(
    codeLens,
    vscode.languages.registerCodeLensProvider({ language: 'sql' }, codeLens),
    vscode.window.registerCustomEditorProvider(PlanEditorProvider.viewType, new PlanEditorProvider(services.context.extensionUri)),
    vscode.window.registerWebviewPanelSerializer('pgtuner.plan', {
      deserializeWebviewPanel: async (panel, state) => {
        PlanPanel.revive(panel, services.context.extensionUri, state, (m, p) => controller.onPanelAction(m, p));
      },
    }),
    { dispose: () => PlanPanel.active?.dispose() },
  );
}

/** A plan opened from the clipboard or a file, in the plan panel (Save as .plan works; there is nothing to suggest). */
function showOpened(services: Services, result: ExplainResultView): ExplainResultView {
  const controller = controllerOf(services);
  PlanPanel.show(services.context.extensionUri, result, (m, p) => controller.onPanelAction(m, p));
  return result;
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
