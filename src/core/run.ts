/**
 * The third argument of every engine entry point, `(db, input, run)`: how the caller wants the
 * work run. The signal cancels the running statement on the server (and child processes); the
 * progress callback receives short messages for people; settings are every pgtuner.* value,
 * already validated (src/core/settings).
 */
import { DEFAULT_SETTINGS, Settings } from './settings/schema';

export interface Run {
  signal?: AbortSignal;
  /** `fraction`: how much of the work is done (0…1), when the engine can tell (a progress bar). */
  onProgress?: (message: string, fraction?: number) => void;
  settings: Settings;
}

/** A run with the default settings, no progress and no cancel (tests, the demo, the bench). */
export function defaultRun(overrides: Partial<Omit<Run, 'settings'>> & { settings?: Partial<Settings> } = {}): Run {
  return { ...overrides, settings: { ...DEFAULT_SETTINGS, ...overrides.settings } };
}
