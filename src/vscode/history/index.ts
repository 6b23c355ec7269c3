/**
 * The plan history in the editor: the "Plan History" view and its commands — reopen a plan,
 * compare two plans (of one statement or any two), delete a plan or a statement's plans, clear
 * all. Plans are shown in the explain feature's viewer through SHOW_PLANS_COMMAND.
 */
import * as vscode from 'vscode';
import { HistoryEntry, planOf } from '../../core/plan/history';
import { PgTunerError } from '../../core/errors';
import { affects } from '../config';
import type { AppServices } from '../createServices';
import { SHOW_PLANS_COMMAND, ShownPlan, ShowPlansArgs } from '../plans';
import { Command } from '../runner';
import { durationText, HistoryNode, HistoryTree, localTime, oneLine } from './historyView';
import { PlanHistoryStore } from './store';

/**
 * What the commands take: a row of the view, or (tests, scripts) `{ id }` for a plan, `{ key }`
 * for a statement's plans; `otherId` names the plan to compare with, `confirmed` answers the
 * question asked before deleting more than one plan.
 */
export interface HistoryArgs {
  id?: string;
  key?: string;
  otherId?: string;
  confirmed?: boolean;
}

/** pgtuner.comparePlans: two plan ids, or none to pick both from the history. */
export interface ComparePlansArgs {
  before?: string;
  after?: string;
}

export function registerHistory(services: AppServices): void {
  const tree = new HistoryTree(services.plans);
  services.context.subscriptions.push(
    tree,
    vscode.window.createTreeView('pgtuner.planHistory', { treeDataProvider: tree }),
    // A lower size shows fewer plans at once (the file keeps them until the next plan is recorded).
    vscode.workspace.onDidChangeConfiguration((e) => affects(e, 'plan.historySize') && tree.refresh()),
  );
}

export function historyCommands(services: AppServices): Record<string, Command> {
  const store = services.plans;
  return {
    'pgtuner.history.reopen': {
      title: 'Reopen Plan',
      run: async (arg?: HistoryArgs) => {
        const entry = await entryOf(store, arg);
        return show(shown(entry));
      },
    },
    'pgtuner.history.compareWith': {
      title: 'Compare With…',
      run: async (arg?: HistoryArgs) => {
        const base = await entryOf(store, arg);
        const other = arg?.otherId ? await required(store, arg.otherId) : await pickPlan(store, 'Compare with which plan?', base);
        if (!other) return undefined;
        // Earlier plan on the left: "before" and "after" read as time went.
        const [before, after] = Date.parse(other.at) < Date.parse(base.at) ? [other, base] : [base, other];
        return compare(before, after);
      },
    },
    'pgtuner.comparePlans': {
      title: 'Compare Two Plans',
      run: async (arg?: ComparePlansArgs) => {
        const before = arg?.before ? await required(store, arg.before) : await pickPlan(store, 'Compare two plans: the first (before)');
        if (!before) return undefined;
        const after = arg?.after
          ? await required(store, arg.after)
          : await pickPlan(store, 'Compare two plans: the second (after)', before);
        return after && compare(before, after);
      },
    },
    'pgtuner.history.delete': {
      title: 'Delete',
      run: async (arg?: HistoryArgs) => {
        if (arg?.id) return store.remove((e) => e.id === arg.id);
        const group = (await store.entries()).filter((e) => e.key === arg?.key);
        if (!group.length)
          throw new PgTunerError(
            'BAD_INPUT',
            vscode.l10n.t('No plans of that statement in the history: pick a row of the Plan History view.'),
          );
        if (!arg?.confirmed && !(await confirm(`Delete the ${group.length} stored plans of "${oneLine(group[0].statement, 60)}"?`)))
          return 0;
        return store.remove((e) => e.key === arg?.key);
      },
    },
    'pgtuner.history.clear': {
      title: 'Clear Plan History',
      run: async (arg?: { confirmed?: boolean }) => {
        const count = (await store.entries()).length;
        if (!count) return 0;
        if (!arg?.confirmed && !(await confirm(`Delete all ${count} stored plans of this workspace?`))) return 0;
        return store.remove(() => true);
      },
    },
    // For the extension tests: the stored plans, the file that holds them and the view's rows.
    'pgtuner.test.planHistory': {
      title: 'Plan History',
      run: async () => ({ entries: await store.entries(), file: store.file?.fsPath, rows: await viewRows(new HistoryTree(store)) }),
    },
  };
}

/** The view as a user reads it: each row's label and description, with the rows below it. */
interface ViewRow {
  label: string;
  description: string;
  rows: ViewRow[];
}
async function viewRows(tree: HistoryTree, node?: HistoryNode): Promise<ViewRow[]> {
  const rows = await Promise.all(
    (await tree.getChildren(node)).map(async (child) => {
      const item = tree.getTreeItem(child);
      return { label: String(item.label), description: String(item.description), rows: await viewRows(tree, child) };
    }),
  );
  if (!node) tree.dispose();
  return rows;
}

async function entryOf(store: PlanHistoryStore, arg: HistoryArgs | HistoryNode | undefined): Promise<HistoryEntry> {
  const a = (arg ?? {}) as HistoryArgs;
  if (a.id) return required(store, a.id);
  // A statement row stands for its newest plan.
  const newest = a.key ? (await store.entries()).filter((e) => e.key === a.key).pop() : undefined;
  const entry = newest ?? (await pickPlan(store, 'Which plan?'));
  if (!entry) throw new PgTunerError('CANCELLED', vscode.l10n.t('No plan chosen.'));
  return entry;
}

async function required(store: PlanHistoryStore, id: string): Promise<HistoryEntry> {
  const entry = await store.find(id);
  if (!entry)
    throw new PgTunerError(
      'BAD_INPUT',
      vscode.l10n.t('No plan {0} in the history (deleted, or past the history size).', JSON.stringify(id)),
    );
  return entry;
}

/** A plan from the history, the plans of `near`'s statement first (newest first), then the others. */
async function pickPlan(store: PlanHistoryStore, title: string, near?: HistoryEntry): Promise<HistoryEntry | undefined> {
  const entries = (await store.entries()).filter((e) => e.id !== near?.id).reverse();
  if (!entries.length) {
    void vscode.window.showInformationMessage(
      near
        ? 'There is no other plan in the history yet: explain a statement again first.'
        : 'The plan history is empty: explain a statement first.',
    );
    return undefined;
  }
  const sameFirst = near ? [...entries.filter((e) => e.key === near.key), ...entries.filter((e) => e.key !== near.key)] : entries;
  const picked = await vscode.window.showQuickPick(
    sameFirst.map((entry) => ({
      label: localTime(entry.at),
      description: `${entry.connection} · ${durationText(entry)}${near && entry.key === near.key ? ' · same statement' : ''}`,
      detail: oneLine(entry.statement, 120),
      entry,
    })),
    { title, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.entry;
}

function shown(entry: HistoryEntry, other?: HistoryEntry): ShownPlan {
  const kind = entry.analyzed ? durationText(entry) : 'estimates, not run';
  const statement = other && other.key !== entry.key ? ` — ${oneLine(entry.statement, 40)}` : '';
  return {
    statement: entry.statement,
    connection: entry.connection,
    plan: planOf(entry),
    title: `${localTime(entry.at)} on ${entry.connection} (${kind})${statement}`,
  };
}

async function compare(before: HistoryEntry, after: HistoryEntry): Promise<ShowPlansArgs> {
  return show(shown(before, after), shown(after, before));
}

async function show(before: ShownPlan, after?: ShownPlan): Promise<ShowPlansArgs> {
  const args: ShowPlansArgs = { before, after };
  await vscode.commands.executeCommand(SHOW_PLANS_COMMAND, args);
  return args;
}

async function confirm(question: string): Promise<boolean> {
  return (await vscode.window.showWarningMessage(question, { modal: true }, 'Delete')) === 'Delete';
}
