import { describeProfile } from '../../core/db/profile';
import { describeServerInfo, readServerInfo } from '../../core/db/serverInfo';
import { defineVerb } from '../runner';

/** `pgtuner check`: connects and reports the server version, user and tuning extensions. */
export const connectionCheck = defineVerb({
  summary: 'connect and report server version, user, database and extensions',
  usage: `pgtuner check: connects and reports the server version, the user (and whether it is a superuser), the database and
the extensions PG Tuner uses (hypopg, pg_stat_statements, pg_trgm, btree_gin): installed, available or missing.
No options besides the connection and --json.

Example: pgtuner check --db postgres://app@localhost/shop --json`,
  options: {},
  input: () => ({}),
  run: (db, _input, run) => db.withSession(readServerInfo, run.signal),
  output: (info, _values, db) => ({
    json: { connection: describeProfile(db.profile), ...info },
    text: [`connected to ${describeProfile(db.profile)}`, ...describeServerInfo(info)].join('\n'),
  }),
});
