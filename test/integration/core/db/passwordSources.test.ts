import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';

describe('Connection password sources', () => {
  let passwordless: string;
  let dir: string;
  const saved = process.env.PGPASSFILE;

  before(async () => {
    const url = new URL(await freshDatabase([]));
    url.password = '';
    passwordless = url.toString();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-pgpass-'));
  });

  after(() => {
    if (saved === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function connectWithPgpass(lines: string | undefined): Promise<string> {
    const file = path.join(dir, `pgpass-${Math.random().toString(36).slice(2)}`);
    if (lines !== undefined) fs.writeFileSync(file, lines, { mode: 0o600 });
    process.env.PGPASSFILE = file;
    const db = new Database(targetFromUrl(passwordless, 'no password in profile'));
    try {
      return (await db.query<{ u: string }>('SELECT current_user AS u')).rows[0].u;
    } finally {
      await db.end();
    }
  }

  it('uses the matching ~/.pgpass line when the profile has no password', async () => {
    const cluster = await getCluster();
    const user = await connectWithPgpass(
      `# other servers first\notherhost:5432:*:postgres:nope\n127.0.0.1:${cluster.port}:*:postgres:${cluster.password}\n`,
    );
    assert.equal(user, 'postgres');
  });

  it('without a password anywhere, says that none is stored (AUTH_FAILED)', async () => {
    await assert.rejects(
      connectWithPgpass(undefined),
      (err: unknown) =>
        err instanceof PgTunerError && err.code === 'AUTH_FAILED' && /asks for a password and none is stored/.test(err.message),
    );
  });
});
