/**
 * What the explain and history features exchange, so neither imports the other's folder: the
 * explain controller hands each explained plan to a PlanRecorder (services.plans), and the
 * history shows stored plans through the plan viewer's internal command SHOW_PLANS_COMMAND.
 */
import type { Plan } from '../core/plan/types';

/** One Explain / Explain & Suggest run, as the history records it. */
export interface ExplainedPlan {
  statement: string;
  /** The connection profile's name (never a URL or a password). */
  connection: string;
  plan: Plan;
}

export interface PlanRecorder {
  record(explained: ExplainedPlan): void;
}

/** A plan to show, with the heading the viewer gives it ("Plan of 11:02:03 on shop, estimates"). */
export interface ShownPlan extends ExplainedPlan {
  title: string;
}

/** Shows `before` in the plan viewer; with `after`, both side by side with what changed between them. */
export interface ShowPlansArgs {
  before: ShownPlan;
  after?: ShownPlan;
}

export const SHOW_PLANS_COMMAND = 'pgtuner.showPlans';
