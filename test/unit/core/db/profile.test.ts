import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  databaseUrlFromDotenv,
  describeProfile,
  targetFromEnvironment,
  targetFromUrl,
  validateProfile,
} from '../../../../src/core/db/profile';
import { newProfile, parseProfileSettings, storedProfile } from '../../../../src/core/db/profileSettings';
import { PgTunerError } from '../../../../src/core/errors';
import { tempDirs } from '../../../support/tempDirs';

describe('Connection profiles', () => {
  const tempDir = tempDirs();
  describe('targetFromUrl', () => {
    it('reads every field and keeps the password out of the profile', async () => {
      const t = targetFromUrl(
        'postgres://app%40corp:p%40ss%3Aw0rd@db.example.com:6543/shop%20db?sslmode=verify-full',
        'shop',
        'production',
      );
      assert.deepEqual(t.profile, {
        name: 'shop',
        host: 'db.example.com',
        port: 6543,
        database: 'shop db',
        user: 'app@corp',
        sslmode: 'verify-full',
        environment: 'production',
        source: 'url',
      });
      assert.equal(await t.password?.(), 'p@ss:w0rd');
      assert.ok(!JSON.stringify(t.profile).includes('w0rd'));
      assert.equal(describeProfile(t.profile), 'app@corp@db.example.com:6543/shop db');
    });

    it('accepts postgresql:// without password, port or sslmode', () => {
      const t = targetFromUrl('postgresql://localhost/app');
      assert.equal(t.password, undefined);
      assert.equal(t.profile.port, undefined);
      assert.equal(t.profile.sslmode, undefined);
      assert.equal(t.profile.database, 'app');
    });

    it("reads the SSL files a URL names (sslrootcert, sslcert, sslkey) with libpq's sslmode meaning", () => {
      const dir = tempDir('pgtuner-ssl-');
      const file = (name: string) => {
        fs.writeFileSync(path.join(dir, name), `-----BEGIN ${name}-----`);
        return path.join(dir, name);
      };
      const [ca, cert, key] = [file('root.crt'), file('client.crt'), file('client.key')];
      const t = targetFromUrl(`postgres://app@db/shop?sslmode=verify-ca&sslrootcert=${ca}&sslcert=${cert}&sslkey=${key}`);
      assert.equal(t.profile.sslmode, 'verify-ca');
      assert.deepEqual(
        [t.ssl?.ca, t.ssl?.cert, t.ssl?.key],
        ['-----BEGIN root.crt-----', '-----BEGIN client.crt-----', '-----BEGIN client.key-----'],
      );
      assert.equal(typeof t.ssl?.checkServerIdentity, 'function', 'verify-ca checks the chain, not the host name');
      assert.equal(targetFromUrl(`postgres://app@db/shop?sslmode=require&sslrootcert=${ca}`).ssl?.ca, '-----BEGIN root.crt-----');
      assert.equal(targetFromUrl('postgres://app@db/shop?sslmode=require').ssl, undefined, 'no file named: the sslmode alone decides');
      assert.equal(targetFromUrl(`postgres://app@db/shop?sslmode=disable&sslrootcert=${ca}`).ssl, undefined);
    });

    it('refuses a URL whose SSL file is missing, or verify-ca without a root certificate, as BAD_INPUT', () => {
      assert.throws(
        () => targetFromUrl('postgres://app:secret@db/shop?sslrootcert=/no/such/root.crt'),
        (e: unknown) =>
          e instanceof PgTunerError && e.code === 'BAD_INPUT' && /\/no\/such\/root\.crt/.test(e.message) && !e.message.includes('secret'),
      );
      assert.throws(
        () => targetFromUrl('postgres://app@db/shop?sslmode=verify-ca'),
        (e: unknown) => e instanceof PgTunerError && /sslrootcert/.test(e.message),
      );
    });

    it('rejects other schemes as BAD_INPUT', () => {
      assert.throws(
        () => targetFromUrl('mysql://root@localhost/db'),
        (e: unknown) => e instanceof PgTunerError && e.code === 'BAD_INPUT' && /postgres:\/\//.test(e.message),
      );
    });
  });

  describe('databaseUrlFromDotenv', () => {
    it('finds DATABASE_URL among other lines, with quotes, export and trailing comments', () => {
      assert.equal(
        databaseUrlFromDotenv('A=1\n# DATABASE_URL=postgres://commented\nDATABASE_URL=postgres://u@h/d # local\n'),
        'postgres://u@h/d',
      );
      assert.equal(databaseUrlFromDotenv('export DATABASE_URL="postgres://u:p#1@h/d"\r\n'), 'postgres://u:p#1@h/d');
      assert.equal(databaseUrlFromDotenv("DATABASE_URL='postgres://u@h/d'"), 'postgres://u@h/d');
    });

    it('takes a quoted value followed by a comment without its quotes (dotenv)', () => {
      assert.equal(databaseUrlFromDotenv('DATABASE_URL="postgres://u@h/d" # local database\n'), 'postgres://u@h/d');
      assert.equal(databaseUrlFromDotenv("DATABASE_URL='postgres://u@h/d'   # comment\n"), 'postgres://u@h/d');
    });

    it('expands ${VAR} from the same file only, never from this process or a shell', () => {
      assert.equal(
        databaseUrlFromDotenv('DB_HOST=db.local\nDB_NAME=shop\nDATABASE_URL=postgres://app@${DB_HOST}:5432/${DB_NAME}\n'),
        'postgres://app@db.local:5432/shop',
      );
      process.env.PGTUNER_TEST_SECRET = 'process-secret';
      try {
        assert.equal(databaseUrlFromDotenv('DATABASE_URL=postgres://app@evil/${PGTUNER_TEST_SECRET}'), 'postgres://app@evil/');
      } finally {
        delete process.env.PGTUNER_TEST_SECRET;
      }
      const marker = path.join(os.tmpdir(), `pgtuner-dotenv-${process.pid}`);
      assert.equal(databaseUrlFromDotenv(`DATABASE_URL=postgres://app@$(touch ${marker})/d`), `postgres://app@$(touch ${marker})/d`);
      assert.equal(fs.existsSync(marker), false, 'a .env must never run a command');
    });

    it('is undefined when absent or empty', () => {
      assert.equal(databaseUrlFromDotenv('OTHER_DATABASE_URL=postgres://x\nDB=1'), undefined);
      assert.equal(databaseUrlFromDotenv('DATABASE_URL='), undefined);
    });
  });

  describe('targetFromEnvironment', () => {
    it('uses the libpq PG* variables and PGPASSWORD', async () => {
      const t = targetFromEnvironment({
        PGHOST: 'pg.local',
        PGPORT: '5433',
        PGDATABASE: 'app',
        PGUSER: 'me',
        PGPASSWORD: 'pw',
        PGSSLMODE: 'require',
      });
      assert.deepEqual(
        { ...t!.profile },
        {
          name: 'environment (PG*)',
          host: 'pg.local',
          port: 5433,
          database: 'app',
          user: 'me',
          sslmode: 'require',
          environment: 'development',
          source: 'environment',
        },
      );
      assert.equal(await t!.password?.(), 'pw');
    });

    it('is undefined when no PG* variable names a server', () => {
      assert.equal(targetFromEnvironment({ PATH: '/usr/bin', PGPASSWORD: 'x' }), undefined);
    });
  });

  describe('validateProfile', () => {
    it('accepts a complete profile', () => {
      assert.deepEqual(validateProfile({ name: 'a', host: 'h', port: 5432, environment: 'staging', sslmode: 'require' }), []);
    });

    it('names every problem', () => {
      const problems = validateProfile({
        name: ' ',
        port: 0,
        environment: 'prod' as never,
        sslmode: 'on' as never,
        password: 'x',
      } as never);
      assert.deepEqual(problems, [
        'name is required',
        'port 0 is not a TCP port',
        'environment must be one of development, staging, production',
        'sslmode must be one of disable, prefer, require, verify-ca, verify-full',
        'a password must not be stored in settings',
      ]);
    });
  });

  describe('parseProfileSettings', () => {
    it('keeps valid entries, defaults the environment, drops unknown keys and explains skipped ones', () => {
      const { profiles, problems } = parseProfileSettings([
        { name: 'dev', host: 'localhost', database: 'app', extra: true },
        { name: 'bad', port: 99999 },
        'not an object',
        { name: 'dev', host: 'other' },
        { name: 'typed-password', password: 'hunter2' },
      ]);
      assert.deepEqual(profiles, [{ name: 'dev', host: 'localhost', database: 'app', environment: 'development', source: 'settings' }]);
      assert.deepEqual(problems, [
        'pgtuner.connections[1] "bad": port 99999 is not a TCP port',
        'pgtuner.connections[2]: not an object',
        'pgtuner.connections[3] "dev": another connection has the same name',
        'pgtuner.connections[4] "typed-password": a password must not be stored in settings',
      ]);
      assert.ok(!problems.join().includes('hunter2'));
    });

    it('treats a missing setting as empty and a non-list as one problem', () => {
      assert.deepEqual(parseProfileSettings(undefined), { profiles: [], problems: [] });
      assert.deepEqual(parseProfileSettings({ name: 'x' }).problems, ['pgtuner.connections must be a list of connection objects']);
    });
  });

  describe('newProfile', () => {
    it('lifts the password out of a URL and stores only the connection fields', async () => {
      const { profile, password } = await newProfile({
        name: ' prod ',
        url: 'postgres://u:s3cret@h:5433/d?sslmode=require',
        environment: 'production',
      });
      assert.deepEqual(profile, {
        name: 'prod',
        environment: 'production',
        host: 'h',
        port: 5433,
        database: 'd',
        user: 'u',
        sslmode: 'require',
      });
      assert.equal(password, 's3cret');
    });

    it('lets explicit fields and password refine a URL', async () => {
      const { profile, password } = await newProfile({ name: 'x', url: 'postgres://u:old@h/d', sslmode: 'disable', password: 'new' });
      assert.equal(profile.sslmode, 'disable');
      assert.equal(password, 'new');
    });

    it('builds a profile from fields, with no password when none is given', async () => {
      const result = await newProfile({ name: 'f', host: 'h', port: 5432, database: 'd', user: 'u' });
      assert.deepEqual(result, {
        profile: { name: 'f', environment: 'development', host: 'h', port: 5432, database: 'd', user: 'u' },
        password: undefined,
      });
    });

    it('rejects invalid fields as BAD_INPUT naming the connection', async () => {
      await assert.rejects(
        newProfile({ name: 'p', host: 'h', port: 70000 }),
        (e: unknown) =>
          e instanceof PgTunerError && e.code === 'BAD_INPUT' && e.message === 'Connection "p": port 70000 is not a TCP port.',
      );
    });

    it('refuses a URL with SSL files rather than saving the connection without them', async () => {
      const ca = path.join(tempDir('pgtuner-ssl-'), 'root.crt');
      fs.writeFileSync(ca, 'CA');
      await assert.rejects(
        newProfile({ name: 'p', url: `postgres://u@h/d?sslmode=verify-ca&sslrootcert=${ca}` }),
        (e: unknown) => e instanceof PgTunerError && e.code === 'BAD_INPUT' && /does not keep sslrootcert/.test(e.message),
      );
    });
  });

  it('storedProfile writes only set fields', () => {
    assert.deepEqual(storedProfile({ name: 'n', host: undefined, port: 1, source: 'dotenv' }), {
      name: 'n',
      environment: 'development',
      port: 1,
    });
  });
});
