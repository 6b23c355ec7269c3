/**
 * Values for a statement's $1..$n: asked once, remembered per statement text in workspaceState
 * (this workspace only, never in settings), or skipped for a generic plan.
 */
import * as vscode from 'vscode';

const MEMORY_KEY = 'pgtuner.explain.parameterValues';
/** Only the most recent statements are remembered, so workspaceState stays small. */
const MEMORY_LIMIT = 50;

export type ParameterChoice = { kind: 'values'; values: unknown[] } | { kind: 'generic' };

type Memory = Record<string, string[]>;

/** Asks for the values of $1..$count; undefined when the user cancels. */
export async function askParameters(
  state: vscode.Memento,
  sql: string,
  count: number,
  expressions: string[],
): Promise<ParameterChoice | undefined> {
  const remembered = (state.get<Memory>(MEMORY_KEY) ?? {})[sql];
  type Item = vscode.QuickPickItem & { choice: 'last' | 'enter' | 'generic' };
  const items: Item[] = [];
  if (remembered?.length === count) {
    items.push({ choice: 'last', label: 'Use the last values', description: remembered.join(', ') });
  }
  items.push(
    { choice: 'enter', label: 'Enter values…', description: `for ${placeholders(count)}` },
    {
      choice: 'generic',
      label: 'Generic plan',
      description: 'no values, plain EXPLAIN',
      detail: 'The plan PostgreSQL uses for any value; the statement is not executed.',
    },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('The statement has {0} parameter{1}', count, count > 1 ? 's' : ''),
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.choice === 'generic') return { kind: 'generic' };
  if (picked.choice === 'last') return { kind: 'values', values: remembered!.map(toValue) };

  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = expressions[i] ? ` (${expressions[i]})` : '';
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('Value for ${0}{1}', i + 1, name),
      prompt: vscode.l10n.t('Typed as you would write it without quotes; NULL for a null.'),
      value: remembered?.[i] ?? '',
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    values.push(value);
  }
  await remember(state, sql, values);
  return { kind: 'values', values: values.map(toValue) };
}

async function remember(state: vscode.Memento, sql: string, values: string[]): Promise<void> {
  const memory = { ...(state.get<Memory>(MEMORY_KEY) ?? {}) };
  delete memory[sql];
  memory[sql] = values;
  const keys = Object.keys(memory);
  for (const key of keys.slice(0, Math.max(0, keys.length - MEMORY_LIMIT))) delete memory[key];
  await state.update(MEMORY_KEY, memory);
}

/** Text goes to the server as an untyped parameter, which PostgreSQL casts to the column's type. */
function toValue(text: string): unknown {
  return text.trim().toUpperCase() === 'NULL' ? null : text;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, (_, i) => `$${i + 1}`).join(', ');
}
