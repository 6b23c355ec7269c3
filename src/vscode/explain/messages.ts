/**
 * The messages between the plan panel's webview (media/plan.js) and the extension, in one place:
 * the extension imports these types, and plan.js names them in JSDoc (`// @ts-check`).
 */
import type { Measured, Suggestion } from '../../core/advisor/types';
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

/**
 * A suggestion as the panel shows it: sizes already formatted by the core's formatter (the webview
 * has none of its own), and which of its indexes the user picked for Create Migration.
 */
export type SuggestionView = Suggestion & {
  sizeText: string;
  /** Sizes of `alternatives`, formatted, in their order. */
  alternativeSizeTexts: string[];
  /** The alternative picked instead of the default (index into `alternatives`); undefined: the default. */
  picked?: number;
};

export function suggestionView(s: Suggestion): SuggestionView {
  const size = (bytes: number | null) => (bytes === null ? '–' : formatBytes(bytes));
  return { ...s, sizeText: size(s.evidence.sizeBytes), alternativeSizeTexts: (s.alternatives ?? []).map((a) => size(a.sizeBytes)) };
}

/**
 * The suggestion as Create Migration, Copy DDL, Explain Again and Measure use it: the picked
 * alternative's index in place of the default one (same table; the reason says it was picked).
 */
export function chosenSuggestion(s: SuggestionView): Suggestion {
  const { sizeText: _size, alternativeSizeTexts: _sizes, picked, ...suggestion } = s;
  const alt = picked === undefined ? undefined : s.alternatives?.[picked];
  if (!alt) return suggestion;
  return {
    ...suggestion,
    method: alt.method,
    kinds: alt.kinds,
    name: alt.name,
    ddl: alt.ddl,
    down: alt.down,
    requires: [],
    reason: `${alt.name} (${alt.method}), picked instead of the default ${s.name}. ${s.reason}`,
    evidence: { ...s.evidence, costAfter: alt.costAfter, sizeBytes: alt.sizeBytes, verifiedBy: alt.verifiedBy, measured: alt.measured },
    alternatives: undefined,
  };
}

/** A measurement of a suggestion's default index (alternative undefined) or of one of its alternatives. */
export function withMeasured(s: SuggestionView, alternative: number | undefined, measured: Measured): SuggestionView {
  if (alternative === undefined) return { ...s, evidence: { ...s.evidence, measured } };
  return { ...s, alternatives: s.alternatives?.map((a, i) => (i === alternative ? { ...a, measured } : a)) };
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
  /** One card changed (measured, another index picked). */
  | { type: 'suggestion'; suggestionIndex: number; suggestion: SuggestionView }
  | { type: 'busy'; message: string }
  | { type: 'failed'; message: string }
  /**
   * Extension tests act in the webview as a user would (its content is out of reach of the
   * extension API): focus the element `selector` finds, click it, press `keys` there; the
   * webview then reports what it shows ('rendered').
   */
  | { type: 'userInput'; selector: string; click?: boolean; keys?: string[] };

/** What the plan views show besides their text (tests and the log read it). */
export interface RenderedView {
  format: string;
  /** The selected node ("before-3"), and the elements marked selected on screen (their data-node). */
  selected?: string;
  marked: string[];
  /** The graph on screen: its nodes and edges, the boxes built now (those near the viewport) and its pan/zoom transform. */
  graph?: { nodes: number; edges: number; shown: number; transform: string };
}

export type FromWebview =
  | { type: 'ready' }
  | { type: 'createMigration'; suggestionIndex: number }
  | { type: 'copyDdl'; suggestionIndex: number }
  | { type: 'explainWithIndex'; suggestionIndex: number }
  /** Build the index for real (rolled back) and time the statement: the default, or the picked alternative. */
  | { type: 'measure'; suggestionIndex: number }
  /** Which index Create Migration uses: an alternative's index, or -1 for the default. */
  | { type: 'pickAlternative'; suggestionIndex: number; alternative: number }
  | { type: 'savePlan'; which: 'before' | 'after' }
  /** The panel's visible text after each render (lets tests and logs see what the user sees). */
  | { type: 'rendered'; text: string; renderMs?: number; view?: RenderedView };

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
      return {
        type: 'rendered',
        text: m.text,
        ...(Number.isFinite(m.renderMs) ? { renderMs: m.renderMs as number } : {}),
        ...(isRenderedView(m.view) ? { view: m.view } : {}),
      };
    case 'savePlan':
      return m.which === 'before' || m.which === 'after' ? { type: 'savePlan', which: m.which } : undefined;
    case 'createMigration':
    case 'copyDdl':
    case 'explainWithIndex':
    case 'measure':
      return isSuggestionIndex(m.suggestionIndex, suggestionCount) ? { type: m.type, suggestionIndex: m.suggestionIndex } : undefined;
    case 'pickAlternative':
      // The alternative's range is the suggestion's: the controller checks it against the card.
      return isSuggestionIndex(m.suggestionIndex, suggestionCount) && Number.isInteger(m.alternative) && (m.alternative as number) >= -1
        ? { type: 'pickAlternative', suggestionIndex: m.suggestionIndex, alternative: m.alternative as number }
        : undefined;
    default:
      return undefined;
  }
}

/** Only a well-formed view report is kept (it is logged and read by tests, never acted on). */
function isRenderedView(v: unknown): v is RenderedView {
  const r = v as RenderedView | undefined;
  const graphOk =
    r?.graph === undefined ||
    (Number.isInteger(r.graph.nodes) &&
      Number.isInteger(r.graph.edges) &&
      Number.isInteger(r.graph.shown) &&
      typeof r.graph.transform === 'string');
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.format === 'string' &&
    (r.selected === undefined || typeof r.selected === 'string') &&
    Array.isArray(r.marked) &&
    r.marked.every((k) => typeof k === 'string') &&
    graphOk
  );
}

export function isSuggestionIndex(index: unknown, suggestionCount: number): index is number {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < suggestionCount;
}
