import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupDatabase, BackupResult } from '../../../../src/core/backup/backup';
import { memoryKeyring } from '../../../../src/core/backup/keys';
import { downloadBackup, listRemoteBackups, restoreTestRemote, uploadBackup } from '../../../../src/core/backup/remote';
import { Database } from '../../../../src/core/db/database';
import { targetFromUrl } from '../../../../src/core/db/profile';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun, Run } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';
import { freshDatabase, getCluster } from '../../../support/integrationHooks';
import { LocalS3, startLocalS3 } from '../../../support/s3';
import { queryUrl } from '../../../support/sql';

describe('off-site backup copies (S3-compatible server on 127.0.0.1)', function () {
  let s3: LocalS3;
  let binDir: string;
  let shopUrl: string;
  let shop: Database;
  let backup: BackupResult;
  const keys = memoryKeyring();
  const messages: string[] = [];

  const run = (prefix: string, settings: Partial<Settings> = {}, extra: Partial<Omit<Run, 'settings'>> = {}): Run =>
    defaultRun({
      onProgress: (m) => messages.push(m),
      ...extra,
      settings: {
        'backup.toolsDirectory': binDir,
        'backup.s3.bucket': s3.bucket,
        'backup.s3.prefix': prefix,
        'backup.s3.endpoint': s3.endpoint,
        'backup.s3.forcePathStyle': true,
        ...settings,
      },
    });
  const keysUnder = (prefix: string) => s3.keys(prefix);
  const scratchDatabases = async () =>
    (await queryUrl<{ datname: string }>(shopUrl, `SELECT datname FROM pg_database WHERE datname LIKE '%\\_restore\\_test\\_%'`)).map(
      (r) => r.datname,
    );

  before(async function () {
    const cluster = await getCluster();
    if (cluster.kind !== 'system') this.skip();
    binDir = cluster.binDir;
    s3 = await startLocalS3();
    shopUrl = await freshDatabase([]);
    shop = new Database(targetFromUrl(shopUrl));
    await queryUrl(
      shopUrl,
      `CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 5000) g;`,
    );
    backup = await backupDatabase(
      shop,
      { keys, directory: fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-local-')) },
      run('nightly', { 'backup.s3.uploadAfterBackup': true }),
    );
  });

  after(async () => {
    await shop?.end();
    await s3?.stop();
  });

  it('uploads after the backup (checked against its checksum) and lists it with size, encryption and test result', async () => {
    assert.equal(backup.uploadError, undefined);
    const name = path.basename(backup.dumpPath);
    assert.equal(backup.uploaded?.url, `s3://${s3.bucket}/nightly/${name}`);
    assert.equal(backup.uploaded?.sha256, backup.manifest.checksums![0].sha256);
    const base = name.slice(0, -'.dump'.length);
    assert.deepEqual((await keysUnder('nightly/')).sort(), [
      `nightly/${base}.dump`,
      `nightly/${base}.dump.sha256`,
      `nightly/${base}.manifest.json`,
    ]);
    const listed = await listRemoteBackups({}, run('nightly'));
    assert.equal(listed.length, 1);
    assert.equal(listed[0].name, name);
    assert.equal(listed[0].sizeBytes, backup.manifest.sizeBytes);
    assert.equal(listed[0].encrypted, false);
    assert.equal(listed[0].lastRestoreTest, undefined);
  });

  it('restore-tests straight from s3://…, and the result is recorded beside the remote copy', async () => {
    const url = backup.uploaded!.url;
    const result = await restoreTestRemote(shop, { url, keys }, run(''));
    assert.ok(result.ok, result.message);
    assert.equal(result.tables[0].actual, 5000);
    const [listed] = await listRemoteBackups({}, run('nightly/'));
    assert.equal(listed.lastRestoreTest?.ok, true);
    assert.deepEqual(await scratchDatabases(), []);
  });

  it('a corrupted object is caught before anything restores, and no file is kept', async () => {
    const stored = path.join(s3.storeDir, s3.bucket, 'nightly', `${path.basename(backup.dumpPath)}._S3rver_object`);
    const bytes = fs.readFileSync(stored);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(stored, bytes);
    await assert.rejects(
      restoreTestRemote(shop, { url: backup.uploaded!.url, keys }, run('')),
      (err: PgTunerError) => err.code === 'CHECKSUM_MISMATCH',
    );
    const into = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-download-'));
    await assert.rejects(downloadBackup({ url: backup.uploaded!.url, directory: into }, run('')), /damaged/);
    assert.deepEqual(fs.readdirSync(into), []);
    assert.deepEqual(await scratchDatabases(), []);
  });

  it('an upload interrupted half-way leaves no object that looks complete', async () => {
    // A 48 MB "dump" with a matching checksum and manifest: three 16 MB parts.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-big-'));
    const name = path.basename(backup.dumpPath);
    const dumpPath = path.join(dir, name);
    fs.writeFileSync(dumpPath, randomBytes(48 * 1024 * 1024));
    const sha256 = createHash('sha256').update(fs.readFileSync(dumpPath)).digest('hex');
    fs.writeFileSync(`${dumpPath}.sha256`, `${sha256}  ${name}\n`);
    const manifest = { ...backup.manifest, mac: undefined, checksums: [{ sha256, file: name }] };
    fs.writeFileSync(dumpPath.replace(/\.dump$/, '.manifest.json'), JSON.stringify(manifest));
    const controller = new AbortController();
    const progress: string[] = [];
    await assert.rejects(
      uploadBackup(
        { dumpPath },
        run(
          'interrupted',
          {},
          {
            signal: controller.signal,
            onProgress: (m, share) => {
              progress.push(m);
              if ((share ?? 0) > 0) controller.abort();
            },
          },
        ),
      ),
      (err: PgTunerError) => err.code === 'CANCELLED',
    );
    assert.ok(progress.length > 0, 'the upload had started');
    assert.deepEqual(await keysUnder('interrupted/'), []);
    assert.deepEqual(await listRemoteBackups({}, run('interrupted')), []);
  });

  /** A made-up "backup" of `mb` MB with a matching checksum and manifest, in a folder of its own. */
  const bigBackup = (mb: number): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-big-'));
    const name = path.basename(backup.dumpPath);
    const dumpPath = path.join(dir, name);
    fs.writeFileSync(dumpPath, randomBytes(mb * 1024 * 1024));
    const sha256 = createHash('sha256').update(fs.readFileSync(dumpPath)).digest('hex');
    fs.writeFileSync(`${dumpPath}.sha256`, `${sha256}  ${name}\n`);
    fs.writeFileSync(
      dumpPath.replace(/\.dump$/, '.manifest.json'),
      JSON.stringify({ ...backup.manifest, mac: undefined, checksums: [{ sha256, file: name }] }),
    );
    return dumpPath;
  };
  /** Uploads, cancelling once `parts` parts are on the server. */
  const interruptedUpload = async (dumpPath: string, prefix: string, parts: number) => {
    const controller = new AbortController();
    await assert.rejects(
      uploadBackup(
        { dumpPath },
        run(prefix, {}, { signal: controller.signal, onProgress: (m) => Number(/\((\d+) of/.exec(m)?.[1]) >= parts && controller.abort() }),
      ),
      (err: PgTunerError) => err.code === 'CANCELLED' && /resumes/.test(err.message),
    );
    return JSON.parse(fs.readFileSync(`${dumpPath}.upload.json`, 'utf8')) as { uploadId: string; parts: { partNumber: number }[] };
  };

  it('an interrupted upload resumes: only the missing parts are sent, and the completed object verifies', async () => {
    // 64 MB: four 16 MB parts.
    const dumpPath = bigBackup(64);
    const first = await interruptedUpload(dumpPath, 'resumed', 2);
    assert.ok(first.parts.length >= 2 && first.parts.length < 4, `parts recorded: ${first.parts.length}`);
    assert.deepEqual(await keysUnder('resumed/'), [], 'nothing complete-looking after the interruption');

    const second = await interruptedUpload(dumpPath, 'resumed', 3);
    assert.equal(second.uploadId, first.uploadId, 'the same multipart upload went on');
    assert.ok(second.parts.length >= 3);

    const progress: string[] = [];
    const result = await uploadBackup({ dumpPath }, run('resumed', {}, { onProgress: (m) => progress.push(m) }));
    assert.equal(result.parts, 4);
    assert.ok(result.resumedParts >= second.parts.length, `resumed ${result.resumedParts}`);
    assert.equal(result.uploadedParts, 4 - result.resumedParts);
    assert.match(progress[0], new RegExp(`\\(${result.resumedParts} of 4 parts\\)`), 'the resumed parts counted from the start');
    assert.equal(result.sha256, createHash('sha256').update(fs.readFileSync(dumpPath)).digest('hex'));
    assert.ok(!fs.existsSync(`${dumpPath}.upload.json`), 'the record is removed once the upload completed');
    const into = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-download-'));
    const downloaded = await downloadBackup({ url: result.url, directory: into }, run(''));
    assert.ok(fs.readFileSync(downloaded.dumpPath).equals(fs.readFileSync(dumpPath)), 'the object is the file, byte for byte');
  });

  it('a resume record for another file or another bucket is not resumed: the upload starts over', async () => {
    const dumpPath = bigBackup(20);
    const first = await interruptedUpload(dumpPath, 'restarted', 1);
    // The dump changed since (same size, new bytes and time): its parts are of no use.
    const bytes = fs.readFileSync(dumpPath);
    bytes[0] ^= 0xff;
    fs.writeFileSync(dumpPath, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const manifestPath = dumpPath.replace(/\.dump$/, '.manifest.json');
    fs.writeFileSync(
      manifestPath,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestPath, 'utf8')), checksums: [{ sha256, file: path.basename(dumpPath) }] }),
    );
    const second = await interruptedUpload(dumpPath, 'restarted', 1);
    assert.notEqual(second.uploadId, first.uploadId);
    // A record naming another bucket (a file anyone could have put in the folder) is ignored.
    const record = JSON.parse(fs.readFileSync(`${dumpPath}.upload.json`, 'utf8'));
    fs.writeFileSync(`${dumpPath}.upload.json`, JSON.stringify({ ...record, bucket: 'someone-elses' }));
    const result = await uploadBackup({ dumpPath }, run('restarted'));
    assert.equal(result.resumedParts, 0);
    assert.equal(result.sha256, sha256);
  });

  it('retention applies to the remote copies too, and never deletes the newest restore-tested one', async () => {
    const local = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-local-'));
    const settings = { 'backup.s3.uploadAfterBackup': true, 'backup.keep': 1 };
    const first = await backupDatabase(shop, { keys, directory: local }, run('kept', settings));
    assert.ok((await restoreTestRemote(shop, { url: first.uploaded!.url, keys }, run(''))).ok);
    const second = await backupDatabase(shop, { keys, directory: local }, run('kept', settings));
    assert.deepEqual(second.deletedRemote, [], 'the only other one is the restore-tested one');
    const third = await backupDatabase(shop, { keys, directory: local }, run('kept', settings));
    assert.deepEqual(third.deletedRemote, [second.uploaded!.url]);
    assert.deepEqual(
      (await listRemoteBackups({}, run('kept'))).map((b) => b.url),
      [third.uploaded!.url, first.uploaded!.url],
    );
    // An unsigned backup in the bucket (not made with this user's key) is never touched.
    const foreign = await backupDatabase(shop, { directory: local }, run('kept', { ...settings, 'backup.keep': 0 }));
    const fourth = await backupDatabase(shop, { keys, directory: local }, run('kept', settings));
    assert.deepEqual(fourth.deletedRemote, [third.uploaded!.url]);
    assert.ok((await listRemoteBackups({}, run('kept'))).some((b) => b.url === foreign.uploaded!.url));
  });

  it('never shows the secret access key in a message', () => {
    assert.ok(messages.length > 0);
    for (const m of messages) assert.ok(!m.includes(s3.secret), m);
  });
});
