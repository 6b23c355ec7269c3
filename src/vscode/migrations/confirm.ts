/**
 * Changing a production database takes two deliberate steps: a modal warning (which offers a
 * backup first, when the backup command is installed) and typing the database's name.
 */
import * as vscode from 'vscode';
import { ConnectionProfile } from '../../core/db/profile';

export interface ProductionArgs {
  /** The database name as the user would type it (tests and scripted use). */
  confirmDatabase?: string;
  /** Run pgtuner.backupDatabase first and stop unless it succeeds. */
  backupFirst?: boolean;
}

const BACKUP_COMMAND = 'pgtuner.backupDatabase';

/** True when the change may go ahead (always outside production). */
export async function confirmProductionChange(
  profile: ConnectionProfile,
  action: string,
  args: ProductionArgs | undefined,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  if (profile.environment !== 'production') return true;
  const database = profile.database ?? profile.user ?? profile.name;
  let typed = args?.confirmDatabase;
  let backupFirst = args?.backupFirst ?? false;
  if (typed === undefined) {
    const backUp = 'Back Up First';
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('"{0}" is a PRODUCTION connection. {1} on database "{2}"?', profile.name, action, database),
      { modal: true, detail: vscode.l10n.t('Back Up First takes a pg_dump backup before anything changes.') },
      backUp,
      'Continue',
    );
    if (!choice) return false;
    backupFirst = choice === backUp;
    typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('PG Tuner: {0} on production', action),
      prompt: vscode.l10n.t('Type the database name "{0}" to confirm', database),
      ignoreFocusOut: true,
      validateInput: (v) => (v === database ? undefined : vscode.l10n.t('Type {0} exactly', database)),
    });
  }
  if (typed !== database) {
    log.warn(`${action}: not confirmed (the database name typed did not match "${database}"); nothing was changed.`);
    if (typed !== undefined)
      void vscode.window.showWarningMessage(vscode.l10n.t('Not confirmed: the name typed is not "{0}". Nothing was changed.', database));
    return false;
  }
  if (!backupFirst) return true;
  const backup = await vscode.commands.executeCommand<unknown>(BACKUP_COMMAND);
  if (backup === undefined) {
    void vscode.window.showWarningMessage(vscode.l10n.t('The backup did not complete, so nothing was changed.'));
    return false;
  }
  log.info(`${action}: backup taken before the change.`);
  return true;
}
