import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupDatabase, BackupResult } from '../../../../src/core/backup/backup';
import { memoryKeyring } from '../../../../src/core/backup/keys';
import { restoreBackup } from '../../../../src/core/backup/restore';
import { restoreTest } from '../../../../src/core/backup/restoreTest';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun, Run } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { queryUrl } from '../../../support/sql';

const SHOP_SQL = `
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), note text);
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers (email) SELECT 'c' || g || '@x.test' FROM generate_series(1, 1000) g;
INSERT INTO orders (customer_id, note) SELECT 1 + g % 1000, repeat('n', g % 50) FROM generate_series(1, 30000) g;`;

const PASSPHRASE = 'correct horse battery staple';
const keys = memoryKeyring();

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A throwaway GnuPG home with one key pair (no passphrase): the recipient of public-key backups. */
function gpgHome(): { home: string; publicKeyFile: string; privateKey: string } {
  const home = tempDir('pgtuner-gnupg-');
  fs.chmodSync(home, 0o700);
  const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', ...args]);
  gpg('--passphrase', '', '--quick-gen-key', 'Backups <backups@pgtuner.test>', 'future-default', 'default', 'never');
  const publicKeyFile = path.join(home, 'backups.asc');
  fs.writeFileSync(publicKeyFile, gpg('--armor', '--export', 'backups@pgtuner.test'));
  return { home, publicKeyFile, privateKey: gpg('--passphrase', '', '--armor', '--export-secret-keys', 'backups@pgtuner.test').toString() };
}

async function scratchDatabases(url: string): Promise<string[]> {
  return (await queryUrl<{ datname: string }>(url, `SELECT datname FROM pg_database WHERE datname LIKE '%\\_restore\\_test\\_%'`)).map(
    (r) => r.datname,
  );
}

describe('encrypted backups (OpenPGP)', function () {
  let binDir: string;
  let shopUrl: string;
  let shop: Database;
  let dir: string;
  let recipient: ReturnType<typeof gpgHome>;
  let withPassphrase: BackupResult;
  let withKey: BackupResult;

  const withTools = (settings: Partial<Settings> = {}): Run => defaultRun({ settings: { 'backup.toolsDirectory': binDir, ...settings } });
  const gpgDecrypt = (file: string, out: string, ...args: string[]) =>
    execFileSync(
      'gpg',
      ['--homedir', recipient.home, '--batch', '--pinentry-mode', 'loopback', ...args, '--output', out, '--decrypt', file],
      {
        stdio: 'pipe',
      },
    );

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    shopUrl = await freshDatabase([]);
    shop = new Database(targetFromUrl(shopUrl));
    await queryUrl(shopUrl, SHOP_SQL);
    dir = tempDir('pgtuner-encrypted-');
    recipient = gpgHome();
    withPassphrase = await backupDatabase(
      shop,
      { keys, directory: dir, passphrase: PASSPHRASE },
      withTools({ 'backup.encryption': 'passphrase' }),
    );
    withKey = await backupDatabase(
      shop,
      { keys, directory: dir },
      withTools({ 'backup.encryption': 'public-key', 'backup.encryptionRecipientKeyFiles': [recipient.publicKeyFile] }),
    );
  });

  after(async () => {
    await shop?.end();
  });

  it('writes only ciphertext, says how in the signed manifest, and checksums the encrypted file', () => {
    const bytes = fs.readFileSync(withPassphrase.dumpPath);
    assert.ok(!bytes.subarray(0, 5).equals(Buffer.from('PGDMP')), 'not a plain pg_dump archive');
    assert.ok(!bytes.includes(Buffer.from('orders_customer_idx')), 'no object name in clear text');
    assert.deepEqual(withPassphrase.manifest.encryption, { format: 'OpenPGP', method: 'passphrase', cipher: 'AES-256' });
    const fingerprint = execFileSync('gpg', ['--homedir', recipient.home, '--with-colons', '--list-keys', 'backups@pgtuner.test'])
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('fpr:'))
      .map((l) => l.split(':')[9].toLowerCase());
    assert.equal(withKey.manifest.encryption?.method, 'public-key');
    assert.ok(
      fingerprint.includes(withKey.manifest.encryption!.recipients![0]),
      `${withKey.manifest.encryption?.recipients} among ${fingerprint}`,
    );
    assert.ok(withPassphrase.manifest.mac, 'manifest signed');
    const manifestText = fs.readFileSync(withPassphrase.manifestPath, 'utf8');
    assert.ok(!manifestText.includes(PASSPHRASE), 'no passphrase in the manifest');
    // sha256sum -c in the backup folder checks the stored (encrypted) file.
    execFileSync('sha256sum', ['-c', path.basename(withPassphrase.checksumPath)], { cwd: dir, stdio: 'pipe' });
    assert.equal((fs.statSync(withPassphrase.dumpPath).mode & 0o777).toString(8), '600');
  });

  it('decrypts with the system gpg (passphrase and private key), and plain pg_restore restores the result', async () => {
    const plain = path.join(dir, 'plain-from-passphrase.dump');
    gpgDecrypt(withPassphrase.dumpPath, plain, '--passphrase', PASSPHRASE);
    assert.equal(fs.readFileSync(plain).subarray(0, 5).toString(), 'PGDMP');
    const fromKey = path.join(dir, 'plain-from-key.dump');
    gpgDecrypt(withKey.dumpPath, fromKey);
    const target = `gpg_restored_${process.pid}`;
    await queryUrl(shopUrl, `CREATE DATABASE ${target}`);
    const url = new URL(shopUrl);
    execFileSync(path.join(binDir, 'pg_restore'), ['--no-owner', '--exit-on-error', '--dbname', target, fromKey], {
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port,
        PGUSER: decodeURIComponent(url.username),
        PGPASSWORD: decodeURIComponent(url.password),
      },
      stdio: 'pipe',
    });
    url.pathname = `/${target}`;
    const [{ n }] = await queryUrl<{ n: string }>(url.toString(), 'SELECT count(*) AS n FROM orders');
    assert.equal(Number(n), 30000);
    await queryUrl(shopUrl, `DROP DATABASE ${target}`);
  });

  it('restore-tests both, decrypting on the fly', async () => {
    const byPassphrase = await restoreTest(
      shop,
      { dumpPath: withPassphrase.dumpPath, keys, decryption: { passphrase: PASSPHRASE } },
      withTools(),
    );
    assert.ok(byPassphrase.ok, byPassphrase.message);
    assert.deepEqual(
      byPassphrase.tables.map((t) => [t.name, t.actual]),
      [
        ['customers', 1000],
        ['orders', 30000],
      ],
    );
    const byKey = await restoreTest(
      shop,
      { dumpPath: withKey.dumpPath, keys, decryption: { privateKeys: [recipient.privateKey] } },
      withTools(),
    );
    assert.ok(byKey.ok, byKey.message);
    assert.deepEqual(await scratchDatabases(shopUrl), []);
  });

  it('a wrong passphrase or key is a clear error that leaves nothing behind and records no test', async () => {
    const before = fs.readFileSync(withPassphrase.manifestPath, 'utf8');
    await assert.rejects(
      restoreTest(shop, { dumpPath: withPassphrase.dumpPath, keys, decryption: { passphrase: 'wrong' } }, withTools()),
      (err: PgTunerError) => err.code === 'BAD_INPUT' && /wrong passphrase/.test(err.message) && !err.message.includes('wrong\n'),
    );
    const other = gpgHome();
    await assert.rejects(
      restoreTest(shop, { dumpPath: withKey.dumpPath, keys, decryption: { privateKeys: [other.privateKey] } }, withTools()),
      (err: PgTunerError) => err.code === 'BAD_INPUT' && /none of the private keys/.test(err.message),
    );
    await assert.rejects(restoreTest(shop, { dumpPath: withKey.dumpPath, keys }, withTools()), /give the private key file/);
    assert.deepEqual(await scratchDatabases(shopUrl), []);
    assert.equal(fs.readFileSync(withPassphrase.manifestPath, 'utf8'), before, 'no failed test recorded');
  });

  it('Restore Database decrypts on the fly; a wrong passphrase fails before any database is created', async () => {
    const databases = async () =>
      (await queryUrl<{ datname: string }>(shopUrl, 'SELECT datname FROM pg_database ORDER BY 1')).map((r) => r.datname);
    const before = await databases();
    const safetyDirectory = tempDir('pgtuner-safety-');
    const target = `encrypted_restored_${process.pid}`;
    await assert.rejects(
      restoreBackup(
        shop,
        { dumpPath: withPassphrase.dumpPath, targetDatabase: target, keys, safetyDirectory, decryption: { passphrase: 'wrong' } },
        withTools(),
      ),
      /wrong passphrase/,
    );
    assert.deepEqual(await databases(), before);
    const restored = await restoreBackup(
      shop,
      { dumpPath: withPassphrase.dumpPath, targetDatabase: target, keys, safetyDirectory, decryption: { passphrase: PASSPHRASE } },
      withTools(),
    );
    assert.equal(restored.created, true);
    const url = new URL(shopUrl);
    url.pathname = `/${target}`;
    assert.equal(Number((await queryUrl<{ n: string }>(url.toString(), 'SELECT count(*) AS n FROM orders'))[0].n), 30000);
    await queryUrl(shopUrl, `DROP DATABASE ${target}`);
  });

  it('a flipped byte in the encrypted file fails at the checksum, before any scratch database exists', async () => {
    const copyDir = tempDir('pgtuner-flipped-');
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(withPassphrase.dumpPath, '.dump'))))
      fs.copyFileSync(path.join(dir, f), path.join(copyDir, f));
    const damaged = path.join(copyDir, path.basename(withPassphrase.dumpPath));
    const bytes = fs.readFileSync(damaged);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    fs.writeFileSync(damaged, bytes);
    const created: string[] = [];
    const watch = setInterval(() => void scratchDatabases(shopUrl).then((names) => created.push(...names)), 20);
    try {
      const result = await restoreTest(shop, { dumpPath: damaged, keys, decryption: { passphrase: PASSPHRASE } }, withTools());
      assert.equal(result.ok, false);
      assert.equal(result.failedAt, 'checksum');
      assert.equal(result.scratchDatabase, undefined);
    } finally {
      clearInterval(watch);
    }
    assert.deepEqual(created, [], 'no scratch database was ever created');
  });

  it('refuses to encrypt without a passphrase, and a directory-format dump, before pg_dump runs', async () => {
    const empty = tempDir('pgtuner-refused-');
    await assert.rejects(
      backupDatabase(shop, { keys, directory: empty }, withTools({ 'backup.encryption': 'passphrase' })),
      /no passphrase was given/,
    );
    await assert.rejects(
      backupDatabase(
        shop,
        { keys, directory: empty, passphrase: PASSPHRASE },
        withTools({ 'backup.encryption': 'passphrase', 'backup.format': 'directory' }),
      ),
      /Only the custom format/,
    );
    assert.deepEqual(fs.readdirSync(empty), []);
  });
});
