/**
 * The server and database a backup is taken from: what backups are grouped by (retention,
 * "newest") and what the manifest records. The version comes from the session's server facts;
 * only the system identifier needs a query of its own.
 */
import { Database, Session } from '../db/database';
import { readServerInfo } from '../db/serverInfo';
import { Run } from '../run';
import { BackupKeyring } from './keys';
import { BackupIdentity, NewestBackup, listBackups, newestBackup } from './listing';

// system_identifier tells apart servers that share a host name and port (it is the same on a
// streaming replica, hence host and port beside it); null when this role may not read it.
const SYSTEM_IDENTIFIER_SQL = `
SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS "systemIdentifier"`;

export interface BackupSource {
  identity: BackupIdentity;
  version: string;
  versionNum: number;
}

export async function readBackupSource(db: Database, session: Session): Promise<BackupSource> {
  const info = await readServerInfo(session);
  const { systemIdentifier } = (await session.query<{ systemIdentifier: string | null }>(SYSTEM_IDENTIFIER_SQL)).rows[0];
  return {
    version: info.version,
    versionNum: info.versionNum,
    identity: {
      database: info.database,
      host: db.profile.host ?? 'localhost',
      port: db.profile.port ?? 5432,
      systemIdentifier: systemIdentifier ?? undefined,
    },
  };
}

/**
 * The newest trusted backup in `directory` (authenticated, not future-dated) of one server and
 * database: with several in the folder, the one of `db` when it is among them.
 */
export async function newestTrustedBackup(
  db: Database,
  input: { directory: string; keys?: BackupKeyring; trustUnsigned?: boolean },
  run: Run,
): Promise<NewestBackup> {
  const entries = await listBackups(input.directory, { keys: input.keys });
  const source = await db.withSession((session) => readBackupSource(db, session), run.signal);
  return newestBackup(entries, input.directory, { trustUnsigned: input.trustUnsigned, prefer: source.identity });
}
