import { Session } from './database';

export interface ExtensionState {
  name: string;
  /** Installed in this database (CREATE EXTENSION done). */
  installed: boolean;
  installedVersion?: string;
  /** Its files are on the server, so CREATE EXTENSION would work for a privileged role. */
  available: boolean;
}

export interface ServerInfo {
  version: string;
  versionNum: number;
  user: string;
  database: string;
  isSuperuser: boolean;
  inRecovery: boolean;
  extensions: Record<'hypopg' | 'pg_stat_statements' | 'pg_trgm', ExtensionState>;
}

const TRACKED_EXTENSIONS = ['hypopg', 'pg_stat_statements', 'pg_trgm'] as const;

const SERVER_INFO_SQL = `
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       current_user AS "user",
       current_database() AS database,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       pg_is_in_recovery() AS in_recovery`;

const SERVER_VERSION_SQL = `SELECT current_setting('server_version_num')::int AS version_num`;

/** server_version_num (150018 for 15.18), for statements whose form depends on the version. */
export async function readServerVersionNum(session: Session): Promise<number> {
  return (await session.query<{ version_num: number }>(SERVER_VERSION_SQL)).rows[0].version_num;
}

const EXTENSIONS_SQL = `
SELECT a.name, a.installed_version, true AS available
  FROM pg_available_extensions a
 WHERE a.name = ANY($1)`;

export async function readServerInfo(session: Session): Promise<ServerInfo> {
  const row = (await session.query(SERVER_INFO_SQL)).rows[0];
  const ext = await session.query<{ name: string; installed_version: string | null }>(EXTENSIONS_SQL, [TRACKED_EXTENSIONS]);
  const extensions = Object.fromEntries(TRACKED_EXTENSIONS.map((name) => {
    const found = ext.rows.find((r) => r.name === name);
    return [name, { name, available: !!found, installed: !!found?.installed_version, installedVersion: found?.installed_version ?? undefined }];
  })) as ServerInfo['extensions'];
  return {
    version: row.version,
    versionNum: row.version_num,
    user: row.user,
    database: row.database,
    isSuperuser: row.is_superuser,
    inRecovery: row.in_recovery,
    extensions,
  };
}

/** One line per fact, for people (Test Connection, `pgtuner check`). */
export function describeServerInfo(info: ServerInfo): string[] {
  const ext = Object.values(info.extensions).map((e) =>
    `${e.name}: ${e.installed ? `installed (${e.installedVersion})` : e.available ? 'available, not installed' : 'not available'}`);
  return [`PostgreSQL ${info.version}`, `user ${info.user}${info.isSuperuser ? ' (superuser)' : ''}, database ${info.database}`, ...ext];
}
