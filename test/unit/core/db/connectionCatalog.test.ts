import assert from 'node:assert/strict';
import {
  collectConnections,
  ConnectionEntry,
  ConnectionSources,
  identityChanges,
  identityOf,
  findByIdentity,
  RESTRICTED_MODE_NOTE,
  settingsSecretKey,
} from '../../../../src/core/db/connectionCatalog';
import { ConnectionProfile } from '../../../../src/core/db/profile';

/** Secret storage as the catalog sees it: by settings level and endpoint. */
const secrets: Record<string, string> = {
  [settingsSecretKey('user', { name: 'shared', host: 'user-host', environment: 'development' })]: 'from-secret-storage',
};

function sources(overrides: Partial<ConnectionSources>): ConnectionSources {
  return {
    trusted: true,
    userSettings: [
      { name: 'shared', host: 'user-host' },
      { name: 'mine', host: 'laptop', environment: 'staging' },
    ],
    workspaceSettings: [{ name: 'shared', host: 'team-host', environment: 'production' }],
    dotenv: [{ file: '/ws/.env', text: 'DATABASE_URL=postgres://app:envpw@db:5432/app\n' }],
    env: { PGHOST: 'pg.local', PGDATABASE: 'x' },
    settingsPassword: async (scope, profile) => secrets[settingsSecretKey(scope, profile, '/ws')],
    ...overrides,
  };
}

const summary = (s: ConnectionSources) => collectConnections(s).entries.map((e) => `${e.name} @${e.profile.host} [${e.origin}]`);

describe('Connection catalog', () => {
  it('in a trusted workspace offers workspace settings first, then user settings, .env and PG* variables', () => {
    assert.deepEqual(summary(sources({})), [
      'shared (workspace) @team-host [workspace settings]',
      'shared @user-host [user settings]',
      'mine @laptop [user settings]',
      'DATABASE_URL (.env) @db [.env]',
      'environment (PG*) @pg.local [PG* environment]',
    ]);
    assert.equal(collectConnections(sources({})).restrictedModeNote, undefined);
  });

  it('in a restricted workspace ignores workspace settings and .env, and says so', () => {
    const catalog = collectConnections(sources({ trusted: false }));
    assert.deepEqual(
      catalog.entries.map((e) => `${e.name} @${e.profile.host} [${e.origin}]`),
      ['shared @user-host [user settings]', 'mine @laptop [user settings]', 'environment (PG*) @pg.local [PG* environment]'],
    );
    assert.equal(catalog.restrictedModeNote, RESTRICTED_MODE_NOTE);
  });

  it('takes settings passwords from secret storage by level and endpoint, and the .env password from its URL', async () => {
    const byName = Object.fromEntries(collectConnections(sources({})).entries.map((e) => [e.name, e]));
    assert.equal(await byName.shared.password?.(), 'from-secret-storage');
    assert.equal(await byName['shared (workspace)'].password?.(), undefined, "a workspace profile never gets a user profile's password");
    assert.equal(await byName.mine.password?.(), undefined);
    assert.equal(await byName['DATABASE_URL (.env)'].password?.(), 'envpw');
    assert.ok(!JSON.stringify(Object.values(byName).map((e) => e.profile)).includes('envpw'));
    // The user profile pointed elsewhere (a hand edit): the stored password stays behind.
    const moved = collectConnections(sources({ userSettings: [{ name: 'shared', host: 'other-host' }] })).entries.find(
      (e) => e.name === 'shared',
    );
    assert.equal(await moved?.password?.(), undefined);
  });

  it("keeps the user's names: a folder-defined connection with a taken name gets its source appended", () => {
    const catalog = collectConnections(
      sources({
        userSettings: [
          { name: 'shop', host: 'prod', environment: 'production' },
          { name: 'shop (workspace)', host: 'x' },
          { name: 'DATABASE_URL (.env)', host: 'y' },
        ],
        workspaceSettings: [
          { name: 'shop', host: 'evil', sslmode: 'disable' },
          { name: 'environment (PG*)', host: 'z' },
        ],
      }),
    );
    assert.deepEqual(
      catalog.entries.map((e) => `${e.name} = ${e.sourceName} @${e.profile.host} [${e.scope}]`),
      [
        'shop (workspace 2) = shop @evil [workspace]',
        'environment (PG*) (workspace) = environment (PG*) @z [workspace]',
        'shop = shop @prod [user]',
        'shop (workspace) = shop (workspace) @x [user]',
        'DATABASE_URL (.env) = DATABASE_URL (.env) @y [user]',
        'DATABASE_URL (.env) (.env) = DATABASE_URL (.env) @db [dotenv]',
        'environment (PG*) = environment (PG*) @pg.local [environment]',
      ],
    );
    for (const e of catalog.entries) assert.equal(e.profile.name, e.name, 'messages show the unique name');
  });

  describe('settingsSecretKey', () => {
    const p: ConnectionProfile = { name: 'shop', host: 'h', port: 5432, database: 'd', user: 'u', environment: 'production' };
    it('differs by level, workspace, name and every endpoint field, not by environment or sslmode', () => {
      const key = settingsSecretKey('user', p);
      const others = [
        settingsSecretKey('workspace', p, 'file:///a'),
        settingsSecretKey('user', { ...p, name: 'shop2' }),
        settingsSecretKey('user', { ...p, host: 'h2' }),
        settingsSecretKey('user', { ...p, port: 5433 }),
        settingsSecretKey('user', { ...p, database: 'd2' }),
        settingsSecretKey('user', { ...p, user: 'u2' }),
      ];
      assert.equal(new Set([key, ...others]).size, 7);
      assert.notEqual(settingsSecretKey('workspace', p, 'file:///a'), settingsSecretKey('workspace', p, 'file:///b'));
      assert.equal(settingsSecretKey('user', { ...p, environment: 'development', sslmode: 'disable' }), key);
      assert.equal(settingsSecretKey('user', { ...p, port: undefined }), key, 'no port is 5432');
    });
  });

  describe('identity of the active connection', () => {
    const entries = (user: unknown[], workspace: unknown[] = []) =>
      collectConnections(sources({ userSettings: user, workspaceSettings: workspace })).entries;
    const find = (list: ConnectionEntry[], name: string) => list.find((e) => e.name === name)!;

    it('finds the chosen connection by level and name, not by the listed name', () => {
      const chosen = identityOf(find(entries([{ name: 'shop', host: 'prod' }]), 'shop'));
      const later = entries([{ name: 'other', host: 'x' }], [{ name: 'shop', host: 'evil' }]);
      assert.equal(find(later, 'shop').scope, 'workspace', 'the workspace "shop" is now listed as "shop"');
      assert.equal(findByIdentity(later, chosen), undefined, 'yet it is not the user\'s "shop"');
    });

    it('lists endpoint and sslmode changes and a weaker environment; a stricter one is no change', () => {
      const before = identityOf(
        find(
          entries([
            { name: 'shop', host: 'prod', port: 5432, database: 'shop', user: 'app', sslmode: 'verify-full', environment: 'production' },
          ]),
          'shop',
        ),
      );
      const same = identityOf(
        find(
          entries([{ name: 'shop', host: 'prod', database: 'shop', user: 'app', sslmode: 'verify-full', environment: 'production' }]),
          'shop',
        ),
      );
      assert.deepEqual(identityChanges(before, same), []);
      const after = identityOf(
        find(
          entries([
            { name: 'shop', host: 'evil', port: 6432, database: 'shop2', user: 'root', sslmode: 'disable', environment: 'development' },
          ]),
          'shop',
        ),
      );
      assert.deepEqual(identityChanges(before, after), [
        'host prod → evil',
        'port 5432 → 6432',
        'database shop → shop2',
        'user app → root',
        'sslmode verify-full → disable',
        'environment production → development',
      ]);
      assert.deepEqual(identityChanges({ ...before, environment: 'staging' }, { ...before, environment: 'production' }), []);
      assert.deepEqual(identityChanges({ ...before, environment: 'staging' }, { ...before, environment: 'development' }), [
        'environment staging → development',
      ]);
    });
  });

  it('package.json keeps the connection settings restricted in untrusted workspaces (a cloned repository must not choose the server)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest = require('../../../../../package.json') as {
      capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } };
    };
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    for (const setting of ['pgtuner.connections', 'pgtuner.envFile'])
      assert.ok(untrusted?.restrictedConfigurations?.includes(setting), setting);
  });

  it('offers a quoted DATABASE_URL followed by a comment, and reports one whose SSL file is missing', () => {
    const quoted = collectConnections(
      sources({ dotenv: [{ file: '/ws/.env', text: 'DATABASE_URL="postgres://app@db:5432/app" # local\n' }], env: {} }),
    );
    assert.equal(quoted.entries.find((e) => e.origin === '.env')?.profile.host, 'db');
    const broken = collectConnections(
      sources({ dotenv: [{ file: '/ws/.env', text: 'DATABASE_URL=postgres://app@db/app?sslrootcert=/no/such.crt' }], env: {} }),
    );
    assert.equal(
      broken.entries.some((e) => e.origin === '.env'),
      false,
    );
    assert.deepEqual(broken.problems, ['/ws/.env: DATABASE_URL: The database URL names an SSL file that cannot be read: /no/such.crt.']);
  });

  it("in a multi-root workspace offers each folder's .env DATABASE_URL, labelled with its folder", async () => {
    const catalog = collectConnections(
      sources({
        userSettings: [],
        workspaceSettings: [],
        dotenv: [
          { file: '/ws/api/.env', text: 'DATABASE_URL=postgres://api:apipw@api-db/api\n', folder: 'api' },
          { file: '/ws/web/.env', text: 'DATABASE_URL=postgres://web@web-db/web\n', folder: 'web' },
        ],
        env: {},
      }),
    );
    assert.deepEqual(
      catalog.entries.map((e) => `${e.name} @${e.profile.host} [${e.folder}]`),
      ['DATABASE_URL (api: .env) @api-db [api]', 'DATABASE_URL (web: .env) @web-db [web]'],
    );
    assert.equal(await catalog.entries[0].password?.(), 'apipw');
    assert.equal(await catalog.entries[1].password?.(), undefined, "one folder's .env password is not another's");
    assert.deepEqual(
      collectConnections(
        sources({ trusted: false, dotenv: [{ file: '/ws/web/.env', text: 'DATABASE_URL=postgres://web@web-db/web', folder: 'web' }] }),
      ).entries.filter((e) => e.origin === '.env'),
      [],
      "a restricted workspace reads no folder's .env",
    );
  });

  it("a folder (named by the repository's .code-workspace) cannot take a user connection's name or password, nor another folder's", async () => {
    const named = 'DATABASE_URL (shop: .env)';
    const key = settingsSecretKey('user', { name: named, host: 'user-host', environment: 'production' });
    const catalog = collectConnections(
      sources({
        userSettings: [{ name: named, host: 'user-host', environment: 'production' }],
        workspaceSettings: [],
        dotenv: [
          { file: '/ws/one/.env', text: 'DATABASE_URL=postgres://evil@evil-host/db\n', folder: 'shop' },
          { file: '/ws/two/.env', text: 'DATABASE_URL=postgres://other@other-host/db\n', folder: 'shop' },
        ],
        env: {},
        settingsPassword: async (scope, profile) => (settingsSecretKey(scope, profile) === key ? 'user-secret' : undefined),
      }),
    );
    assert.deepEqual(
      catalog.entries.map((e) => `${e.name} @${e.profile.host} [${e.scope}]`),
      [`${named} @user-host [user]`, `${named} (.env) @evil-host [dotenv]`, `${named} (.env 2) @other-host [dotenv]`],
    );
    const passwords = await Promise.all(catalog.entries.map((e) => e.password?.()));
    assert.deepEqual(passwords, ['user-secret', undefined, undefined]);
  });

  it('reports invalid settings entries with their level and skips a non-postgres DATABASE_URL', () => {
    const catalog = collectConnections(
      sources({
        workspaceSettings: [{ name: 'bad', sslmode: 'sometimes' }],
        dotenv: [{ file: '/ws/.env', text: 'DATABASE_URL=mysql://root@localhost/shop' }],
        env: {},
      }),
    );
    assert.deepEqual(
      catalog.entries.map((e) => e.name),
      ['shared', 'mine'],
    );
    assert.deepEqual(catalog.problems, [
      'workspace settings: pgtuner.connections[0] "bad": sslmode must be one of disable, prefer, require, verify-ca, verify-full',
    ]);
  });
});
