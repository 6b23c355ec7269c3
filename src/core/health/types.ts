import type { BackupKeyring } from '../backup/keys';
import type { BackupEntry, BackupIdentity } from '../backup/listing';
import { ServerInfo } from '../db/serverInfo';
import { Session } from '../db/database';
import { IndexAnalysis } from '../usage/types';
import { HealthOptions } from './options';

export type Severity = 'ok' | 'warning' | 'critical';
/** skipped: the role lacks a privilege or an extension is missing; error: the check itself failed. */
export type CheckStatus = Severity | 'skipped' | 'error';

/** One row of a check's evidence (a session, a table, a statement…), flat so every face can show it. */
export type Detail = Record<string, string | number | boolean | null>;

/** What a check found. */
export interface Outcome {
  status: CheckStatus;
  /** The measured figure, for people: "23 of 97 connections (24%)". */
  figure: string;
  /** The thresholds it was judged by: "warning ≥ 70%, critical ≥ 90%". */
  threshold: string;
  /** What to do about it (also when ok, when there is something useful to say). */
  advice: string;
  details: Detail[];
}

export interface CheckResult extends Outcome {
  id: string;
  title: string;
  category: string;
  durationMs: number;
}

export interface HealthReport {
  startedAt: string;
  durationMs: number;
  server: { version: string; database: string; user: string };
  counts: Record<CheckStatus, number>;
  results: CheckResult[];
}

/** Facts about the session every check may need, read once per run. */
export interface CheckContext {
  session: Session;
  options: HealthOptions;
  /** The server's facts, read once at start-up. */
  server: ServerInfo;
  /** The whole-database index analysis, loaded once and shared by the index checks. */
  indexAnalysis(): Promise<IndexAnalysis>;
  /** Where this database's backups are, when the caller said (the backup-freshness check). */
  backups?: {
    directory: string;
    keys?: BackupKeyring;
    source(): Promise<BackupIdentity>;
    /** The off-site copies (when the caller asked for them), judged with the same keys. */
    remote?(): Promise<BackupEntry[]>;
  };
}

/** A privilege a check needs to give a true answer; without it the check is skipped, not failed. */
export type Requirement = 'pg_read_all_stats';

export interface HealthCheck {
  id: string;
  title: string;
  category: 'activity' | 'caching' | 'maintenance' | 'indexes' | 'schema' | 'replication' | 'statements' | 'settings';
  needs?: Requirement;
  run(ctx: CheckContext): Promise<Outcome>;
}
