/**
 * The messages between the plan panel's webview (media/plan.js) and the extension, in one place:
 * the extension imports these types, and plan.js names them in JSDoc (`// @ts-check`).
 */
import type { Suggestion } from '../../core/advisor/types';
import { formatBytes } from '../../core/format';
import type { PlanComparison } from '../../core/plan/compare';
import type { Plan } from '../../core/plan/types';

/** A plan together with its EXPLAIN-style text (formatPlanText), so the webview needs no engine code. */
export interface PlanView {
  plan: Plan;
  text: string;
}

/** What one run of Explain / Explain & Suggest produced, as the panel shows it. */
export interface ExplainResultView {
  mode: 'explain' | 'advise';
  statement: string;
  /** "2 values" / "generic plan" / undefined without parameters; values themselves are not shown. */
  parameters?: string;
  /** user@host:port/db (environment); never a password. */
  connection: string;
  before: PlanView;
  suggestions: SuggestionView[];
  notes: string[];
}

/** A suggestion as the panel shows it: its size already formatted by the core's formatter (the webview has none of its own). */
export type SuggestionView = Suggestion & { sizeText: string };

export function suggestionView(s: Suggestion): SuggestionView {
  return { ...s, sizeText: s.evidence.sizeBytes === null ? '–' : formatBytes(s.evidence.sizeBytes) };
}

/** The what-if plan of one suggestion and what changed against the current plan. */
export interface Comparison {
  /** The suggestion whose what-if plan this is; -1 for two stored plans (the plan history). */
  suggestionIndex: number;
  after: PlanView;
  diff: PlanComparison;
  /** Headings of the two plans when they are not "Current plan" / "With <index>" (the plan history's). */
  titles?: { before: string; after: string };
}

export type ToWebview =
  | { type: 'result'; result: ExplainResultView }
  /** The what-if plan with one suggestion's index (HypoPG), shown beside the current plan. */
  | ({ type: 'comparison' } & Comparison)
  | { type: 'busy'; message: string }
  | { type: 'failed'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'createMigration'; suggestionIndex: number }
  | { type: 'copyDdl'; suggestionIndex: number }
  | { type: 'explainWithIndex'; suggestionIndex: number }
  | { type: 'savePlan'; which: 'before' | 'after' }
  /** The panel's visible text after each render (lets tests and logs see what the user sees). */
  | { type: 'rendered'; text: string; renderMs?: number };

/**
 * A message from the webview as the extension may act on it, or undefined: the webview's content
 * is not trusted, so the type must be known, a suggestionIndex an integer within the suggestions
 * shown (not "constructor", -1, 1.5 or past the end), `which` one of its two values.
 */
export function checkFromWebview(message: unknown, suggestionCount: number): FromWebview | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rendered':
      if (typeof m.text !== 'string') return undefined;
      return Number.isFinite(m.renderMs)
        ? { type: 'rendered', text: m.text, renderMs: m.renderMs as number }
        : { type: 'rendered', text: m.text };
    case 'savePlan':
      return m.which === 'before' || m.which === 'after' ? { type: 'savePlan', which: m.which } : undefined;
    case 'createMigration':
    case 'copyDdl':
    case 'explainWithIndex':
      return isSuggestionIndex(m.suggestionIndex, suggestionCount) ? { type: m.type, suggestionIndex: m.suggestionIndex } : undefined;
    default:
      return undefined;
  }
}

export function isSuggestionIndex(index: unknown, suggestionCount: number): index is number {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < suggestionCount;
}
