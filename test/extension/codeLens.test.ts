/**
 * CodeLens only where a plan helps: above SELECT / WITH / INSERT / UPDATE / DELETE / MERGE, not
 * above DDL, not in .down files or the migrations folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension } from './support';

async function lensTitlesOf(relative: string, text: string): Promise<string[]> {
  const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const document = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(document);
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  return lenses.map((l) => `${document.lineAt(l.range.start.line).text.split(' ')[0]}: ${l.command?.title}`);
}

describe('CodeLens only where a plan helps', function () {
  this.timeout(60_000);
  before(activateExtension);

  it('above queries and DML, not above DDL', async () => {
    const text = [
      'CREATE TABLE lens_t (id int);',
      'WITH x AS (SELECT 1) SELECT * FROM x;',
      'ALTER TABLE lens_t ADD note text;',
      'UPDATE lens_t SET id = 2;',
      'CREATE INDEX ON lens_t (id);',
      'SET search_path = public;',
    ].join('\n');
    assert.deepEqual(await lensTitlesOf('lens/queries.sql', text), [
      'WITH: Explain & Suggest',
      'WITH: Explain',
      'UPDATE: Explain & Suggest',
      'UPDATE: Explain',
    ]);
  });

  it('not in a .down file, nor in the migrations folder', async () => {
    assert.deepEqual(await lensTitlesOf('lens/003_x.down.sql', 'DELETE FROM lens_t;\n'), []);
    assert.deepEqual(await lensTitlesOf('migrations/004_backfill.sql', 'UPDATE lens_t SET id = 3;\n'), []);
  });
});
