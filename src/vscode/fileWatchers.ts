import * as vscode from 'vscode';

/**
 * File watchers kept in step with what a view or source follows now: settings and workspace
 * folders change while we run, so the set of watched files does too.
 */
export class FileWatchers implements vscode.Disposable {
  private readonly watchers = new Map<string, vscode.FileSystemWatcher>();

  /** `onChange` runs when a watched file is created, changed or deleted. */
  constructor(private readonly onChange: () => void) {}

  /** Watches exactly these patterns (`*.sql` in a folder, one file by its name, …); the others are disposed. */
  follow(patterns: readonly vscode.RelativePattern[]): void {
    const wanted = new Map(patterns.map((p) => [`${p.baseUri.toString()}\n${p.pattern}`, p]));
    for (const [key, watcher] of this.watchers)
      if (!wanted.has(key)) {
        watcher.dispose();
        this.watchers.delete(key);
      }
    const changed = () => this.onChange();
    for (const [key, pattern] of wanted) {
      if (this.watchers.has(key)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      watcher.onDidCreate(changed);
      watcher.onDidChange(changed);
      watcher.onDidDelete(changed);
      this.watchers.set(key, watcher);
    }
  }

  dispose(): void {
    this.follow([]);
  }
}
