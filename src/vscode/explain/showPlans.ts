/**
 * The viewer side of SHOW_PLANS_COMMAND (src/vscode/plans.ts): stored plans in the plan panel,
 * one alone or two side by side with the same comparison as "Explain Again With This Index".
 */
import * as vscode from 'vscode';
import { PgTunerError } from '../../core/errors';
import { formatPlanText } from '../../core/plan/text';
import type { ShownPlan, ShowPlansArgs } from '../plans';
import type { ExplainResultView, PlanView } from './messages';
import { PanelActionHandler, PlanPanel } from './planPanel';

export function showPlans(extensionUri: vscode.Uri, args: ShowPlansArgs | undefined, onAction: PanelActionHandler): ExplainResultView {
  const { before, after } = args ?? {};
  if (!isShown(before) || (after !== undefined && !isShown(after)))
    throw new PgTunerError(
      'BAD_INPUT',
      vscode.l10n.t('Show Plans takes {0}, each a plan with its statement, connection and title.', '{ before, after? }'),
    );
  const result: ExplainResultView = {
    mode: 'explain',
    statement: before.statement,
    connection: before.connection,
    before: planView(before),
    suggestions: [],
    notes: before.plan.notes ?? [],
  };
  const panel = PlanPanel.show(extensionUri, result, onAction);
  if (after) panel.showComparison(-1, planView(after), { before: before.title, after: after.title });
  return result;
}

const planView = (shown: ShownPlan): PlanView => ({ plan: shown.plan, text: formatPlanText(shown.plan) });

function isShown(v: unknown): v is ShownPlan {
  const s = v as ShownPlan | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.statement === 'string' &&
    typeof s.connection === 'string' &&
    typeof s.title === 'string' &&
    typeof s.plan?.root === 'object'
  );
}
