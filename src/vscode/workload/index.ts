/**
 * Workload advice in the editor: "Advise Workload" (pg_stat_statements, SQL files or a workload
 * file → the report panel → Create Migration, or Measure off production) and the "Top Queries" view (pg_stat_statements by
 * total time; Explain & Suggest on a statement; Reset Statistics for before/after comparisons).
 * Every command also takes a plain argument, so tests and scripts can drive it without prompts.
 */
import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import { Database } from '../../core/db/database';
import { adviseWorkload } from '../../core/workload/adviseWorkload';
import { measureWorkload, summaryOf, withTimes } from '../../core/workload/measure';
import { parseBudget } from '../../core/workload/budget';
import { MAX_CODE_FILE_BYTES, parseWorkloadFile, readText, statementsFromCode, statementsFromSqlPaths } from '../../core/workload/inputs';
import { formatBytes } from '../../core/format';
import { readTopQueries, resetTopQueries, TopQuery } from '../../core/workload/topQueries';
import { WorkloadInput, WorkloadReport } from '../../core/workload/types';
import { readSettings } from '../config';
import { Command } from '../runner';
import { Services } from '../services';
import { folderFor } from '../workspaceFolder';
import { WorkloadActions, WorkloadPanel } from './reportPanel';
import { queryDescription, queryLabel, TopQueriesTree } from './topQueriesView';

/** The optional argument of pgtuner.adviseWorkload (tests, scripts); anything missing is asked. */
export interface AdviseWorkloadArgs {
  source?: 'stats' | 'files' | 'code' | 'workload';
  /** SQL files/folders (files), folders of JS/TS code (code), or the workload JSON file (workload). */
  paths?: string[];
  /** pg_stat_statements: how many top statements (default: the setting). */
  top?: number;
  /** "500MB", "10%"; empty: no limit. */
  budget?: string;
  maxIndexes?: number;
}

/** Top Queries: the view and its tree, one per window. */
class TopQueriesView implements vscode.Disposable {
  readonly tree: TopQueriesTree;
  readonly view: vscode.TreeView<TopQuery>;
  private loadError?: string;

  constructor(private readonly services: Services) {
    this.tree = new TopQueriesTree(() => this.load());
    this.view = vscode.window.createTreeView('pgtuner.topQueries', { treeDataProvider: this.tree });
  }

  async loadNow(): Promise<TopQuery[]> {
    this.tree.refresh();
    return this.tree.getChildren();
  }

  private async load() {
    const active = this.services.connections.current();
    this.loadError = undefined;
    if (!active) return this.showMessage(undefined);
    try {
      const data = await readTopQueries(active.database, {}, { settings: readSettings(this.services.log) });
      this.showMessage(undefined);
      return data;
    } catch (err) {
      // pg_stat_statements missing or not preloaded: the view says how to enable it.
      this.loadError = err instanceof PgTunerError ? err.message : `Could not read pg_stat_statements: ${(err as Error)?.message ?? err}`;
      this.services.log.warn(`Top Queries: ${this.loadError}`);
      return this.showMessage(this.loadError);
    }
  }

  private showMessage(error: string | undefined): undefined {
    // After the tree has its data: the message describes it.
    setTimeout(() => (this.view.message = error ?? this.tree.message()), 0);
    return undefined;
  }

  get message(): string | undefined {
    return this.loadError ?? this.tree.message();
  }

  dispose(): void {
    this.view.dispose();
  }
}

const views = new WeakMap<Services, TopQueriesView>();
function topQueriesView(services: Services): TopQueriesView {
  let view = views.get(services);
  if (!view) {
    view = new TopQueriesView(services);
    services.context.subscriptions.push(view);
    views.set(services, view);
  }
  return view;
}

/** The Top Queries view follows the active connection. */
export function registerWorkload(services: Services): void {
  const { tree } = topQueriesView(services);
  services.context.subscriptions.push(
    services.connections.onDidChangeActive(() => tree.refresh()),
    {
      dispose: () => WorkloadPanel.active?.dispose(),
    },
  );
}

export function workloadCommands(services: Services): Record<string, Command> {
  const { connections, runner, log, context } = services;
  const view = topQueriesView(services);

  /** The database each shown report was advised on: Measure runs there, whichever connection is active now. */
  const advisedOn = new WeakMap<WorkloadReport, Database>();
  const actions: WorkloadActions = {
    createMigration: async (shown, indexes, drops) =>
      vscode.commands.executeCommand('pgtuner.createMigrationFromWorkload', {
        indexes: indexes.map((i) => shown.report.indexes[i]),
        drops: drops.map((i) => shown.report.drops[i]),
      }),
    measure: async (shown, picks) => {
      const database = advisedOn.get(shown.report);
      if (!database) return undefined;
      const indexes = picks.map((i) => shown.report.indexes[i]);
      const m = await runner.withProgress(
        vscode.l10n.t('Measure the workload with {0} indexes built (rolled back)', indexes.length),
        (run) => measureWorkload(database, { statements: shown.report.statements, indexes }, run),
      );
      log.info(
        `Measure Workload: ${indexes.length} indexes built in ${Math.round(m.buildMs)} ms, weighted time ${Math.round(m.weightedMsBefore)} → ${Math.round(m.weightedMsAfter)} ms`,
      );
      const report = { ...shown.report, statements: withTimes(shown.report.statements, m) };
      advisedOn.set(report, database);
      return {
        ...shown,
        report,
        measured: { ...summaryOf(m), indexes: indexes.map((ix) => ix.name) },
      };
    },
  };

  const advise = async (arg: AdviseWorkloadArgs | undefined): Promise<WorkloadReport | undefined> => {
    const active = await connections.requireActive();
    if (!active) return undefined;
    const source = await pickSource(arg);
    if (!source) return undefined;
    const limits = await pickLimits(arg);
    if (!limits) return undefined;
    const input: WorkloadInput = { ...source.input, ...limits };
    const report = await runner.withProgress(vscode.l10n.t('Advise Workload ({0})', source.label), (run) =>
      adviseWorkload(active.database, input, run),
    );
    log.info(
      `Advise Workload on ${active.profile.name}: ${report.statements.length} statements, ${report.indexes.length} indexes, ${report.drops.length} drops, ${report.search.whatIfPlans} what-if plans in ${report.search.ms} ms`,
    );
    advisedOn.set(report, active.database);
    WorkloadPanel.show(
      context.extensionUri,
      {
        report,
        connection: describeProfile(active.profile),
        source: source.label,
        measurable: active.profile.environment !== 'production',
      },
      actions,
    );
    return report;
  };

  const explain = (q: TopQuery | undefined) => {
    if (!q?.query) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Pick a statement in the PG Tuner "Top Queries" view.'));
    if (!q.explainable)
      throw new PgTunerError(
        'BAD_INPUT',
        vscode.l10n.t('Explain & Suggest takes SELECT, WITH, INSERT, UPDATE, DELETE and MERGE; this is: {0}', queryLabel(q.query)),
      );
    return vscode.commands.executeCommand('pgtuner.explainAndSuggest', { sql: q.query });
  };

  const open = async (q: TopQuery | undefined) => {
    if (!q?.query) return undefined;
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: `-- ${queryDescription(q)}\n${q.query}\n` });
    return vscode.window.showTextDocument(document, { preview: true });
  };

  const reset = async (arg: { confirmed?: boolean } | undefined) => {
    const active = await connections.requireActive();
    if (!active) return undefined;
    const production = active.profile.environment === 'production';
    if (!arg?.confirmed) {
      const go = await vscode.window.showWarningMessage(
        vscode.l10n.t('Reset pg_stat_statements for this database on {0}{1}?', production ? 'PRODUCTION ' : '', active.profile.name),
        {
          modal: true,
          detail: vscode.l10n.t(
            'Every statement of this database starts again from zero calls and time: use it before a change to compare before and after. Monitoring that reads these statistics loses their history.',
          ),
        },
        'Reset Statistics',
      );
      if (go !== 'Reset Statistics') return undefined;
    }
    await runner.withProgress(vscode.l10n.t('Reset Statistics'), (run) =>
      resetTopQueries(active.database, { confirmedProduction: true }, run),
    );
    log.info(`Top Queries: pg_stat_statements reset for ${active.profile.name}`);
    return view.loadNow();
  };

  return {
    'pgtuner.adviseWorkload': { title: 'Advise Workload', run: advise },
    'pgtuner.topQueries.refresh': { title: 'Refresh Top Queries', run: () => view.loadNow() },
    'pgtuner.topQueries.reset': { title: 'Reset Statistics', run: reset },
    'pgtuner.topQueries.explain': { title: 'Explain & Suggest', run: explain },
    'pgtuner.topQueries.open': { title: 'Open Statement', run: open },
    // The view and panel for the extension tests: what they show, and the panel's button.
    'pgtuner.test.topQueries': {
      title: 'Top Queries items',
      run: async () => ({ items: await view.loadNow(), message: view.message }),
    },
    'pgtuner.test.workloadPanelState': {
      title: 'Workload Panel State',
      run: () => {
        const panel = WorkloadPanel.active;
        return panel && { posted: panel.lastPosted, rendered: panel.lastRendered };
      },
    },
    'pgtuner.test.workloadPanelMessage': {
      title: 'Workload Panel Message',
      run: (message: Parameters<WorkloadPanel['receive']>[0]) => WorkloadPanel.active?.receive(message),
    },
  };
}

type SourceChoice = { input: WorkloadInput; label: string };
type Source = NonNullable<AdviseWorkloadArgs['source']>;

async function pickSource(arg: AdviseWorkloadArgs | undefined): Promise<SourceChoice | undefined> {
  let source = arg?.source;
  if (!source) {
    const items: (vscode.QuickPickItem & { source: Source })[] = [
      {
        source: 'stats',
        label: vscode.l10n.t('Top statements of pg_stat_statements'),
        detail: vscode.l10n.t('What the application ran, by total time'),
      },
      {
        source: 'files',
        label: vscode.l10n.t('SQL files or folders…'),
        detail: vscode.l10n.t('Weights from "-- pgtuner: calls=N" comments'),
      },
      {
        source: 'code',
        label: vscode.l10n.t('SQL in JS/TS code…'),
        detail: vscode.l10n.t('String and template literals of the source files under the folders you pick'),
      },
      { source: 'workload', label: vscode.l10n.t('Workload file (JSON)…'), detail: '{ "statements": [ { "sql", "calls", "params" } ] }' },
    ];
    source = (
      await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Advise Workload: which statements?'), ignoreFocusOut: true })
    )?.source;
  }
  if (source === 'stats')
    return { input: { fromStats: true, top: arg?.top }, label: `pg_stat_statements${arg?.top ? `, top ${arg.top}` : ''}` };
  if (!source) return undefined;
  const paths = arg?.paths ?? (await pickPaths(source));
  if (!paths?.length) return undefined;
  const where = paths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
  if (source === 'workload') return { input: { statements: parseWorkloadFile(readText(paths[0]), paths[0]) }, label: where };
  const { statements, inputNotes } =
    source === 'code' ? codeStatements(paths) : { statements: statementsFromSqlPaths(paths), inputNotes: [] };
  if (!statements.length) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('No SQL statement found in {0}.', where));
  return { input: { statements, inputNotes }, label: vscode.l10n.t('{0} statements from {1}', statements.length, where) };
}

/** The SQL of JS/TS literals under the folders; bundles and generated files over the size cap are left out and said. */
function codeStatements(paths: string[]) {
  const { statements, skipped } = statementsFromCode(paths);
  const inputNotes = skipped.length
    ? [vscode.l10n.t('Left out {0} source file(s) over {1}: {2}.', skipped.length, formatBytes(MAX_CODE_FILE_BYTES), skipped.join(', '))]
    : [];
  return { statements, inputNotes };
}

const DIALOGS: Record<Exclude<Source, 'stats'>, () => vscode.OpenDialogOptions> = {
  files: () => ({
    title: vscode.l10n.t('SQL files or folders of the workload'),
    canSelectFolders: true,
    canSelectMany: true,
    filters: { SQL: ['sql'] },
  }),
  code: () => ({ title: vscode.l10n.t('Folders of JS/TS code'), canSelectFiles: false, canSelectFolders: true, canSelectMany: true }),
  workload: () => ({ title: vscode.l10n.t('Workload file'), filters: { JSON: ['json'] } }),
};

async function pickPaths(source: Exclude<Source, 'stats'>): Promise<string[] | undefined> {
  const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, defaultUri: folderFor()?.uri, ...DIALOGS[source]() });
  return uris?.map((u) => u.fsPath);
}

async function pickLimits(arg: AdviseWorkloadArgs | undefined): Promise<Pick<WorkloadInput, 'budget' | 'maxIndexes'> | undefined> {
  const text =
    arg?.budget ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Advise Workload: storage budget for new indexes'),
      prompt: vscode.l10n.t('A size (500MB, 2GB) or a share of the database size (10%); empty for no limit'),
      ignoreFocusOut: true,
      validateInput: (value) => {
        if (!value.trim()) return undefined;
        try {
          parseBudget(value);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    }));
  if (text === undefined) return undefined;
  return { budget: text.trim() ? parseBudget(text) : undefined, maxIndexes: arg?.maxIndexes };
}
