/**
 * The plan history of one workspace, in the editor's storage for that workspace
 * (ExtensionContext.storageUri/plan-history.json): never a file in the repository, never sent
 * anywhere. Without a folder open there is no workspace storage, and the history lasts as long
 * as the window. Changes are applied one at a time, each rewriting the file (at most
 * HISTORY_MAX_BYTES) through a temporary file, so a crash leaves the old or the new history.
 */
import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import {
  addToHistory,
  HISTORY_MAX_BYTES,
  historyEntry,
  HistoryEntry,
  PlanHistory,
  readHistory,
  removeEntries,
  retain,
} from '../../core/plan/history';
import { readSettings } from '../config';
import type { ExplainedPlan, PlanRecorder } from '../plans';

const FILE_NAME = 'plan-history.json';

export class PlanHistoryStore implements PlanRecorder, vscode.Disposable {
  private history?: PlanHistory;
  /** The queue of changes: each waits for the one before, so two Explains never lose one another's plan. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly storageUri: vscode.Uri | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Where the history is kept; undefined when the window has no workspace storage (memory only). */
  get file(): vscode.Uri | undefined {
    return this.storageUri && vscode.Uri.joinPath(this.storageUri, FILE_NAME);
  }

  /** The explain controller's hook: never throws, a failure to store is logged. */
  record(explained: ExplainedPlan): void {
    void this.add(explained);
  }

  /** Adds a plan (unless pgtuner.plan.historySize is 0); the entry, or undefined when none was kept. */
  add(explained: ExplainedPlan): Promise<HistoryEntry | undefined> {
    const perStatement = readSettings(this.log)['plan.historySize'];
    if (perStatement === 0) return Promise.resolve(undefined);
    const entry = historyEntry({ ...explained, id: randomUUID(), at: new Date() });
    return this.update((history) => {
      const kept = addToHistory(history, entry, { perStatement, maxBytes: HISTORY_MAX_BYTES });
      if (kept.dropped.includes(entry))
        this.log.warn(`Plan history: this plan alone is larger than the history's ${HISTORY_MAX_BYTES / 1024 / 1024} MiB; not kept.`);
      return kept.history;
    }).then(
      (history) => history.entries.find((e) => e === entry),
      (err: unknown) => {
        this.log.error(`Plan history: could not store the plan: ${(err as Error).message}`);
        return undefined;
      },
    );
  }

  /** Every stored plan, oldest first, after the size setting (it may have been lowered since). */
  async entries(): Promise<HistoryEntry[]> {
    await this.queue.catch(() => undefined);
    const perStatement = readSettings(this.log)['plan.historySize'];
    const history = await this.load();
    return perStatement === 0 ? history.entries : retain(history, { perStatement, maxBytes: HISTORY_MAX_BYTES }).history.entries;
  }

  async find(id: string): Promise<HistoryEntry | undefined> {
    return (await this.entries()).find((e) => e.id === id);
  }

  /** Removes the plans `which` picks; how many went. */
  async remove(which: (entry: HistoryEntry) => boolean): Promise<number> {
    let removed = 0;
    await this.update((history) => {
      const left = removeEntries(history, which);
      removed = history.entries.length - left.entries.length;
      return left;
    });
    return removed;
  }

  private update(change: (history: PlanHistory) => PlanHistory): Promise<PlanHistory> {
    const next = this.queue
      .catch(() => undefined)
      .then(async () => {
        const history = change(await this.load());
        this.history = history;
        await this.save(history);
        this.changed.fire();
        return history;
      });
    this.queue = next;
    return next;
  }

  private async load(): Promise<PlanHistory> {
    if (this.history) return this.history;
    const file = this.file;
    let history: PlanHistory = { entries: [] };
    if (file) {
      try {
        history = readHistory(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file))));
      } catch (err) {
        if (!(err instanceof vscode.FileSystemError && err.code === 'FileNotFound'))
          this.log.warn(`Plan history: ${file.fsPath} could not be read (${(err as Error).message}); starting a new one.`);
      }
    }
    return (this.history = history);
  }

  private async save(history: PlanHistory): Promise<void> {
    const file = this.file;
    if (!file || !this.storageUri) return;
    await vscode.workspace.fs.createDirectory(this.storageUri);
    const temporary = vscode.Uri.joinPath(this.storageUri, `${FILE_NAME}.${process.pid}.tmp`);
    await vscode.workspace.fs.writeFile(temporary, Buffer.from(JSON.stringify(history), 'utf8'));
    await vscode.workspace.fs.rename(temporary, file, { overwrite: true });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
