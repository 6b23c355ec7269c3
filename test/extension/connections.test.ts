import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../src/core/db/profile';
import type { ConnectionTestResult } from '../../src/vscode/connections/testConnection';
import { activateExtension, adminSql, databaseOf, eventually, freshDatabaseUrl, urlFor, useConnection } from './support';

const workspaceFolder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const workspaceSettingsText = () => fs.readFileSync(path.join(workspaceFolder(), '.vscode', 'settings.json'), 'utf8');

const add = (arg: object) => vscode.commands.executeCommand<ConnectionProfile | undefined>('pgtuner.addConnection', arg);
const test = (name?: string) => vscode.commands.executeCommand<ConnectionTestResult | undefined>('pgtuner.testConnection', name ? { name } : undefined);
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
    assert.deepEqual(stored.find((p) => p.name === 'local staging'), {
      name: 'local staging', environment: 'staging', host: '127.0.0.1', port: Number(new URL(url).port), database: databaseOf(url), user: 'postgres', sslmode: 'disable',
    });

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

  it('offers DATABASE_URL from the workspace .env file as a connection', async () => {
    const envUrl = await freshDatabaseUrl([]);
    fs.writeFileSync(path.join(workspaceFolder(), '.env'), `# local dev\nDATABASE_URL="${envUrl}"\nOTHER=1\n`);
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
