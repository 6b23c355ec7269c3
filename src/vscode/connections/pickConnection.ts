import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import type { ConnectionManager } from './connectionManager';
import type { ConnectionEntry } from '../../core/db/connectionCatalog';
import { promptNewConnection } from './addConnection';

type Item = vscode.QuickPickItem & { entry?: ConnectionEntry };

/** Quick pick over every known connection, with "Add Connection…" at the end. Undefined when cancelled. */
export async function pickConnection(
  manager: ConnectionManager,
  title = 'PG Tuner: Select Connection',
): Promise<ConnectionEntry | undefined> {
  const active = manager.activeEntry();
  const items: Item[] = manager.list().map((entry) => ({
    label: `${entry === active ? '$(check) ' : ''}${entry.name}`,
    description: `${entry.profile.environment} · ${entry.origin}`,
    detail: describeProfile(entry.profile),
    entry,
  }));
  items.push({ label: '$(add) Add Connection…', alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: manager.restrictedModeNote ?? 'Choose the PostgreSQL connection PG Tuner works on',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  return picked.entry ?? promptNewConnection(manager);
}
