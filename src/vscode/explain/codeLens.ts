/**
 * "Explain & Suggest" · "Explain" above each query or DML statement of a SQL file (setting
 * pgtuner.explain.codeLens): not above DDL, and not in migrations (.down files, the migrations
 * folder), where a plan of the file's statements helps no one.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { isPlannableStatement } from '../../core/sql/explainable';
import { splitStatements } from '../../core/sql/split';
import { DEFAULT_SETTINGS, Settings } from '../../core/settings/schema';
import { affects, readSettings } from '../config';
import { ExplainArgs } from './target';

export class StatementCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly watcher = vscode.workspace.onDidChangeConfiguration((e) => {
    if (affects(e, 'explain.codeLens') || affects(e, 'migrations.directory')) this.changed.fire();
  });

  constructor(private readonly log: vscode.LogOutputChannel) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const settings = readSettings(this.log, document.uri);
    if (!settings['explain.codeLens'] || isMigrationFile(document.uri, settings)) return [];
    return splitStatements(document.getText())
      .filter((statement) => isPlannableStatement(statement.text))
      .flatMap((statement) => {
        const range = new vscode.Range(document.positionAt(statement.start), document.positionAt(statement.end));
        const args: ExplainArgs = { uri: document.uri.toString(), range };
        return [
          new vscode.CodeLens(range, { title: 'Explain & Suggest', command: 'pgtuner.explainAndSuggest', arguments: [args] }),
          new vscode.CodeLens(range, { title: 'Explain', command: 'pgtuner.explain', arguments: [args] }),
        ];
      });
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}

/** A `.down` file, or a file under pgtuner.migrations.directory (resolved in the file's workspace folder). */
function isMigrationFile(uri: vscode.Uri, settings: Settings): boolean {
  if (/\.down\.sql$/i.test(uri.path)) return true;
  const setting = settings['migrations.directory'].trim() || DEFAULT_SETTINGS['migrations.directory'];
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  const folder = path.isAbsolute(setting) ? setting : root && path.join(root, setting);
  if (!folder) return false;
  const relative = path.relative(folder, uri.fsPath);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
