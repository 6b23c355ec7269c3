/**
 * Which workspace folder a command works in. In a multi-root workspace each folder is its own
 * project — its migrations, backups, .env and `resource`-scoped settings — so a command resolves
 * against the folder of the document it is about (by default the active editor's), the only
 * folder when there is one, or the folder the user picks. Never silently the first folder.
 */
import * as vscode from 'vscode';

export const workspaceFolders = (): readonly vscode.WorkspaceFolder[] => vscode.workspace.workspaceFolders ?? [];

/**
 * The folder of `uri` (default: the active editor's document — still the SQL file's while the plan
 * panel beside it has the focus), or the only folder. Undefined when no folder is open, or in a
 * multi-root workspace when neither decides it.
 */
export function folderFor(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  const folders = workspaceFolders();
  if (folders.length <= 1) return folders[0];
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  return target && vscode.workspace.getWorkspaceFolder(target);
}

/**
 * folderFor, else the folder the user picks ("Which folder's migrations?"). `null` when the user
 * cancelled the pick; undefined when no folder is open (the caller says what that means).
 */
export async function pickFolder(purpose: string, uri?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined | null> {
  const known = folderFor(uri);
  if (known || !workspaceFolders().length) return known;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: `Which folder's ${purpose}?`, ignoreFocusOut: true });
  return picked ?? null;
}

/** A folder's name where it tells folders apart (multi-root), else undefined. */
export const folderLabel = (folder: vscode.WorkspaceFolder | undefined): string | undefined =>
  folder && workspaceFolders().length > 1 ? folder.name : undefined;
