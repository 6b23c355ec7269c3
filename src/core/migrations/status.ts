/**
 * Where each migration stands: applied (with when and how long), pending, changed after it was
 * applied, or applied but its file is gone. Read-only: it takes no lock and creates nothing.
 */
import { Database } from '../db/database';
import { PgTunerError } from '../errors';
import { Run } from '../run';
import { Convention, describeConvention } from './conventions';
import { compareVersions, Migration, MigrationFolder, readMigrationFolder } from './files';
import { AppliedRow, openTracking, Tracking, trackingSchemaOf } from './tracking';

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing-file';

export interface MigrationStatusEntry {
  name: string;
  version: string;
  state: MigrationState;
  appliedAt?: string;
  executionMs?: number;
  upFile?: string;
  downFile?: string;
  hasDown: boolean;
}

export interface MigrationStatus {
  directory: string;
  convention: Convention;
  conventionLabel: string;
  trackingTable: string;
  /** Whose table it is: PG Tuner's own, or the tool that manages the repository (golang-migrate, dbmate). */
  trackingTool: Tracking['tool'];
  entries: MigrationStatusEntry[];
  /** Problems in the folder that stop apply/rollback (missing .down, duplicates, unreadable files). */
  problems: string[];
}

export interface StatusInput {
  /** The migrations folder. */
  directory: string;
}

export async function migrationStatus(db: Database, input: StatusInput, run: Run): Promise<MigrationStatus> {
  const folder = await readMigrationFolder(input.directory);
  const schema = trackingSchemaOf(run.settings);
  return db.withSession(async (session) => {
    const tracking = await openTracking(session, schema, folder);
    const status = describeStatus(folder, await tracking.read(), tracking);
    if (tracking.dirty) status.problems.push(tracking.dirty);
    return status;
  }, run.signal);
}

export function describeStatus(
  folder: MigrationFolder,
  applied: AppliedRow[],
  tracking: Pick<Tracking, 'table' | 'tool'>,
): MigrationStatus {
  const byName = new Map(applied.map((a) => [a.name, a]));
  const entries: MigrationStatusEntry[] = folder.migrations.map((m) => {
    const row = byName.get(m.name);
    const state: MigrationState = !row ? 'pending' : changedFiles(m, row).length === 0 ? 'applied' : 'changed';
    return {
      name: m.name,
      version: m.version,
      state,
      appliedAt: row?.appliedAt?.toISOString(),
      executionMs: row?.executionMs ?? undefined,
      upFile: m.upFile,
      downFile: m.downFile,
      hasDown: m.downFile !== undefined,
    };
  });
  const inFolder = new Set(folder.migrations.map((m) => m.name));
  for (const row of applied) {
    if (inFolder.has(row.name)) continue;
    entries.push({
      name: row.name,
      version: versionOf(row.name),
      state: 'missing-file',
      appliedAt: row.appliedAt?.toISOString(),
      executionMs: row.executionMs ?? undefined,
      hasDown: false,
    });
  }
  entries.sort((a, b) => compareVersions(a.version, b.version) || a.name.localeCompare(b.name));
  return {
    directory: folder.directory,
    convention: folder.convention,
    conventionLabel: describeConvention(folder.convention),
    trackingTable: tracking.table,
    trackingTool: tracking.tool,
    entries,
    problems: [...folder.problems],
  };
}

/** The tracking table and whose it is, e.g. `public.schema_migrations (golang-migrate's table)`. */
export function trackingLabel(status: Pick<MigrationStatus, 'trackingTable' | 'trackingTool'>): string {
  return `${status.trackingTable} (${status.trackingTool === 'PG Tuner' ? "PG Tuner's own table" : `${status.trackingTool}'s table`})`;
}

function versionOf(name: string): string {
  return /^\d+/.exec(name)?.[0] ?? '0';
}

/**
 * The files of an applied migration that no longer match what was recorded: the up that ran, and
 * the down that may undo it (not known for rows an older PG Tuner wrote: downChecksum null).
 */
export function changedFiles(m: Migration, row: AppliedRow): { file: string; then: string; now: string }[] {
  const changed: { file: string; then: string; now: string }[] = [];
  // A tool's table without checksums (golang-migrate, dbmate) cannot tell a changed file.
  if (row.checksum !== null && row.checksum !== m.checksum) changed.push({ file: m.upFile, then: row.checksum, now: m.checksum });
  if (row.downChecksum !== null && row.downChecksum !== m.downChecksum) {
    changed.push({ file: m.downFile ?? `${m.upFile} (its down)`, then: row.downChecksum, now: m.downChecksum });
  }
  return changed;
}

/** Refuses to go on when an applied migration's files (up or down) no longer match what was recorded. */
export function assertUnchanged(migrations: Migration[], applied: AppliedRow[]): void {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const lines = applied.flatMap((a) => {
    const m = byName.get(a.name);
    return m
      ? changedFiles(m, a).map(
          (c) =>
            `${c.file} was changed after it was applied${a.appliedAt ? ` on ${a.appliedAt.toISOString()}` : ''} (checksum then ${c.then.slice(0, 12)}…, now ${c.now.slice(0, 12)}…).`,
        )
      : [];
  });
  if (lines.length === 0) return;
  throw new PgTunerError(
    'CHECKSUM_MISMATCH',
    `Nothing was run: ${lines.join(' ')} An applied migration (its up and its down) must not change: restore the file (e.g. git checkout) and put the new change in a new migration.`,
  );
}
