/**
 * Runs Explain / Explain & Suggest / Explain Again With This Index for the editor: picks the
 * statement, asks for parameter values and safety confirmations, runs the engine under a
 * cancellable progress notification, and shows the result in the plan panel and the log.
 */
import * as vscode from 'vscode';
import { advise, explainWithIndexes } from '../../core/advisor/advise';
import { measureSuggestion } from '../../core/advisor/measure';
import { Measured, Suggestion } from '../../core/advisor/types';
import { Database } from '../../core/db/database';
import { ExplainInput, explainStatement } from '../../core/db/safeExplain';
import { highestParam } from '../../core/sql/split';
import { describeProfile } from '../../core/db/profile';
import { ConnectionLostError } from '../../core/db/connectionErrors';
import { PgTunerError } from '../../core/errors';
import { nameHypotheticalIndex } from '../../core/plan/hypothetical';
import { formatPlanText } from '../../core/plan/text';
import { Plan } from '../../core/plan/types';
import { Run } from '../../core/run';
import { extractShape } from '../../core/sql/parse';
import { readSettings } from '../config';
import { folderFor } from '../workspaceFolder';
import { ActiveConnection, Services } from '../services';
import { chosenSuggestion, ExplainResultView, FromWebview, isSuggestionIndex, PlanView, suggestionView, withMeasured } from './messages';
import { askParameters } from './parameters';
import { PlanPanel } from './planPanel';
import { confirmAnalyze, confirmSideEffects, offerAdviseWithoutRunning } from './safety';
import { errorPosition, ExplainArgs, resolveStatement, StatementTarget } from './target';

export type ExplainMode = ExplainResultView['mode'];

/** Side effects are never allowed on production, whatever a command argument says. */
function productionSafe(active: ActiveConnection, policy: 'plain' | 'allow' | undefined): 'plain' | 'allow' | undefined {
  return policy === 'allow' && active.profile.environment === 'production' ? undefined : policy;
}

/** What a command returns (tests drive the commands and read this). */
export type CommandOutcome<T> =
  ({ status: 'done' } & T) | { status: 'cancelled'; message: string } | { status: 'failed'; code: string; message: string };

export interface ExplainAgainArgs {
  /** Index into the panel's current suggestions. */
  suggestionIndex?: number;
  suggestion?: Suggestion;
}

/** The statement on screen in the panel, for "Explain Again With This Index". */
interface PanelSource {
  sql: string;
  params?: unknown[];
  /** The SQL file: its workspace folder's settings apply to what the panel runs again. */
  document?: vscode.Uri;
}

const TITLES: Record<ExplainMode, string> = { explain: 'Explain', advise: 'Explain & Suggest' };

export class ExplainController {
  private source?: PanelSource;

  constructor(private readonly services: Services) {}

  async explain(mode: ExplainMode, args: ExplainArgs): Promise<CommandOutcome<{ result: ExplainResultView }>> {
    let target: StatementTarget | undefined;
    try {
      target = await resolveStatement(args);
      const active = await this.services.connections.requireActive();
      if (!active) return cancelled('No connection selected.');
      const { sql } = target;

      const writes = statementWrites(sql, mode);
      const paramCount = highestParam(sql);
      let params = args.params;
      let generic = args.generic === true;
      if (paramCount > 0 && !params && !generic) {
        const choice = await askParameters(this.services.context.workspaceState, sql, paramCount, target.expressions);
        if (!choice) return cancelled('Cancelled.');
        if (choice.kind === 'values') params = choice.values;
        else generic = true;
      }
      // A generic plan has no values to run the statement with: it is always plain EXPLAIN.
      let analyze = generic ? false : args.analyze;
      // A statement the planner estimates very costly may run for minutes: advice from its plain EXPLAIN is offered first.
      let withoutRunning = args.withoutRunning === true;
      if (analyze === undefined && mode === 'advise' && !withoutRunning) {
        const offer = await this.offerWithoutRunning(active, sql, params, target.document?.uri);
        if (!offer) return cancelled('Cancelled.');
        withoutRunning = offer === 'withoutRunning';
      }
      if (withoutRunning) analyze = false;
      if (analyze === undefined) {
        const decision = await confirmAnalyze(active.profile, writes);
        if (!decision) return cancelled('Cancelled.');
        analyze = decision === 'analyze';
      }

      const title = `PG Tuner: ${TITLES[mode]}${analyze ? ' (EXPLAIN ANALYZE)' : ''}`;
      // Production plans read-only unless the statement writes (or might): confirmAnalyze said so and the user went on.
      const input: ExplainInput = {
        sql,
        params: generic ? undefined : params,
        analyze,
        sideEffects: productionSafe(active, args.sideEffects),
        confirmedWrite: writes !== false,
      };
      const engine = () =>
        this.services.runner.withProgress(title, (run) => runEngine(mode, active.database, input, run), target?.document?.uri);
      let outcome: Awaited<ReturnType<typeof engine>>;
      try {
        outcome = await engine();
      } catch (err) {
        if (!(err instanceof PgTunerError && err.code === 'SIDE_EFFECTS') || input.sideEffects) throw err;
        const choice = await confirmSideEffects(active.profile, err.message);
        if (!choice) return cancelled('Cancelled: EXPLAIN ANALYZE would have run functions with side effects.');
        input.sideEffects = choice;
        outcome = await engine();
      }
      const { plan, suggestions, notes } = outcome;
      const result: ExplainResultView = {
        mode,
        statement: sql,
        parameters: paramCount === 0 ? undefined : generic ? 'generic plan' : `${paramCount} value${paramCount > 1 ? 's' : ''}`,
        connection: `${describeProfile(active.profile)} (${active.profile.environment})`,
        before: planView(plan),
        suggestions: suggestions.map(suggestionView),
        notes: withoutRunning ? [WITHOUT_RUNNING_NOTE, ...notes] : notes,
      };
      this.source = { sql, params: input.params, document: target.document?.uri };
      this.logResult(result);
      this.services.plans.record({ statement: sql, connection: active.profile.name, plan });
      PlanPanel.show(this.services.context.extensionUri, result, (m, panel) => this.onPanelAction(m, panel));
      return { status: 'done', result };
    } catch (err) {
      return this.fail(TITLES[mode], err, target);
    }
  }

  /** The what-if plan of the panel's statement with one suggested index (HypoPG), beside the current one. */
  async explainAgain(args: ExplainAgainArgs): Promise<CommandOutcome<{ after: PlanView }>> {
    try {
      const panel = PlanPanel.active;
      const suggestions: Suggestion[] = panel?.currentResult?.suggestions ?? [];
      if (!panel || !this.source)
        throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Run "Explain & Suggest Index" first; its suggestions can then be tried.'));
      const index = args.suggestion ? suggestions.indexOf(args.suggestion) : (args.suggestionIndex ?? (await pickSuggestion(suggestions)));
      if (!args.suggestion && index !== undefined && !isSuggestionIndex(index, suggestions.length)) {
        throw new PgTunerError(
          'BAD_INPUT',
          vscode.l10n.t(
            'No suggestion number {0}: the panel shows {1} (0 to {2}).',
            JSON.stringify(index),
            suggestions.length,
            suggestions.length - 1,
          ),
        );
      }
      const suggestion = args.suggestion ?? (index === undefined ? undefined : chosenSuggestion(panel.currentResult!.suggestions[index]));
      if (!suggestion) return cancelled('No suggestion chosen.');
      const active = await this.services.connections.requireActive();
      if (!active) return cancelled('No connection selected.');
      const source = this.source;
      panel.post({ type: 'busy', message: `Planning with ${suggestion.name} (hypothetical index)…` });
      const plan = await this.services.runner.withProgress(
        vscode.l10n.t('PG Tuner: Explain with {0}', suggestion.name),
        (run) => explainWithIndexes(active.database, { sql: source.sql, params: source.params, suggestions: [suggestion] }, run),
        source.document,
      );
      const after = planView(nameHypotheticalIndex(plan, suggestion.name));
      this.services.log.info(
        `Explain with ${suggestion.name} (hypothetical): cost ${fmt(panel.currentResult!.before.plan.totalCost)} → ${fmt(plan.totalCost)}\n${after.text}`,
      );
      panel.showComparison(index ?? -1, after);
      return { status: 'done', after };
    } catch (err) {
      const outcome = this.fail('Explain Again With This Index', err);
      PlanPanel.active?.post({ type: 'failed', message: outcome.message });
      return outcome;
    }
  }

  /** The plan panel's buttons (also of a panel revived after a window reload). */
  async onPanelAction(message: Exclude<FromWebview, { type: 'ready' | 'rendered' }>, panel: PlanPanel): Promise<unknown> {
    const result = panel.currentResult;
    if (!result) return undefined;
    switch (message.type) {
      case 'explainWithIndex':
        return this.explainAgain({ suggestionIndex: message.suggestionIndex });
      case 'createMigration':
        return this.createMigration(chosenSuggestion(result.suggestions[message.suggestionIndex]));
      case 'measure':
        return this.measure(message.suggestionIndex);
      case 'pickAlternative': {
        const s = result.suggestions[message.suggestionIndex];
        if (message.alternative >= (s.alternatives?.length ?? 0)) return undefined;
        const picked = { ...s, picked: message.alternative === -1 ? undefined : message.alternative };
        panel.updateSuggestion(message.suggestionIndex, picked);
        return chosenSuggestion(picked).name;
      }
      case 'copyDdl': {
        const s = chosenSuggestion(result.suggestions[message.suggestionIndex]);
        const text = [...s.requires, s.ddl].join('\n');
        await vscode.env.clipboard.writeText(text);
        void vscode.window.showInformationMessage(vscode.l10n.t('Copied the DDL of {0}.', s.name));
        return text;
      }
      case 'savePlan':
        return this.savePlan(message.which === 'after' ? panel.currentComparison?.after : result.before);
    }
  }

  /**
   * "Measure" on a card: builds its index (the default, or the picked alternative) for real inside
   * a rolled-back transaction and times the statement without and with it; the card shows the times.
   */
  async measure(suggestionIndex: number): Promise<CommandOutcome<{ measured: Measured }>> {
    try {
      const panel = PlanPanel.active;
      const view = panel?.currentResult?.suggestions[suggestionIndex];
      if (!panel || !this.source || !view)
        throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Run "Explain & Suggest Index" first; its suggestions can then be measured.'));
      const active = await this.services.connections.requireActive();
      if (!active) return cancelled('No connection selected.');
      const alternative = view.picked === undefined ? undefined : view.alternatives?.[view.picked];
      const name = alternative?.name ?? view.name;
      const { sql, params, document } = this.source;
      panel.post({
        type: 'busy',
        message: `Measuring ${name}: built for real inside a rolled-back transaction, the statement run without and with it…`,
      });
      // Functions with side effects are never run by a measurement: such a statement gets plain EXPLAIN and a note.
      const input = {
        sql,
        params,
        sideEffects: 'plain' as const,
        suggestion: chosenSuggestion({ ...view, picked: undefined }),
        alternative: alternative?.name,
      };
      const {
        before: _before,
        after,
        ...measured
      } = await this.services.runner.withProgress(
        vscode.l10n.t('PG Tuner: Measure {0}', name),
        (run) => measureSuggestion(active.database, input, run),
        document,
      );
      // The panel may show another result by now: only the card that was measured is updated.
      const current = panel.currentResult?.suggestions[suggestionIndex];
      if (current?.name === view.name) panel.updateSuggestion(suggestionIndex, withMeasured(current, view.picked, measured));
      this.services.log.info(
        `Measured ${name} (built and rolled back): ${ms(measured.msBefore)} → ${ms(measured.msAfter)}, faster of ${measured.runs} runs each` +
          `${measured.notes.map((n) => `\n  note: ${n}`).join('')}${after ? `\n${planView(after).text}` : ''}`,
      );
      return { status: 'done', measured };
    } catch (err) {
      const outcome = this.fail('Measure', err);
      PlanPanel.active?.post({ type: 'failed', message: outcome.message });
      return outcome;
    }
  }

  /**
   * Before Explain & Suggest runs a statement: its plain EXPLAIN, and when the estimated cost is
   * above pgtuner.advisor.adviseWithoutRunningCost the choice between advice from that estimated
   * plan and running it. 'run' also when the setting is 0 or the cost is below it; undefined: cancelled.
   */
  private async offerWithoutRunning(
    active: ActiveConnection,
    sql: string,
    params: unknown[] | undefined,
    resource: vscode.Uri | undefined,
  ): Promise<'run' | 'withoutRunning' | undefined> {
    const threshold = readSettings(this.services.log, resource)['advisor.adviseWithoutRunningCost'];
    if (threshold <= 0) return 'run';
    const plan = await this.services.runner.withProgress(
      vscode.l10n.t('PG Tuner: Estimating the cost (plain EXPLAIN)'),
      (run) => explainStatement(active.database, { sql, params, analyze: false }, run),
      resource,
    );
    if (plan.totalCost <= threshold) return 'run';
    return offerAdviseWithoutRunning(plan.totalCost, threshold);
  }

  private async createMigration(suggestion: Suggestion): Promise<unknown> {
    try {
      const files = await vscode.commands.executeCommand<{ upPath: string; downPath?: string }>(
        'pgtuner.createMigrationFromSuggestion',
        suggestion,
      );
      if (files)
        this.services.log.info(`Migration for ${suggestion.name}: ${files.upPath}${files.downPath ? ` and ${files.downPath}` : ''}`);
      return files;
    } catch (err) {
      return this.fail('Create Migration', err);
    }
  }

  private async savePlan(view: PlanView | undefined): Promise<vscode.Uri | undefined> {
    if (!view) return undefined;
    const folder = folderFor(this.source?.document)?.uri;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'query.plan') : undefined,
      filters: { 'PostgreSQL plan': ['plan'] },
      title: vscode.l10n.t('Save the plan as text'),
    });
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(view.text, 'utf8'));
    await vscode.window.showTextDocument(uri, { preview: false });
    return uri;
  }

  private logResult(r: ExplainResultView): void {
    const plan = r.before.plan;
    const lines = [
      `${TITLES[r.mode]} on ${r.connection}${r.parameters ? ` with ${r.parameters}` : ''}: ${oneLine(r.statement)}`,
      `  cost ${fmt(plan.totalCost)}, planning ${ms(plan.planningMs)}, execution ${plan.analyzed ? ms(plan.executionMs) : 'not executed'}`,
      ...plan.hotspots.map((h) => `  hotspot: ${h.message}`),
      ...r.suggestions.map(
        (s, i) =>
          `  suggestion ${i + 1}: ${s.ddl} [${s.kinds.join(', ')}] cost ${fmt(s.evidence.costBefore)} → ${fmt(s.evidence.costAfter)}, verified by ${s.evidence.verifiedBy}. ${s.reason}`,
      ),
      ...r.notes.map((n) => `  note: ${n}`),
      r.before.text,
    ];
    this.services.log.info(lines.join('\n'));
  }

  /**
   * Shows a failure through the runner, with the SQL's line and column mapped onto the file (the
   * cursor moves there), and returns it as the command's outcome.
   */
  private fail(title: string, err: unknown, target?: StatementTarget): CommandOutcome<never> {
    if (err instanceof ConnectionLostError) return { status: 'failed', code: err.code, message: this.services.runner.report(title, err) };
    const code = err instanceof PgTunerError ? err.code : 'INTERNAL';
    const raw =
      code === 'TIMEOUT'
        ? `The statement ran longer than ${readSettings(this.services.log, target?.document?.uri).statementTimeoutSeconds} s and was stopped on the server. Raise "pgtuner.statementTimeoutSeconds" or make the query cheaper.`
        : err instanceof Error
          ? err.message
          : String(err);
    const { message, position } = target ? errorPosition(raw, target) : { message: raw };
    if (position && target?.document) revealPosition(target.document, position);
    this.services.runner.report(
      title,
      err instanceof PgTunerError && message !== err.message ? new PgTunerError(err.code, message, { cause: err }) : err,
    );
    return code === 'CANCELLED' ? { status: 'cancelled', message } : { status: 'failed', code, message };
  }
}

/** The engine call of each mode, in the shape the plan panel shows. */
async function runEngine(
  mode: ExplainMode,
  db: Database,
  input: ExplainInput,
  run: Run,
): Promise<{ plan: Plan; suggestions: Suggestion[]; notes: string[] }> {
  if (mode === 'advise') {
    const advice = await advise(db, input, run);
    return { plan: advice.before, suggestions: advice.suggestions, notes: advice.notes };
  }
  const plan = await explainStatement(db, input, run);
  return { plan, suggestions: [], notes: plan.notes ?? [] };
}

/**
 * Whether the statement writes, from its parsed shape. Explain & Suggest needs the shape anyway,
 * so a parse error stops it here (with line and column); plain Explain lets the server judge
 * SQL our parser does not know.
 */
function statementWrites(sql: string, mode: ExplainMode): boolean | undefined {
  try {
    return extractShape(sql).writes;
  } catch (err) {
    if (mode === 'advise' || !(err instanceof PgTunerError)) throw err;
    return undefined;
  }
}

async function pickSuggestion(suggestions: Suggestion[]): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(
    suggestions.map((s, index) => ({ label: s.name, description: s.kinds.join(', '), detail: s.ddl, index })),
    { title: vscode.l10n.t('Explain again with which index?') },
  );
  return picked?.index;
}

function revealPosition(document: vscode.TextDocument, position: vscode.Position): void {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  if (!editor) return;
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

function planView(plan: Plan): PlanView {
  return { plan, text: formatPlanText(plan) };
}

/** Said in the notes of advice given from the estimated plan because the user chose not to run the statement. */
const WITHOUT_RUNNING_NOTE =
  'Advised without running the statement: the advice comes from the estimated plan (plain EXPLAIN, nothing executed). "Measure" on a suggestion times the statement with its index.';

function cancelled(message: string): CommandOutcome<never> {
  return { status: 'cancelled', message };
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(3)} ms`);
