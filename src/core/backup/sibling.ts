import { Database } from '../db/database';

/** Another database on the same server, reached with the same user and password as `db`. */
export function siblingDatabase(db: Database, database: string): Database {
  return new Database(
    { profile: { ...db.profile, database, name: `${db.profile.name} (${database})` }, password: () => db.passwordForChildProcess() },
    { statementTimeoutMs: 0, maxConnections: 2 },
  );
}
