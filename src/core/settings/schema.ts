/**
 * Every `pgtuner.*` setting in one place: its default, its bounds and unit, and whether a workspace
 * may set it. The editor's reader (src/vscode/config.ts) and the CLI resolve values through this
 * table; a unit test keeps package.json's `contributes.configuration` and the restricted-mode list
 * in step with it. Connection profiles (`pgtuner.connections`) have their own parser (core/db).
 */
import { DEFAULT_HEALTH_OPTIONS, HealthOptions, resolveHealthOptions } from '../health/options';

interface Common {
  /**
   * Changes what runs or where (folders, programs, timeouts, limits, retention): VS Code ignores a
   * workspace's value in restricted mode, so a cloned repository cannot set it.
   */
  restricted: boolean;
  /** Read per workspace folder (multi-root) rather than once per window. */
  resource?: boolean;
}
export type SettingSpec = Common &
  (
    | { type: 'number'; default: number; minimum?: number; maximum?: number; integer?: boolean; unit?: string }
    | { type: 'boolean'; default: boolean }
    | { type: 'string'; default: string; enum?: readonly string[] }
    | { type: 'array'; default: readonly unknown[] }
  );

const number = (
  value: number,
  bounds: { minimum?: number; maximum?: number; integer?: boolean; unit?: string; resource?: boolean } = {},
  restricted = false,
) => ({ type: 'number', default: value, ...bounds, restricted }) as const;
const string = (value: string, restricted = false, extra: { enum?: readonly string[]; resource?: boolean } = {}) =>
  ({ type: 'string', default: value, restricted, ...extra }) as const;
const boolean = (value: boolean, restricted = false) => ({ type: 'boolean', default: value, restricted }) as const;

/** Health options that count something (blocks, rows, calls, statements) or switch (0/1): whole numbers in the Settings UI. */
const WHOLE_HEALTH_OPTIONS: Partial<Record<keyof HealthOptions, { integer: true; maximum?: number }>> = {
  cacheHitMinBlocks: { integer: true },
  deadTuplesMinRows: { integer: true },
  maintenanceMinRows: { integer: true },
  slowStatementsTop: { integer: true },
  slowStatementMinCalls: { integer: true },
  walArchivingRequired: { integer: true, maximum: 1 },
};

const healthThresholds = Object.fromEntries(
  Object.entries(DEFAULT_HEALTH_OPTIONS).map(([name, value]) => [
    `health.${name}`,
    number(value, { minimum: 0, ...WHOLE_HEALTH_OPTIONS[name as keyof HealthOptions] }),
  ]),
) as { [K in keyof HealthOptions as `health.${K}`]: ReturnType<typeof number> };

export const SETTINGS = {
  connectTimeoutSeconds: number(10, { minimum: 1, unit: 's' }),
  statementTimeoutSeconds: number(30, { minimum: 1, unit: 's', resource: true }, true),
  envFile: string('.env', true, { resource: true }),
  'explain.codeLens': boolean(true),
  'plan.historySize': number(10, { minimum: 0, maximum: 100, integer: true }, true),
  'advisor.minImprovementPercent': number(20, { minimum: 1, maximum: 99, unit: '%' }),
  'advisor.partialMinExcludedPercent': number(50, { minimum: 0, maximum: 100, unit: '%' }),
  'advisor.trialBuildMaxMB': number(2048, { minimum: 0, unit: 'MB' }, true),
  'advisor.trialBuildTimeoutSeconds': number(120, { minimum: 1, unit: 's' }, true),
  'advisor.adviseWithoutRunningCost': number(1_000_000, { minimum: 0 }),
  'workload.topStatements': number(50, { minimum: 1, maximum: 1000, integer: true }, true),
  'workload.migrationPerIndex': boolean(false),
  'migrations.directory': string('migrations', true, { resource: true }),
  'migrations.trackingSchema': string('public', true, { resource: true }),
  'backup.directory': string('backups', true, { resource: true }),
  'backup.format': string('custom', true, { enum: ['custom', 'directory'] }),
  'backup.jobs': number(0, { minimum: 0, integer: true }, true),
  'backup.keep': number(10, { minimum: 0, integer: true }, true),
  'backup.maxAgeDays': number(0, { minimum: 0, unit: 'days' }, true),
  'backup.toolsDirectory': string('', true),
  'backup.keepScratchDatabase': boolean(false, true),
  'backup.restoreTestConnection': string('', true),
  'backup.verificationQueries': { type: 'array', default: [] as readonly unknown[], restricted: true } as const,
  'backup.encryption': string('none', true, { enum: ['none', 'passphrase', 'public-key'] }),
  'backup.encryptionPassphraseEnv': string('', true),
  'backup.encryptionRecipientKeyFiles': { type: 'array', default: [] as readonly unknown[], restricted: true } as const,
  'backup.s3.bucket': string('', true),
  'backup.s3.prefix': string('', true),
  'backup.s3.region': string('', true),
  'backup.s3.endpoint': string('', true),
  'backup.s3.forcePathStyle': boolean(false, true),
  'backup.s3.storageClass': string('', true),
  'backup.s3.serverSideEncryption': string('', true, { enum: ['', 'AES256', 'aws:kms'] }),
  'backup.s3.uploadAfterBackup': boolean(false, true),
  ...healthThresholds,
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
type ValueOf<S> = S extends { type: 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'string' }
      ? string
      : readonly unknown[];
/** Every setting with a valid value (the user's, or the default). */
export type Settings = { readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

export const DEFAULT_SETTINGS: Settings = Object.freeze(
  Object.fromEntries(Object.entries(SETTINGS).map(([key, spec]) => [key, spec.default])),
) as Settings;

/**
 * The settings from `read(key)` (undefined: not set). A value of the wrong type or out of bounds
 * falls back to the default and is named in `problems`, so one bad value never stops a command.
 */
export function resolveSettings(read: (key: SettingKey) => unknown): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
    const value = read(key);
    const why = value === undefined || value === null ? undefined : invalid(spec, value);
    if (why) problems.push(`pgtuner.${key}: ${why}; using ${JSON.stringify(spec.default)}`);
    out[key] = value === undefined || value === null || why ? spec.default : value;
  }
  return { settings: Object.freeze(out) as Settings, problems };
}

function invalid(spec: SettingSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${JSON.stringify(value)} is not a number`;
      if (spec.integer && !Number.isInteger(value)) return `${value} is not a whole number`;
      if (spec.minimum !== undefined && value < spec.minimum) return `${value} is below ${spec.minimum}`;
      if (spec.maximum !== undefined && value > spec.maximum) return `${value} is above ${spec.maximum}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${JSON.stringify(value)} is not true or false`;
    case 'string':
      if (typeof value !== 'string') return `${JSON.stringify(value)} is not text`;
      return spec.enum && !spec.enum.includes(value) ? `"${value}" is not one of ${spec.enum.join(', ')}` : undefined;
    case 'array':
      return Array.isArray(value) ? undefined : `${JSON.stringify(value)} is not a list`;
  }
}

/** Milliseconds of a seconds setting, for the engine's options. */
export const secondsToMs = (seconds: number) => Math.round(seconds * 1000);

/** The health thresholds as HealthOptions. */
export function healthOptionsOf(settings: Settings): HealthOptions {
  return Object.fromEntries(
    Object.keys(DEFAULT_HEALTH_OPTIONS).map((name) => [name, settings[`health.${name}` as SettingKey]]),
  ) as unknown as HealthOptions;
}

/**
 * Health thresholds given by name (`--threshold name=value`, a command's argument) as the
 * `health.<name>` settings they override; an unknown name or a bad value is BAD_INPUT.
 */
export function healthSettingsOf(thresholds: Record<string, unknown>): Partial<Settings> {
  resolveHealthOptions(thresholds);
  return Object.fromEntries(
    Object.entries(thresholds)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, value]) => [`health.${name}`, value]),
  );
}
