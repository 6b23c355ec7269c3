/**
 * What the engine needs to know about the server and the connected role, read by one query and
 * remembered for the life of the session: version, privileges, recovery, lexer settings and the
 * extensions PG Tuner uses.
 */
import { Session } from './database';

export interface ExtensionState {
  name: string;
  /** Installed in this database (CREATE EXTENSION done). */
  installed: boolean;
  installedVersion?: string;
  /** The schema it is installed in (its objects are qualified with it). */
  schema?: string;
  /** Its files are on the server, so CREATE EXTENSION would work for a privileged role. */
  available: boolean;
}

export type TrackedExtension = 'hypopg' | 'pg_stat_statements' | 'pg_trgm' | 'btree_gin';

export interface ServerInfo {
  version: string;
  versionNum: number;
  user: string;
  database: string;
  isSuperuser: boolean;
  /** Member of pg_read_all_stats (pg_monitor includes it) or superuser: sees every session's details. */
  readsAllStats: boolean;
  inRecovery: boolean;
  /** Off on old or oddly configured servers: backslashes then escape in plain '' strings. */
  standardConformingStrings: boolean;
  /** shared_preload_libraries, lower-cased (pg_stat_statements needs to be in it); null when this role may not see it. */
  preloadedLibraries: string[] | null;
  extensions: Record<TrackedExtension, ExtensionState>;
}

const TRACKED_EXTENSIONS: readonly TrackedExtension[] = ['hypopg', 'pg_stat_statements', 'pg_trgm', 'btree_gin'];

/** Every fact in one round trip; $1 = the tracked extensions. */
export const SERVER_FACTS_SQL = `
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       current_user AS "user",
       current_database() AS database,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS reads_all_stats,
       pg_is_in_recovery() AS in_recovery,
       current_setting('standard_conforming_strings') = 'on' AS standard_conforming_strings,
       (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS shared_preload_libraries,
       (SELECT coalesce(json_agg(json_build_object('name', a.name, 'version', a.installed_version, 'schema', n.nspname)), '[]')
          FROM pg_available_extensions a
          LEFT JOIN pg_extension e ON e.extname = a.name
          LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE a.name = ANY($1)) AS extensions`;

export const SERVER_FACTS_PARAMS: readonly unknown[] = [TRACKED_EXTENSIONS];

const remembered = new WeakMap<Session, Promise<ServerInfo>>();

/** The facts of this session's server, read once per session. */
export function readServerInfo(session: Session): Promise<ServerInfo> {
  let facts = remembered.get(session);
  if (!facts) {
    facts = session.query(SERVER_FACTS_SQL, SERVER_FACTS_PARAMS).then((r) => serverInfoFromRow(r.rows[0]));
    remembered.set(session, facts);
    facts.catch(() => remembered.delete(session));
  }
  return facts;
}

/**
 * For a caller that read SERVER_FACTS_SQL's columns as part of a query of its own (health's
 * start-up is one round trip): the session remembers them as if readServerInfo had run.
 */
export function rememberServerInfo(session: Session, row: Record<string, unknown>): ServerInfo {
  const info = serverInfoFromRow(row);
  remembered.set(session, Promise.resolve(info));
  return info;
}

/** server_version_num (150018 for 15.18), for statements whose form depends on the version. */
export async function readServerVersionNum(session: Session): Promise<number> {
  return (await readServerInfo(session)).versionNum;
}

function serverInfoFromRow(row: Record<string, unknown>): ServerInfo {
  const found = row.extensions as { name: string; version: string | null; schema: string | null }[];
  const extensions = Object.fromEntries(
    TRACKED_EXTENSIONS.map((name) => {
      const e = found.find((x) => x.name === name);
      return [
        name,
        { name, available: !!e, installed: !!e?.version, installedVersion: e?.version ?? undefined, schema: e?.schema ?? undefined },
      ];
    }),
  ) as ServerInfo['extensions'];
  return {
    version: row.version as string,
    versionNum: row.version_num as number,
    user: row.user as string,
    database: row.database as string,
    isSuperuser: row.is_superuser as boolean,
    readsAllStats: row.reads_all_stats as boolean,
    inRecovery: row.in_recovery as boolean,
    standardConformingStrings: row.standard_conforming_strings as boolean,
    preloadedLibraries:
      row.shared_preload_libraries === null || row.shared_preload_libraries === undefined
        ? null
        : String(row.shared_preload_libraries)
            .split(',')
            .map((s) => s.trim().replace(/^"|"$/g, '').toLowerCase())
            .filter(Boolean),
    extensions,
  };
}

/** One line per fact, for people (Test Connection, `pgtuner check`). */
export function describeServerInfo(info: ServerInfo): string[] {
  const ext = Object.values(info.extensions).map(
    (e) => `${e.name}: ${e.installed ? `installed (${e.installedVersion})` : e.available ? 'available, not installed' : 'not available'}`,
  );
  return [`PostgreSQL ${info.version}`, `user ${info.user}${info.isSuperuser ? ' (superuser)' : ''}, database ${info.database}`, ...ext];
}
