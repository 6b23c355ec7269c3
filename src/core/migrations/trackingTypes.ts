/** What a tracking table says, whichever tool's table it is (see tracking.ts and toolTables.ts). */
import type { Migration } from './files';

export interface AppliedRow {
  id: number;
  name: string;
  /** The version a tool's table records (Flyway's may be dotted), when the name alone does not say it. */
  version?: string;
  /** sha256 of the up SQL that ran (Flyway: its CRC-32); null in a tool's table that keeps none (golang-migrate, dbmate). */
  checksum: string | null;
  /**
   * sha256 of the down SQL when it was applied (NO_DOWN when it had none); null for rows an
   * older PG Tuner wrote, before the down was checksummed.
   */
  downChecksum: string | null;
  /** Null in a tool's table that does not record it. */
  appliedAt: Date | null;
  executionMs: number | null;
}

/** The table that says what is applied: PG Tuner's own, or the one of the tool that manages the repository. */
export interface Tracking {
  tool: 'PG Tuner' | 'golang-migrate' | 'dbmate' | 'node-pg-migrate' | 'Flyway';
  /** Its qualified name. */
  table: string;
  /** PG Tuner's own table (checksums of up and down). */
  own: boolean;
  /** Why nothing may run (the tool says a migration stopped halfway). */
  dirty?: string;
  /** Applied migrations, oldest first. */
  read(): Promise<AppliedRow[]>;
  /** Creates or upgrades the table before the first write. */
  ensure(): Promise<void>;
  /** In the migration's transaction when it has one. */
  record(m: Migration, executionMs: number): Promise<void>;
  /** Flyway records the undo as a row of its own, with how long it took. */
  forget(m: Migration, executionMs: number): Promise<void>;
}
