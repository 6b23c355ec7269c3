import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import type { ActiveState } from './connectionManager';

/** Asks (modal: Use / Cancel) before using the active connection whose profile changed since it was chosen. */
export async function askToUseChanged({ entry, changes }: ActiveState): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `The connection "${entry.name}" changed since you chose it: ${changes.join('; ')}. Use it?`,
    {
      modal: true,
      detail: `It now connects to ${describeProfile(entry.profile)} (${entry.profile.environment}, sslmode ${entry.profile.sslmode ?? 'prefer'}), as defined in ${entry.origin}.`,
    },
    'Use',
  );
  return answer === 'Use';
}
