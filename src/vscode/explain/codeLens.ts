/** "Explain & Suggest" · "Explain" above every statement of a SQL file (setting pgtuner.explain.codeLens). */
import * as vscode from 'vscode';
import { splitStatements } from '../../core/sql/split';
import { affects, readSettings } from '../config';
import { ExplainArgs } from './target';

export class StatementCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly watcher = vscode.workspace.onDidChangeConfiguration((e) => {
    if (affects(e, 'explain.codeLens')) this.changed.fire();
  });

  constructor(private readonly log: vscode.LogOutputChannel) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings(this.log, document.uri)['explain.codeLens']) return [];
    return splitStatements(document.getText()).flatMap((statement) => {
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
