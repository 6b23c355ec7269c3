import * as vscode from 'vscode';
import { DEFAULT_HEALTH_OPTIONS, HealthOptions } from '../../core/health/options';

/** pgtuner.health.<threshold> settings: only the ones the user set (the engine fills in and validates the rest). */
export function readHealthThresholds(): Partial<HealthOptions> {
  const config = vscode.workspace.getConfiguration('pgtuner.health');
  const set: Record<string, unknown> = {};
  for (const name of Object.keys(DEFAULT_HEALTH_OPTIONS)) {
    const inspected = config.inspect(name);
    const value = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    if (value !== undefined) set[name] = value;
  }
  return set as Partial<HealthOptions>;
}
