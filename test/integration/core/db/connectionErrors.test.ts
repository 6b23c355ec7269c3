import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Cluster, freePort, startCluster } from '../../../support/cluster';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { Database, DatabaseOptions } from '../../../../src/core/db/database';
import { SslMode, targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError, PgTunerErrorCode } from '../../../../src/core/errors';

/** A password that must never show up in any error text. */
const SECRET = 'Pw-never-shown-8c1f';

function urlWith(base: string, changes: { user?: string; password?: string; database?: string; port?: number; sslmode?: SslMode }): string {
  const url = new URL(base);
  if (changes.user !== undefined) url.username = encodeURIComponent(changes.user);
  if (changes.password !== undefined) url.password = encodeURIComponent(changes.password);
  if (changes.database !== undefined) url.pathname = `/${changes.database}`;
  if (changes.port !== undefined) url.port = String(changes.port);
  if (changes.sslmode !== undefined) url.searchParams.set('sslmode', changes.sslmode);
  return url.toString();
}

const open = (url: string, options?: DatabaseOptions) => new Database(targetFromUrl(url, 'under test'), options);

/** Runs `fn`, expects a PgTunerError with `code`, and checks that no password leaks into it. */
async function expectError(fn: () => Promise<unknown>, code: PgTunerErrorCode, secrets: string[]): Promise<PgTunerError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof PgTunerError, `expected a PgTunerError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const secret of secrets) {
    assert.ok(!caught.message.includes(secret), `password leaked into the message: ${caught.message}`);
    assert.ok(!String(caught.stack).includes(secret), 'password leaked into the stack');
  }
  return caught;
}

describe('Connection errors', () => {
  let cluster: Cluster;
  let dbUrl: string;
  const databases: Database[] = [];
  const track = (db: Database) => (databases.push(db), db);

  before(async () => {
    cluster = await getCluster();
    dbUrl = await freshDatabase([]);
  });

  after(async () => {
    await Promise.all(databases.map((db) => db.end()));
  });

  it('server down: a closed port is SERVER_DOWN naming host and port', async () => {
    const port = await freePort();
    const db = track(open(urlWith(dbUrl, { port, password: SECRET })));
    const err = await expectError(() => db.query('SELECT 1'), 'SERVER_DOWN', [SECRET]);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`));
  });

  it('wrong password is AUTH_FAILED and the wrong password is not echoed', async () => {
    const db = track(open(urlWith(dbUrl, { password: SECRET })));
    const err = await expectError(() => db.query('SELECT 1'), 'AUTH_FAILED', [SECRET, cluster.password]);
    assert.match(err.message, /^Password authentication failed for postgres@127\.0\.0\.1:\d+\/t_/);
    assert.equal(err.sqlState, '28P01');
  });

  it('a missing database is DATABASE_MISSING', async () => {
    const db = track(open(urlWith(dbUrl, { database: 'no_such_db_here' })));
    const err = await expectError(() => db.query('SELECT 1'), 'DATABASE_MISSING', [cluster.password]);
    assert.match(err.message, /Database "no_such_db_here" does not exist on 127\.0\.0\.1:\d+/);
  });

  it('sslmode=require against a server without SSL is an SSL error that says to disable it', async () => {
    const db = track(open(urlWith(dbUrl, { sslmode: 'require' })));
    const err = await expectError(() => db.query('SELECT 1'), 'SSL', [cluster.password]);
    assert.match(err.message, /does not accept SSL/);
    // "prefer" falls back to a plain connection on the same server.
    assert.equal((await track(open(urlWith(dbUrl, { sslmode: 'prefer' }))).query('SELECT 1 AS one')).rows[0].one, 1);
  });

  it('a role without the grant gets PERMISSION_DENIED', async () => {
    const database = new URL(dbUrl).pathname.slice(1);
    const role = `limited_${Date.now().toString(36)}`;
    await cluster.sql(database, `CREATE TABLE payroll (id int); CREATE ROLE ${role} LOGIN PASSWORD '${SECRET}'`);
    const db = track(open(urlWith(dbUrl, { user: role, password: SECRET })));
    assert.equal((await db.query('SELECT current_user AS u')).rows[0].u, role, 'the role can log in');
    const err = await expectError(() => db.query('SELECT * FROM payroll'), 'PERMISSION_DENIED', [SECRET]);
    assert.match(err.message, new RegExp(`Permission denied for ${role}: permission denied for table payroll`));
    assert.equal(err.sqlState, '42501');
  });

  it('an abort signal cancels the running statement on the server (CANCELLED)', async () => {
    const db = track(open(dbUrl));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 500);
    await expectError(() => db.withSession((s) => s.query('SELECT pg_sleep(60)'), controller.signal), 'CANCELLED', [cluster.password]);
    assert.ok(Date.now() - started < 10_000, 'cancelled long before the statement would have ended');
    const still = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'`,
    );
    assert.equal(Number(still.rows[0].n), 0, 'the backend no longer runs the statement');
    assert.equal((await db.query('SELECT 2 AS two')).rows[0].two, 2, 'the pool still works after a cancel');
  });

  it('a cancel sent as a session ends never reaches the next statement on the same pooled backend', async () => {
    const db = track(open(dbUrl));
    // Cancel requested, then the session ends at once: the request is still on its way.
    const first = await db.withSession(async (s) => {
      s.cancel();
      return s.pid;
    });
    const [pid, slept] = await db.withSession(async (s) => [s.pid, (await s.query('SELECT pg_sleep(0.5), true AS slept')).rows[0].slept]);
    assert.equal(pid, first, 'the pool handed out the same backend');
    assert.equal(slept, true, 'the next statement ran to its end');
  });

  it('a signal that is already aborted stops before connecting', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectError(() => track(open(dbUrl)).withSession((s) => s.query('SELECT 1'), controller.signal), 'CANCELLED', []);
  });

  it('the statement timeout stops a slow statement (TIMEOUT)', async () => {
    const db = track(open(dbUrl, { statementTimeoutMs: 300 }));
    const err = await expectError(() => db.query('SELECT pg_sleep(10)'), 'TIMEOUT', [cluster.password]);
    assert.match(err.message, /statement timeout/);
    assert.equal((await db.query<{ s: string }>(`SELECT current_setting('statement_timeout') AS s`)).rows[0].s, '300ms');
  });

  it('sets application_name to pgtuner', async () => {
    const db = track(open(dbUrl));
    assert.equal((await db.query<{ a: string }>(`SELECT current_setting('application_name') AS a`)).rows[0].a, 'pgtuner');
  });

  describe('against a server that only accepts SSL', () => {
    let sslCluster: Cluster;
    let sslUrl: string;

    before(async function () {
      this.timeout(120_000);
      sslCluster = await startCluster();
      await requireSslOnly(sslCluster);
      sslUrl = sslCluster.url('postgres');
    });

    after(async () => {
      await sslCluster?.stop();
    });

    it('sslmode=disable is an SSL error that says to require SSL', async () => {
      const db = track(open(urlWith(sslUrl, { sslmode: 'disable' })));
      const err = await expectError(() => db.query('SELECT 1'), 'SSL', [sslCluster.password]);
      assert.match(err.message, /only accepts SSL connections/);
      assert.match(err.message, /sslmode to "require"/);
    });

    it('sslmode=require and prefer connect over SSL', async () => {
      for (const sslmode of ['require', 'prefer'] as const) {
        const db = track(open(urlWith(sslUrl, { sslmode })));
        const ssl = await db.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        assert.equal(ssl.rows[0].ssl, true, sslmode);
      }
    });

    it('a URL with sslrootcert reads that file: verify-ca trusts the server certificate it names, verify-full still checks the host name', async () => {
      const rootCert = path.join(sslCluster.dataDir, 'server.crt');
      const withRoot = (sslmode: SslMode) => {
        const url = new URL(urlWith(sslUrl, { sslmode }));
        url.searchParams.set('sslrootcert', rootCert);
        return url.toString();
      };
      const verified = track(open(withRoot('verify-ca')));
      const ssl = await verified.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      assert.equal(ssl.rows[0].ssl, true);
      // The certificate is for CN=pgtuner-test, not 127.0.0.1.
      const err = await expectError(() => track(open(withRoot('verify-full'))).query('SELECT 1'), 'SSL', [sslCluster.password]);
      assert.match(err.message, /certificate could not be verified/);
    });

    it('verify-full rejects the self-signed certificate', async () => {
      const db = track(open(urlWith(sslUrl, { sslmode: 'verify-full' })));
      const err = await expectError(() => db.query('SELECT 1'), 'SSL', [sslCluster.password]);
      assert.match(err.message, /certificate could not be verified/);
    });
  });
});

/**
 * Turns SSL on with a self-signed certificate made by openssl and replaces pg_hba.conf with
 * hostssl lines only, then reloads and waits until plain TCP connections are refused.
 */
async function requireSslOnly(cluster: Cluster): Promise<void> {
  const cert = path.join(cluster.dataDir, 'server.crt');
  const key = path.join(cluster.dataDir, 'server.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=pgtuner-test', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  fs.writeFileSync(
    path.join(cluster.dataDir, 'pg_hba.conf'),
    ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256'].join('\n') + '\n',
  );
  fs.chmodSync(key, 0o600);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', cert, key, path.join(cluster.dataDir, 'pg_hba.conf')]);
  await cluster.sql('postgres', 'ALTER SYSTEM SET ssl = on');
  await cluster.sql('postgres', 'SELECT pg_reload_conf()');
  const plain = open(urlWith(cluster.url('postgres'), { sslmode: 'disable' }));
  try {
    for (let i = 0; i < 50; i++) {
      try {
        await plain.query('SELECT 1');
      } catch (err) {
        if (err instanceof PgTunerError && err.code === 'SSL') return;
        throw err;
      }
      await plain.end();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server still accepts plain connections after the reload');
  } finally {
    await plain.end();
  }
}
