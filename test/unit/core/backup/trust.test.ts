import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { fileKeyring, memoryKeyring } from '../../../../src/core/backup/keys';
import { BackupEntry, backupGroup, newestBackup } from '../../../../src/core/backup/listing';
import { BackupManifest, canonicalJson, signManifest, verifyManifestMac } from '../../../../src/core/backup/manifest';
import { planRetention, retentionCandidates } from '../../../../src/core/backup/retention';
import { assessBackup } from '../../../../src/core/backup/trust';
import { tempDirs } from '../../../support/tempDirs';

const manifest = (over: Partial<BackupManifest> = {}): BackupManifest => ({
  kind: 'pgtuner-backup',
  version: 1,
  database: 'shop',
  server: { host: 'db.internal', port: 5432, version: '15.18', versionNum: 150018, systemIdentifier: '7300000000000000001' },
  file: 'shop-20261123T175307Z.dump',
  format: 'custom',
  pgDumpVersion: '15.18',
  startedAt: '2026-11-23T17:53:07.450Z',
  durationMs: 10,
  sizeBytes: 100,
  snapshot: 's',
  tables: [{ schema: 'public', name: 't', rows: 1 }],
  indexes: [],
  constraints: [],
  sequences: [],
  checksums: [{ sha256: 'a'.repeat(64), file: 'shop-20261123T175307Z.dump' }],
  ...over,
});
const now = new Date('2026-11-24T00:00:00Z');

describe('backup manifest authentication', () => {
  const tempDir = tempDirs();
  it('signs every field, the dump checksum included, and detects any change', async () => {
    const key = await memoryKeyring().signingKey();
    const signed = signManifest(manifest(), key);
    assert.equal(verifyManifestMac(signed, [key]), 'ok');
    assert.equal(verifyManifestMac(JSON.parse(JSON.stringify(signed)), [key]), 'ok', 'survives a JSON round trip');
    assert.equal(verifyManifestMac({ ...signed, checksums: [{ sha256: 'b'.repeat(64), file: signed.file }] }, [key]), 'invalid');
    assert.equal(verifyManifestMac({ ...signed, lastRestoreTest: { ok: true, testedAt: '', message: '' } }, [key]), 'invalid');
    assert.equal(verifyManifestMac(manifest(), [key]), 'missing');
    assert.equal(verifyManifestMac(signed, [await memoryKeyring().signingKey()]), 'unknown-key');
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });

  it('trusts a signed backup of this name, not an unsigned, renamed or future-dated one', async () => {
    const key = await memoryKeyring().signingKey();
    const signed = signManifest(manifest(), key);
    assert.equal(assessBackup('/b/shop-20261123T175307Z.dump', signed, [key], now).trusted, true);
    const unsigned = assessBackup('/b/shop-20261123T175307Z.dump', manifest(), [key], now);
    assert.deepEqual([unsigned.trusted, unsigned.authenticated], [false, false]);
    assert.match(unsigned.problems.join(), /not signed/);
    assert.match(assessBackup('/b/shop-20261123T175308Z.dump', signed, [key], now).problems.join(), /describes another file/);
    const future = assessBackup(
      '/b/shop-20991231T235959Z.dump',
      signManifest(manifest({ file: 'shop-20991231T235959Z.dump' }), key),
      [key],
      now,
    );
    assert.deepEqual([future.authenticated, future.futureDated, future.trusted], [true, true, false]);
    assert.equal(
      assessBackup('/b/shop-20261124T000200Z.dump', signManifest(manifest({ file: 'shop-20261124T000200Z.dump' }), key), [key], now)
        .trusted,
      true,
      'two minutes of clock skew are tolerated',
    );
    assert.equal(assessBackup('/b/x.dump', undefined, [key], now).trusted, false);
  });

  it('creates the CLI key file with mode 0600 once, and refuses one others can read', async () => {
    const dir = tempDir('pgtuner-key-');
    const file = path.join(dir, 'pgtuner', 'backup-hmac.key');
    assert.deepEqual(await fileKeyring(file).verifyingKeys(), [], 'verifying never creates a key');
    const [a, b] = await Promise.all([fileKeyring(file).signingKey(), fileKeyring(file).signingKey()]);
    assert.equal(a.id, b.id, 'two processes creating it at once get one key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['backup-hmac.key']);
    fs.chmodSync(file, 0o644);
    await assert.rejects(fileKeyring(file).signingKey(), /can be read by other users/);
  });
});

describe('backup groups: retention and newest', () => {
  const day = 86_400_000;
  const entry = (over: {
    system?: string;
    host?: string;
    database?: string;
    daysAgo: number;
    verified?: boolean;
    trusted?: boolean;
    future?: boolean;
  }): BackupEntry => {
    const identity = { database: over.database ?? 'shop', host: over.host ?? 'db', port: 5432, systemIdentifier: over.system };
    return {
      dumpPath: `/b/${identity.database}-${over.system ?? 'old'}-${over.daysAgo}.dump`,
      database: identity.database,
      takenAt: new Date(now.getTime() - over.daysAgo * day),
      sizeBytes: 1,
      complete: true,
      manifest: { lastRestoreTest: over.verified ? { ok: true, testedAt: '', message: '' } : undefined } as unknown as BackupManifest,
      trust: {
        authenticated: over.trusted !== false,
        futureDated: !!over.future,
        trusted: over.trusted !== false && !over.future,
        problems: over.trusted === false ? ['not signed'] : over.future ? ['future'] : [],
      },
      group: backupGroup(identity),
    };
  };

  it("retention of one server never touches another server's, an old manifest's, or an unsigned backup of the same database", () => {
    const prod = entry({ system: 'P', daysAgo: 5, verified: true });
    const legacy = entry({ daysAgo: 6 });
    const planted = entry({ system: 'D', daysAgo: 9, trusted: false });
    const dev = [
      entry({ system: 'D', daysAgo: 0 }),
      entry({ system: 'D', daysAgo: 1, verified: true }),
      entry({ system: 'D', daysAgo: 2 }),
    ];
    const all = [prod, legacy, planted, ...dev];
    const candidates = retentionCandidates(all, { database: 'shop', host: 'db', port: 5432, systemIdentifier: 'D' });
    assert.deepEqual(
      candidates.map((e) => e.dumpPath),
      dev.map((e) => e.dumpPath),
    );
    assert.deepEqual(
      planRetention(candidates, { keep: 1 }, now).map((e) => e.dumpPath),
      [dev[2].dumpPath],
    );
  });

  it('newest: skips unsigned and future-dated backups, and asks which group when there are several', () => {
    const real = entry({ system: 'P', daysAgo: 1 });
    const future = entry({ system: 'P', daysAgo: -1000, future: true });
    const unsigned = entry({ system: 'P', daysAgo: 0, trusted: false });
    const sorted = [future, unsigned, real];
    const picked = newestBackup(sorted, '/b');
    assert.equal(picked.entry, real);
    assert.deepEqual(picked.skipped, [future, unsigned]);
    assert.equal(newestBackup(sorted, '/b', { trustUnsigned: true }).entry, unsigned, 'never the future-dated one');
    const other = entry({ system: 'Q', daysAgo: 0 });
    assert.throws(() => newestBackup([other, ...sorted], '/b'), /holds backups of 2 servers or databases/);
    assert.equal(
      newestBackup([other, ...sorted], '/b', { prefer: { database: 'shop', host: 'db', port: 5432, systemIdentifier: 'P' } }).entry,
      real,
    );
    assert.throws(() => newestBackup([future, unsigned], '/b'), /No trusted complete backup.*2 skipped/);
  });
});
