import assert from 'node:assert/strict';
import { databaseUrlFromDotenv, describeProfile, targetFromEnvironment, targetFromUrl, validateProfile } from '../../../src/core/db/profile';
import { newProfile, parseProfileSettings, storedProfile } from '../../../src/core/db/profileSettings';
import { PgTunerError } from '../../../src/core/errors';

describe('Connection profiles', () => {
  describe('targetFromUrl', () => {
    it('reads every field and keeps the password out of the profile', async () => {
      const t = targetFromUrl('postgres://app%40corp:p%40ss%3Aw0rd@db.example.com:6543/shop%20db?sslmode=verify-full', 'shop', 'production');
      assert.deepEqual(t.profile, {
        name: 'shop', host: 'db.example.com', port: 6543, database: 'shop db', user: 'app@corp', sslmode: 'verify-full',
        environment: 'production', source: 'url',
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

    it('rejects other schemes as BAD_INPUT', () => {
      assert.throws(() => targetFromUrl('mysql://root@localhost/db'), (e: unknown) => e instanceof PgTunerError && e.code === 'BAD_INPUT' && /postgres:\/\//.test(e.message));
    });
  });

  describe('databaseUrlFromDotenv', () => {
    it('finds DATABASE_URL among other lines, with quotes, export and trailing comments', () => {
      assert.equal(databaseUrlFromDotenv('A=1\n# DATABASE_URL=postgres://commented\nDATABASE_URL=postgres://u@h/d # local\n'), 'postgres://u@h/d');
      assert.equal(databaseUrlFromDotenv('export DATABASE_URL="postgres://u:p#1@h/d"\r\n'), 'postgres://u:p#1@h/d');
      assert.equal(databaseUrlFromDotenv("DATABASE_URL='postgres://u@h/d'"), 'postgres://u@h/d');
    });

    it('is undefined when absent or empty', () => {
      assert.equal(databaseUrlFromDotenv('OTHER_DATABASE_URL=postgres://x\nDB=1'), undefined);
      assert.equal(databaseUrlFromDotenv('DATABASE_URL='), undefined);
    });
  });

  describe('targetFromEnvironment', () => {
    it('uses the libpq PG* variables and PGPASSWORD', async () => {
      const t = targetFromEnvironment({ PGHOST: 'pg.local', PGPORT: '5433', PGDATABASE: 'app', PGUSER: 'me', PGPASSWORD: 'pw', PGSSLMODE: 'require' });
      assert.deepEqual({ ...t!.profile }, {
        name: 'environment (PG*)', host: 'pg.local', port: 5433, database: 'app', user: 'me', sslmode: 'require', environment: 'development', source: 'environment',
      });
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
      const problems = validateProfile({ name: ' ', port: 0, environment: 'prod' as never, sslmode: 'on' as never, password: 'x' } as never);
      assert.deepEqual(problems, [
        'name is required', 'port 0 is not a TCP port', 'environment must be one of development, staging, production',
        'sslmode must be one of disable, prefer, require, verify-ca, verify-full', 'a password must not be stored in settings',
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
      const { profile, password } = await newProfile({ name: ' prod ', url: 'postgres://u:s3cret@h:5433/d?sslmode=require', environment: 'production' });
      assert.deepEqual(profile, { name: 'prod', environment: 'production', host: 'h', port: 5433, database: 'd', user: 'u', sslmode: 'require' });
      assert.equal(password, 's3cret');
    });

    it('lets explicit fields and password refine a URL', async () => {
      const { profile, password } = await newProfile({ name: 'x', url: 'postgres://u:old@h/d', sslmode: 'disable', password: 'new' });
      assert.equal(profile.sslmode, 'disable');
      assert.equal(password, 'new');
    });

    it('builds a profile from fields, with no password when none is given', async () => {
      const result = await newProfile({ name: 'f', host: 'h', port: 5432, database: 'd', user: 'u' });
      assert.deepEqual(result, { profile: { name: 'f', environment: 'development', host: 'h', port: 5432, database: 'd', user: 'u' }, password: undefined });
    });

    it('rejects invalid fields as BAD_INPUT naming the connection', async () => {
      await assert.rejects(newProfile({ name: 'p', host: 'h', port: 70000 }), (e: unknown) =>
        e instanceof PgTunerError && e.code === 'BAD_INPUT' && e.message === 'Connection "p": port 70000 is not a TCP port.');
    });
  });

  it('storedProfile writes only set fields', () => {
    assert.deepEqual(storedProfile({ name: 'n', host: undefined, port: 1, source: 'dotenv' }), { name: 'n', environment: 'development', port: 1 });
  });
});
