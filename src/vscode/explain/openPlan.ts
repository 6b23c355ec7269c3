/**
 * "Open Plan from Clipboard" and "Open Plan File…": a plan from psql, a server log or a colleague
 * (JSON or text format, an auto_explain line) in the same plan panel, with the same hotspots.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { parsePlan } from '../../core/plan/parse';
import { readPlan } from '../../core/plan/readPlan';
import { formatPlanText } from '../../core/plan/text';
import { ExplainResultView } from './messages';

/** Files a plan is usually saved in; any text file can be opened. */
export const PLAN_FILE_FILTERS = { 'PostgreSQL plans': ['pgplan', 'json', 'plan', 'txt', 'log'], 'All files': ['*'] };

/** The panel's view of a plan read from `text`; `source` says where it came from (no connection ran it). */
export function openedPlanResult(text: string, source: string): ExplainResultView {
  const raw = readPlan(text);
  const plan = parsePlan(raw);
  const top = (Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown>;
  return {
    mode: 'explain',
    // auto_explain logs the statement with its plan; psql output does not carry it.
    statement: typeof top['Query Text'] === 'string' ? top['Query Text'] : `(plan from ${source})`,
    connection: `${source} (not run by PG Tuner)`,
    before: { plan, text: formatPlanText(plan) },
    suggestions: [],
    notes: [],
  };
}

export async function readPlanFile(arg: unknown): Promise<ExplainResultView | undefined> {
  const uri =
    arg instanceof vscode.Uri
      ? arg
      : (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            filters: PLAN_FILE_FILTERS,
            title: vscode.l10n.t('Open a PostgreSQL plan'),
          })
        )?.[0];
  if (!uri) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  return openedPlanResult(text, path.basename(uri.path));
}
