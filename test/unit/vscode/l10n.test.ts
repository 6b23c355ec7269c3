import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';

/**
 * The extension's UI strings can be translated (issue 16): the manifest's titles, names and
 * descriptions come from package.nls.json, and the editor's messages and prompts go through
 * vscode.l10n.t — a literal handed straight to a message or prompt would stay English.
 */
const root = path.join(__dirname, '..', '..', '..', '..');
const manifestText = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
const nls: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));

const MESSAGES = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage']);
const PROMPTS = new Set([...MESSAGES, 'showInputBox', 'showQuickPick', 'showOpenDialog', 'showSaveDialog', 'withProgress']);
const OPTION_TEXTS = new Set(['title', 'prompt', 'placeHolder', 'detail', 'openLabel', 'saveLabel']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('localisable UI strings', () => {
  it('every %key% of package.json is in package.nls.json, and every key there is used', () => {
    const used = [...manifestText.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
    assert.ok(used.length > 100, `only ${used.length} placeholders`);
    for (const key of used) assert.ok(key in nls, `package.nls.json lacks ${key}`);
    for (const key of Object.keys(nls)) assert.ok(used.includes(key), `package.nls.json has unused ${key}`);
  });

  it('command titles, view names and setting descriptions are placeholders, not English text', () => {
    const manifest = JSON.parse(manifestText);
    const placeholder = /^%[^%]+%$/;
    for (const c of manifest.contributes.commands) assert.match(c.title, placeholder, c.command);
    for (const list of Object.values(manifest.contributes.views) as { id: string; name: string }[][])
      for (const v of list) assert.match(v.name, placeholder, v.id);
    for (const group of [manifest.contributes.configuration].flat())
      for (const [name, p] of Object.entries(group.properties as Record<string, { description?: string; markdownDescription?: string }>))
        assert.match(p.description ?? p.markdownDescription ?? '', placeholder, name);
  });

  it('editor messages, prompts and errors are passed through vscode.l10n.t', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src', 'vscode'))) {
      const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const flag = (node: ts.Node | undefined) => {
        if (
          node &&
          (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) &&
          /[A-Za-z]{2}/.test(node.getText(sf))
        )
          offenders.push(
            `${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${node.getText(sf).slice(0, 60)}`,
          );
      };
      const visit = (node: ts.Node) => {
        if (ts.isNewExpression(node) && node.expression.getText(sf) === 'PgTunerError') flag(node.arguments?.[1]);
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
          const name = node.expression.name.text;
          if (MESSAGES.has(name)) flag(node.arguments[0]);
          if (name === 'withProgress' && !ts.isObjectLiteralExpression(node.arguments[0])) flag(node.arguments[0]);
          if (PROMPTS.has(name))
            for (const arg of node.arguments)
              if (ts.isObjectLiteralExpression(arg))
                for (const p of arg.properties) if (ts.isPropertyAssignment(p) && OPTION_TEXTS.has(p.name.getText(sf))) flag(p.initializer);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.deepEqual(offenders, []);
  });
});
