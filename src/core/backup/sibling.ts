import { Database } from '../db/database';
import { quoteIdent } from '../sql/ident';

/** Another database on the same server, reached with the same user and password as `db`. */
export function siblingDatabase(db: Database, database: string): Database {
  return new Database(
    { profile: { ...db.profile, database, name: `${db.profile.name} (${database})` }, password: () => db.passwordForChildProcess() },
    { statementTimeoutMs: 0, maxConnections: 2 },
  );
}

/** A new empty database for a restore: template0, so nothing of template1 gets in the way of the dump's objects. */
export const createDatabaseSql = (name: string) => `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`;

/** DROP DATABASE … WITH (FORCE), which disconnects sessions left on it, exists from PostgreSQL 13. */
const FORCE_DROP_SINCE = 130000;

export const dropDatabaseSql = (name: string, serverVersionNum: number) =>
  `DROP DATABASE IF EXISTS ${quoteIdent(name)}${serverVersionNum >= FORCE_DROP_SINCE ? ' WITH (FORCE)' : ''}`;
