import * as vscode from 'vscode';
import { describeProfile } from '../../core/db/profile';
import type { ActiveState } from './connectionManager';

/** Asks (modal: Use / Cancel) before using the active connection whose profile changed since it was chosen. */
export async function askToUseChanged({ entry, changes }: ActiveState): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('The connection "{0}" changed since you chose it: {1}. Use it?', entry.name, changes.join('; ')),
    {
      modal: true,
      detail: vscode.l10n.t(
        'It now connects to {0} ({1}, sslmode {2}), as defined in {3}.',
        describeProfile(entry.profile),
        entry.profile.environment,
        entry.profile.sslmode ?? 'prefer',
        entry.origin,
      ),
    },
    'Use',
  );
  return answer === 'Use';
}
