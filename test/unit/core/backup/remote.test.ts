import assert from 'node:assert/strict';
import { parseS3Url, s3SettingsOf, settingsFor } from '../../../../src/core/backup/remote';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';

describe('core/backup/remote: where backups go', () => {
  const settings = (s: Partial<Settings>) => defaultRun({ settings: s }).settings;

  it('reads s3://bucket/prefix/<db>-<stamp>.dump, and refuses anything that is not a PG Tuner backup name', () => {
    assert.deepEqual(parseS3Url('s3://backups/prod/shop/shop-20260301T100000Z.dump'), {
      bucket: 'backups',
      prefix: 'prod/shop/',
      name: 'shop-20260301T100000Z.dump',
    });
    assert.deepEqual(parseS3Url('s3://backups/shop-20260301T100000Z.dump'), {
      bucket: 'backups',
      prefix: '',
      name: 'shop-20260301T100000Z.dump',
    });
    for (const bad of ['s3://backups/', 's3://backups/prod/notes.txt', 'https://backups/shop-20260301T100000Z.dump', 's3://'])
      assert.throws(
        () => parseS3Url(bad),
        (err: PgTunerError) => err.code === 'BAD_INPUT',
        bad,
      );
  });

  it('needs a bucket; a prefix always ends with one slash and never starts with one', () => {
    assert.throws(() => s3SettingsOf(settings({})), /pgtuner\.backup\.s3\.bucket/);
    assert.equal(s3SettingsOf(settings({ 'backup.s3.bucket': 'b', 'backup.s3.prefix': '/db/nightly' })).prefix, 'db/nightly/');
    assert.equal(s3SettingsOf(settings({ 'backup.s3.bucket': 'b', 'backup.s3.prefix': 'db/' })).prefix, 'db/');
    assert.equal(s3SettingsOf(settings({ 'backup.s3.bucket': 'b' })).prefix, '');
  });

  it('an s3:// URL picks bucket and prefix; endpoint, region and path style stay as set', () => {
    const base = settings({ 'backup.s3.bucket': 'other', 'backup.s3.endpoint': 'http://127.0.0.1:9000', 'backup.s3.forcePathStyle': true });
    const { settings: chosen, name } = settingsFor('s3://backups/prod/shop-20260301T100000Z.dump', base);
    assert.equal(name, 'shop-20260301T100000Z.dump');
    assert.equal(chosen['backup.s3.bucket'], 'backups');
    assert.equal(chosen['backup.s3.prefix'], 'prod/');
    assert.equal(chosen['backup.s3.endpoint'], 'http://127.0.0.1:9000');
    assert.equal(chosen['backup.s3.forcePathStyle'], true);
  });
});
