import assert from 'node:assert/strict';
import { collectConnections, ConnectionSources, RESTRICTED_MODE_NOTE } from '../../../src/core/db/connectionCatalog';

const secrets: Record<string, string> = { shared: 'from-secret-storage' };

function sources(overrides: Partial<ConnectionSources>): ConnectionSources {
  return {
    trusted: true,
    userSettings: [{ name: 'shared', host: 'user-host' }, { name: 'mine', host: 'laptop', environment: 'staging' }],
    workspaceSettings: [{ name: 'shared', host: 'team-host', environment: 'production' }],
    dotenv: { file: '/ws/.env', text: 'DATABASE_URL=postgres://app:envpw@db:5432/app\n' },
    env: { PGHOST: 'pg.local', PGDATABASE: 'x' },
    settingsPassword: async (name) => secrets[name],
    ...overrides,
  };
}

const summary = (s: ConnectionSources) => collectConnections(s).entries.map((e) => `${e.name} @${e.profile.host} [${e.origin}]`);

describe('Connection catalog', () => {
  it('in a trusted workspace offers workspace settings first, then user settings, .env and PG* variables', () => {
    assert.deepEqual(summary(sources({})), [
      'shared @team-host [workspace settings]',
      'mine @laptop [user settings]',
      'DATABASE_URL (.env) @db [.env]',
      'environment (PG*) @pg.local [PG* environment]',
    ]);
    assert.equal(collectConnections(sources({})).restrictedModeNote, undefined);
  });

  it('in a restricted workspace ignores workspace settings and .env, and says so', () => {
    const catalog = collectConnections(sources({ trusted: false }));
    assert.deepEqual(catalog.entries.map((e) => `${e.name} @${e.profile.host} [${e.origin}]`), [
      'shared @user-host [user settings]',
      'mine @laptop [user settings]',
      'environment (PG*) @pg.local [PG* environment]',
    ]);
    assert.equal(catalog.restrictedModeNote, RESTRICTED_MODE_NOTE);
  });

  it('takes settings passwords from secret storage and the .env password from its URL', async () => {
    const entries = collectConnections(sources({})).entries;
    assert.equal(await entries[0].password?.(), 'from-secret-storage');
    assert.equal(await entries[1].password?.(), undefined);
    assert.equal(await entries[2].password?.(), 'envpw');
    assert.ok(!JSON.stringify(entries.map((e) => e.profile)).includes('envpw'));
  });

  it('reports invalid settings entries with their level and skips a non-postgres DATABASE_URL', () => {
    const catalog = collectConnections(sources({
      workspaceSettings: [{ name: 'bad', sslmode: 'sometimes' }],
      dotenv: { file: '/ws/.env', text: 'DATABASE_URL=mysql://root@localhost/shop' },
      env: {},
    }));
    assert.deepEqual(catalog.entries.map((e) => e.name), ['shared', 'mine']);
    assert.deepEqual(catalog.problems, ['workspace settings: pgtuner.connections[0] "bad": sslmode must be one of disable, prefer, require, verify-ca, verify-full']);
  });
});
