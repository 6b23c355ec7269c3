import { describeProfile } from '../../core/db/profile';
import { describeServerInfo, readServerInfo } from '../../core/db/serverInfo';
import { CliVerb } from '../verb';
import { openDatabase, parseVerbArgs, printJson } from '../context';

/** `pgtuner check`: connects and reports the server version, user and tuning extensions. */
export const connectionCheck: CliVerb = {
  summary: 'connect and report server version, user, database and extensions',
  async run(argv) {
    const { values } = parseVerbArgs(argv, {});
    const db = openDatabase(values);
    try {
      const info = await db.withSession(readServerInfo);
      if (values.json) printJson({ connection: describeProfile(db.profile), ...info });
      else process.stdout.write([`connected to ${describeProfile(db.profile)}`, ...describeServerInfo(info)].join('\n') + '\n');
      return 0;
    } finally {
      await db.end();
    }
  },
};
