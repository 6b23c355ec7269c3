import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../src/core/db/profile';
import type { ConnectionTestResult } from '../../src/vscode/connections/testConnection';
import {
  activateExtension,
  adminSql,
  answerModals,
  databaseOf,
  eventually,
  freshDatabaseUrl,
  restoreModals,
  urlFor,
  useConnection,
} from './support';

const workspaceFolder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const workspaceSettingsText = () => fs.readFileSync(path.join(workspaceFolder(), '.vscode', 'settings.json'), 'utf8');

const add = (arg: object) => vscode.commands.executeCommand<ConnectionProfile | undefined>('pgtuner.addConnection', arg);
const test = (name?: string) =>
  vscode.commands.executeCommand<ConnectionTestResult | undefined>('pgtuner.testConnection', name ? { name } : undefined);
const select = (name: string) => vscode.commands.executeCommand<ConnectionProfile | undefined>('pgtuner.selectConnection', { name });
const remove = (name: string) => vscode.commands.executeCommand<boolean | undefined>('pgtuner.removeConnection', { name });

describe('Connections', () => {
  let url: string;
  let password: string;

  before(async () => {
    await activateExtension();
    url = await freshDatabaseUrl();
    password = decodeURIComponent(new URL(url).password);
  });

  it('adds a profile from a URL, keeps its password out of settings.json, and tests it against the server', async () => {
    const profile = await add({ name: 'local staging', url, environment: 'staging' });
    assert.equal(profile?.name, 'local staging');
    assert.equal(profile?.database, databaseOf(url));

    const settings = workspaceSettingsText();
    assert.match(settings, /"local staging"/);
    assert.ok(!settings.includes(password), 'the password must not be written to settings.json');
    const stored = vscode.workspace.getConfiguration('pgtuner').inspect<Record<string, unknown>[]>('connections')?.workspaceValue ?? [];
    assert.deepEqual(
      stored.find((p) => p.name === 'local staging'),
      {
        name: 'local staging',
        environment: 'staging',
        host: '127.0.0.1',
        port: Number(new URL(url).port),
        database: databaseOf(url),
        user: 'postgres',
        sslmode: 'disable',
      },
    );

    const result = await test('local staging');
    assert.ok(result?.ok, `test failed: ${JSON.stringify(result)}`);
    assert.equal(result.info.database, databaseOf(url));
    assert.equal(result.info.user, 'postgres');
    assert.equal(result.info.versionNum >= 150000, true);
    assert.equal(result.info.extensions.pg_trgm.installed, true, 'freshDatabaseUrl installs pg_trgm');
    assert.match(result.summary, /^PostgreSQL 1\d/);
  });

  it('tests the active connection when called without an argument', async () => {
    await add({ name: 'active one', url, environment: 'development' });
    const result = await test();
    assert.equal(result?.name, 'active one');
    assert.equal(result?.ok, true);
  });

  it('reports a wrong password as AUTH_FAILED with an actionable message that does not contain it', async () => {
    const wrong = 'not-the-password-4711';
    await add({ name: 'wrong password', url: urlFor(databaseOf(url), 'postgres', wrong) });
    const result = await test('wrong password');
    assert.ok(result && !result.ok);
    assert.equal(result.code, 'AUTH_FAILED');
    assert.match(result.message, /Password authentication failed for postgres@127\.0\.0\.1:\d+\//);
    assert.match(result.message, /Add Connection/);
    assert.ok(!result.message.includes(wrong) && !result.message.includes(password));
  });

  it('reports a database that does not exist as DATABASE_MISSING', async () => {
    await add({ name: 'missing db', url: urlFor('no_such_database_xyz') });
    const result = await test('missing db');
    assert.equal(result?.ok, false);
    assert.equal(result.code, 'DATABASE_MISSING');
    assert.match(result.message, /Database "no_such_database_xyz" does not exist/);
  });

  it('removes a profile together with its stored password', async () => {
    await add({ name: 'to remove', url });
    assert.equal((await test('to remove'))?.ok, true);
    assert.equal(await remove('to remove'), true);
    assert.ok(!workspaceSettingsText().includes('"to remove"'));
    assert.equal(await test('to remove'), undefined, 'a removed connection cannot be tested');
    // Added again without a password: the old one must be gone from secret storage.
    const passwordless = new URL(url);
    passwordless.password = '';
    await add({ name: 'to remove', url: passwordless.toString() });
    const result = await test('to remove');
    assert.equal(result?.ok, false);
    assert.equal(result.code, 'AUTH_FAILED');
  });

  it('rejects invalid input without saving anything', async () => {
    const before = workspaceSettingsText();
    assert.equal(await add({ name: 'bad port', host: '127.0.0.1', port: 70000 }), undefined);
    assert.equal(await add({ name: 'bad url', url: 'mysql://root@localhost/db' }), undefined);
    assert.equal(workspaceSettingsText(), before);
  });

  it('offers DATABASE_URL from the workspace .env file as a connection (quoted, with a comment after it)', async () => {
    const envUrl = await freshDatabaseUrl([]);
    fs.writeFileSync(path.join(workspaceFolder(), '.env'), `# local dev\nDATABASE_URL="${envUrl}" # the demo database\nOTHER=1\n`);
    try {
      const profile = await eventually('the .env connection', () => select('DATABASE_URL (.env)'));
      assert.equal(profile.database, databaseOf(envUrl));
      const result = await test('DATABASE_URL (.env)');
      assert.equal(result?.ok, true);
      assert.equal(result.info.database, databaseOf(envUrl));
      assert.ok(!workspaceSettingsText().includes(databaseOf(envUrl)), 'a .env connection is not copied into settings');
    } finally {
      fs.rmSync(path.join(workspaceFolder(), '.env'));
    }
  });

  it('useConnection (the test helper other features use) makes a new database the active connection', async () => {
    const other = await freshDatabaseUrl([]);
    await adminSql(databaseOf(other), 'CREATE TABLE marker (id int)');
    await useConnection(other, 'production');
    const result = await test();
    assert.equal(result?.ok, true);
    assert.equal(result.info.database, databaseOf(other));
    assert.equal(result.name, `${databaseOf(other)} (production)`);
  });
});

/**
 * Issue 11: a workspace's settings (repository-controlled) must not take over a connection the
 * user made: no shared password, no shared name, and a changed server or a weaker environment
 * behind the active connection is confirmed before use.
 */
describe('Connections: workspace settings cannot take over a user connection', () => {
  const config = () => vscode.workspace.getConfiguration('pgtuner');
  const profilesAt = (target: 'user' | 'workspace') => {
    const inspected = config().inspect<Record<string, unknown>[]>('connections');
    return [...((target === 'user' ? inspected?.globalValue : inspected?.workspaceValue) ?? [])];
  };
  /** Writes pgtuner.connections at one level as a hand edit (or a git pull) would, and waits until the host sees it. */
  async function writeProfiles(target: 'user' | 'workspace', profiles: Record<string, unknown>[]) {
    await config().update(
      'connections',
      profiles.length ? profiles : undefined,
      target === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace,
    );
    await eventually('the settings change', () => (JSON.stringify(profilesAt(target)) === JSON.stringify(profiles) ? true : undefined));
  }
  const endpoint = (url: string) => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port), database: databaseOf(url), user: decodeURIComponent(u.username), sslmode: 'disable' };
  };

  let userUrl: string;
  let otherUrl: string;
  before(async () => {
    await activateExtension();
    userUrl = await freshDatabaseUrl([]);
    otherUrl = await freshDatabaseUrl([]);
  });

  afterEach(restoreModals);

  after(async () => {
    await writeProfiles(
      'workspace',
      profilesAt('workspace').filter((p) => p.name !== 'shop'),
    );
    await writeProfiles(
      'user',
      profilesAt('user').filter((p) => p.name !== 'shop' && p.name !== 'ledger'),
    );
  });

  it('lists a workspace profile named like a user profile separately, and the user password stays with the user profile', async () => {
    await add({ name: 'shop', url: userUrl, environment: 'production', scope: 'user' });
    // The repository now ships a "shop" of its own: another database, development, no password.
    await writeProfiles('workspace', [...profilesAt('workspace'), { name: 'shop', ...endpoint(otherUrl), environment: 'development' }]);

    const user = await eventually('"shop" after the workspace change', async () => {
      const p = await select('shop');
      return p && profilesAt('workspace').some((w) => w.name === 'shop') ? p : undefined;
    });
    assert.equal(user.database, databaseOf(userUrl), 'the name "shop" still means the user profile');
    assert.equal(user.environment, 'production');
    const userTest = await test('shop');
    assert.ok(userTest?.ok, JSON.stringify(userTest));
    assert.equal(userTest.info.database, databaseOf(userUrl));

    const workspace = await eventually('the workspace "shop" listed on its own', () => select('shop (workspace)'), 5_000);
    assert.equal(workspace.database, databaseOf(otherUrl));
    assert.equal(workspace.environment, 'development');
    const workspaceTest = await test('shop (workspace)');
    assert.equal(workspaceTest?.ok, false, "the workspace profile must not connect with the user profile's password");
    assert.equal(workspaceTest.code, 'AUTH_FAILED');
  });

  it('does not give the user password to a workspace profile even when it names the same server', async () => {
    await writeProfiles('workspace', [
      ...profilesAt('workspace').filter((p) => p.name !== 'shop'),
      { name: 'shop', ...endpoint(userUrl), environment: 'development' },
    ]);
    const workspace = await eventually(
      'the workspace "shop" on the user\'s server',
      async () => {
        const p = await select('shop (workspace)');
        return p?.database === databaseOf(userUrl) ? p : undefined;
      },
      5_000,
    );
    assert.equal(workspace.environment, 'development');
    const result = await test('shop (workspace)');
    assert.equal(result?.ok, false);
    assert.equal(result.code, 'AUTH_FAILED');
    assert.equal((await test('shop'))?.ok, true, 'the user profile keeps its password');
  });

  it('asks (modal) before using the active connection once its server changed or its environment got weaker', async () => {
    await add({ name: 'ledger', url: userUrl, environment: 'production', scope: 'user' });
    assert.equal((await test())?.name, 'ledger', 'add selects the new connection');

    // Someone edits the profile behind the active connection: another database, development.
    const edited = profilesAt('user').map((p) =>
      p.name === 'ledger' ? { ...p, database: databaseOf(otherUrl), environment: 'development' } : p,
    );
    await writeProfiles('user', edited);

    const cancelAsked = answerModals(undefined);
    assert.equal(await test(), undefined, 'Cancel: nothing runs');
    assert.equal(cancelAsked.length, 1, 'asked once');
    assert.match(cancelAsked[0], /"ledger"/);
    assert.match(cancelAsked[0], new RegExp(`database ${databaseOf(userUrl)} → ${databaseOf(otherUrl)}`));
    assert.match(cancelAsked[0], /environment production → development/);

    const useAsked = answerModals('Use');
    const used = await test();
    assert.equal(useAsked.length, 1);
    assert.equal(used?.name, 'ledger');
    // The stored password was for the old server: it is not sent to the new one.
    assert.equal(used.ok, false);
    assert.equal(used.code, 'AUTH_FAILED');
    await test();
    assert.equal(useAsked.length, 1, 'once confirmed, the new server is remembered');
  });
});
