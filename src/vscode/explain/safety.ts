/**
 * Before EXPLAIN ANALYZE runs a statement: a production connection gets a warning with plain
 * EXPLAIN offered instead, and a statement that writes is announced as run-then-rolled-back.
 */
import * as vscode from 'vscode';
import { ConnectionProfile } from '../../core/db/profile';

export type AnalyzeDecision = 'analyze' | 'plain';

/**
 * `writes`: the statement changes data (INSERT/UPDATE/DELETE/MERGE or a writable CTE);
 * undefined when it could not be parsed, so it might.
 */
export async function confirmAnalyze(profile: ConnectionProfile, writes: boolean | undefined): Promise<AnalyzeDecision | undefined> {
  const production = profile.environment === 'production';
  if (!production && writes === false) return 'analyze';
  const rollback =
    writes === false
      ? ''
      : `${writes ? 'This statement writes: it' : 'If the statement writes, it'} will really run (triggers fire, locks are taken, sequences advance) and then be rolled back, so no rows change.`;
  const message = production
    ? `"${profile.name}" is a production connection. EXPLAIN ANALYZE executes the statement there. ${rollback}`.trim()
    : `EXPLAIN ANALYZE executes the statement. ${rollback}`;
  const run = production ? 'Run EXPLAIN ANALYZE' : 'Run and Roll Back';
  const plain = 'Plain EXPLAIN (do not execute)';
  // The first button is the default one: on production that is the choice that executes nothing.
  const buttons = production ? [plain, run] : [run, plain];
  const choice = await vscode.window.showWarningMessage(message, { modal: true }, ...buttons);
  if (choice === run) return 'analyze';
  if (choice === plain) return 'plain';
  return undefined;
}

/**
 * EXPLAIN ANALYZE would run functions whose effects the rollback does not undo (the engine listed
 * them in `message`). Production: refused, plain EXPLAIN offered. Elsewhere: plain EXPLAIN is the
 * default button; running them needs a deliberate click.
 */
export async function confirmSideEffects(profile: ConnectionProfile, message: string): Promise<'plain' | 'allow' | undefined> {
  const plain = 'Plain EXPLAIN (do not execute)';
  if (profile.environment === 'production') {
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('"{0}" is a production connection: EXPLAIN ANALYZE is refused. {1}', profile.name, message),
      { modal: true },
      plain,
    );
    return choice === plain ? 'plain' : undefined;
  }
  const run = 'Run Them Anyway';
  const choice = await vscode.window.showWarningMessage(message, { modal: true }, plain, run);
  return choice === plain ? 'plain' : choice === run ? 'allow' : undefined;
}

/**
 * The statement's plain EXPLAIN estimates a cost above pgtuner.advisor.adviseWithoutRunningCost:
 * EXPLAIN ANALYZE may run for minutes (or past the statement timeout). Advice from the estimated
 * plan is the default button; running it stays one click away.
 */
export async function offerAdviseWithoutRunning(cost: number, threshold: number): Promise<'withoutRunning' | 'run' | undefined> {
  const without = 'Advise Without Running';
  const run = 'Run EXPLAIN ANALYZE';
  const choice = await vscode.window.showWarningMessage(
    `The planner estimates this statement at cost ${Math.round(cost).toLocaleString('en-US')}, above ${Math.round(threshold).toLocaleString('en-US')} ` +
      '(setting pgtuner.advisor.adviseWithoutRunningCost): EXPLAIN ANALYZE may run for a long time. ' +
      'Advise from the estimated plan without running it (plain EXPLAIN; "Measure" on a suggestion times it with the index), or run it?',
    { modal: true },
    without,
    run,
  );
  return choice === without ? 'withoutRunning' : choice === run ? 'run' : undefined;
}
