import assert from 'node:assert/strict';
import { settingsSecretKey } from '../../../../src/core/db/connectionCatalog';
import { ConnectionProfile } from '../../../../src/core/db/profile';
import { PasswordStore } from '../../../../src/vscode/connections/passwordStore';

describe('PasswordStore (secret storage)', () => {
  const fake = (initial: Record<string, string>) => {
    const map = new Map(Object.entries(initial));
    return {
      map,
      storage: {
        get: async (k: string) => map.get(k),
        store: async (k: string, v: string) => {
          map.set(k, v);
        },
        delete: async (k: string) => {
          map.delete(k);
        },
      },
    };
  };
  const shop: ConnectionProfile = { name: 'shop', host: 'prod', database: 'shop', user: 'app', environment: 'production' };

  it('moves a name-keyed password of an earlier version to the new key, for user profiles only', async () => {
    const { map, storage } = fake({ 'pgtuner.connection.password:shop': 'old-pw' });
    const store = new PasswordStore(storage, () => 'file:///ws');
    assert.equal(await store.get('workspace', shop), undefined, 'a workspace profile never reads the old name-keyed password');
    assert.equal(map.get('pgtuner.connection.password:shop'), 'old-pw');
    assert.equal(await store.get('user', shop), 'old-pw');
    assert.equal(map.has('pgtuner.connection.password:shop'), false, 'the old key is gone');
    assert.equal(map.get(settingsSecretKey('user', shop)), 'old-pw');
    assert.equal(await store.get('user', { ...shop, host: 'elsewhere' }), undefined, 'moved under the endpoint it was read for');
  });

  it('keeps user and workspace passwords apart, and per workspace', async () => {
    const { storage } = fake({});
    let ws = 'file:///a';
    const store = new PasswordStore(storage, () => ws);
    await store.set('user', shop, 'user-pw');
    await store.set('workspace', shop, 'ws-a-pw');
    assert.equal(await store.get('user', shop), 'user-pw');
    assert.equal(await store.get('workspace', shop), 'ws-a-pw');
    ws = 'file:///b';
    assert.equal(await store.get('workspace', shop), undefined);
    await store.set('user', shop, undefined);
    assert.equal(await store.get('user', shop), undefined);
  });
});
