/**
 * The one reader of `pgtuner.*` settings in the editor. Values go through the core schema
 * (src/core/settings): a wrong value falls back to its default and is logged once, so a typo in
 * settings.json never stops a command. `resource` picks the workspace folder whose settings apply.
 */
import * as vscode from 'vscode';
import { resolveSettings, SettingKey, Settings } from '../core/settings/schema';

const reported = new Set<string>();

export function readSettings(log?: vscode.LogOutputChannel, resource?: vscode.Uri): Settings {
  const config = vscode.workspace.getConfiguration('pgtuner', resource);
  const { settings, problems } = resolveSettings((key: SettingKey) => config.get(key));
  for (const problem of problems) {
    if (reported.has(problem)) continue;
    reported.add(problem);
    log?.warn(problem);
  }
  return settings;
}

/** Whether a setting change concerns any of these keys (for views that reload on change). */
export function affects(event: vscode.ConfigurationChangeEvent, ...keys: SettingKey[]): boolean {
  return keys.some((key) => event.affectsConfiguration(`pgtuner.${key}`));
}
