import * as fs from 'fs';
import * as path from 'path';
import { BackupResult, backupDatabase } from '../../core/backup/backup';
import { BackupKeyring, fileKeyring } from '../../core/backup/keys';
import { RestoreTestResult, restoreTest } from '../../core/backup/restoreTest';
import {
  deleteRemoteBackup,
  downloadBackup,
  listRemoteBackups,
  parseS3Url,
  restoreTestRemote,
  uploadBackup,
} from '../../core/backup/remote';
import { newestTrustedBackup } from '../../core/backup/source';
import { VerificationQuery } from '../../core/backup/verify';
import { PgTunerError } from '../../core/errors';
import { formatBytes, formatSeconds } from '../../core/format';
import { Settings } from '../../core/settings/schema';
import { defineVerb } from '../runner';

/**
 * The CLI's manifest key: $XDG_CONFIG_HOME/pgtuner/backup-hmac.key (default ~/.config/…), mode
 * 0600, created by the first backup. Never in the workspace or the backup folder.
 */
const cliKeys = (): BackupKeyring => fileKeyring();

/** Where off-site copies go (the pgtuner.backup.s3.* settings); credentials only from the AWS SDK's default chain. */
const S3_OPTIONS = {
  's3-bucket': { type: 'string' },
  's3-prefix': { type: 'string' },
  's3-region': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-path-style': { type: 'boolean', default: false },
  's3-storage-class': { type: 'string' },
  's3-sse': { type: 'string' },
} as const;

const S3_USAGE = `  --s3-bucket <name> --s3-prefix <folder/>   where off-site copies are
  --s3-endpoint <url> --s3-region <region> --s3-path-style   an S3-compatible service (MinIO, R2, B2, …)
  --s3-storage-class <class> --s3-sse AES256|aws:kms          how they are stored
  Credentials come only from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO).`;

interface S3Values {
  's3-bucket'?: string;
  's3-prefix'?: string;
  's3-region'?: string;
  's3-endpoint'?: string;
  's3-path-style'?: boolean;
  's3-storage-class'?: string;
  's3-sse'?: string;
}

function s3Settings(values: S3Values): Partial<Settings> {
  if (values['s3-sse'] !== undefined && !['AES256', 'aws:kms'].includes(values['s3-sse']))
    throw new PgTunerError('BAD_INPUT', `--s3-sse must be AES256 or aws:kms, not "${values['s3-sse']}".`);
  return {
    'backup.s3.bucket': values['s3-bucket'] ?? '',
    'backup.s3.prefix': values['s3-prefix'] ?? '',
    'backup.s3.region': values['s3-region'] ?? '',
    'backup.s3.endpoint': values['s3-endpoint'] ?? '',
    'backup.s3.forcePathStyle': values['s3-path-style'] ?? false,
    'backup.s3.storageClass': values['s3-storage-class'] ?? '',
    'backup.s3.serverSideEncryption': values['s3-sse'] ?? '',
  };
}

/** `pgtuner backup --out <folder>`: a checksummed, manifest-described pg_dump; Ctrl-C cancels and cleans up. */
export const backupVerb = defineVerb({
  summary:
    'pg_dump with checksum and manifest  (--out <folder> [--format custom|directory] [--jobs N] [--keep N] [--max-age-days N] [--tools <dir>] [--encrypt passphrase|public-key])',
  usage: `pgtuner backup: pg_dump of the database into <folder>/<db>-<UTC stamp>.dump, with a .sha256 and a signed manifest of exact row counts.
Ctrl-C stops pg_dump and the server's statements and removes the partial file (exit 130).

  --out <folder>          where the backup goes (default ./backups)
  --format custom|directory   one file (default), or a folder dumped with --jobs workers
  --jobs N                pg_dump workers for --format directory (default: the cores, at most 4)
  --keep N                afterwards keep only the N newest backups of this server and database (default 0: all)
  --max-age-days N        afterwards remove this server's and database's backups older than N days (default 0: none)
  --tools <dir>           the folder of pg_dump and pg_restore (default: PATH, then /usr/lib/postgresql/*/bin)
  --encrypt passphrase|public-key   encrypt the dump with OpenPGP AES-256 (gpg --decrypt reads it; custom format only)
  --passphrase-env NAME   the environment variable holding the passphrase (never the passphrase itself on the command line)
  --recipient <key.asc>   an armoured public key to encrypt to (--encrypt public-key; repeat for several)
  --upload                copy the backup to S3-compatible storage afterwards (read back and checked); needs --s3-bucket
${S3_USAGE}

Example: PGTUNER_BACKUP_PASSPHRASE=… pgtuner backup --db postgres://app@localhost/shop --out backups --keep 7 --encrypt passphrase --passphrase-env PGTUNER_BACKUP_PASSPHRASE --json`,
  options: {
    out: { type: 'string', default: 'backups' },
    format: { type: 'string', default: 'custom' },
    jobs: { type: 'string' },
    tools: { type: 'string' },
    keep: { type: 'string' },
    'max-age-days': { type: 'string' },
    encrypt: { type: 'string', default: 'none' },
    'passphrase-env': { type: 'string' },
    recipient: { type: 'string', multiple: true, default: [] },
    upload: { type: 'boolean', default: false },
    ...S3_OPTIONS,
  },
  input: (values) => ({ directory: path.resolve(values.out), keys: cliKeys(), passphrase: passphraseFrom(values['passphrase-env']) }),
  settings(values): Partial<Settings> {
    if (values.format !== 'custom' && values.format !== 'directory')
      throw new PgTunerError('BAD_INPUT', `--format must be custom or directory, not "${values.format}".`);
    if (!['none', 'passphrase', 'public-key'].includes(values.encrypt))
      throw new PgTunerError('BAD_INPUT', `--encrypt must be passphrase or public-key, not "${values.encrypt}".`);
    return {
      ...toolSettings(values),
      ...s3Settings(values),
      'backup.s3.uploadAfterBackup': values.upload,
      'backup.encryption': values.encrypt,
      'backup.encryptionRecipientKeyFiles': values.recipient.map((f) => path.resolve(f)),
      'backup.format': values.format,
      // Without --keep / --max-age-days the CLI removes nothing (the editor's settings do not apply here).
      'backup.keep': wholeNumber(values.keep, '--keep') ?? 0,
      'backup.maxAgeDays': wholeNumber(values['max-age-days'], '--max-age-days') ?? 0,
    };
  },
  run: backupDatabase,
  output: (result: BackupResult) => {
    const m = result.manifest;
    const rows = m.tables.reduce((s, t) => s + t.rows, 0);
    return {
      json: result,
      text: [
        `backup ${result.dumpPath}`,
        `  ${m.tables.length} tables, ${rows} rows, ${formatBytes(m.sizeBytes)}, ${formatSeconds(m.durationMs / 1000)} (pg_dump ${m.pgDumpVersion}, server ${m.server.version})`,
        `  checksum ${result.checksumPath}`,
        `  manifest ${result.manifestPath}`,
        ...result.deleted.map((d) => `  retention removed ${d}`),
        ...(result.uploaded ? [`  uploaded ${result.uploaded.url} (SHA-256 checked)`] : []),
        ...(result.deletedRemote ?? []).map((d) => `  retention removed ${d}`),
        ...(result.uploadError ? [`  UPLOAD FAILED: ${result.uploadError}`] : []),
      ].join('\n'),
      // The backup exists locally, but the off-site copy asked for does not.
      exitCode: result.uploadError ? 1 : 0,
    };
  },
});

/** `pgtuner restore-test [file]`: restores into a scratch database and checks it against the manifest; exit 1 when a check fails. */
export const restoreTestVerb = defineVerb({
  summary:
    'restore a backup into a scratch database and verify it  ([file] or newest trusted in --dir; [--jobs N] [--keep-scratch] [--queries <json>] [--trust-unsigned])',
  usage: `pgtuner restore-test: restores a backup into a scratch database on the server, checks exact row counts, indexes, constraints,
sequences and your queries against its manifest, records the result in the manifest, and drops the scratch database.
Exit 0 when every check passed, 1 when one failed. Ctrl-C stops pg_restore and the server's statements and drops the scratch database (exit 130).

  [file]                  the .dump to test, or s3://<bucket>/<prefix>/<name>.dump (default: the newest trusted backup in --dir)
  --dir <folder>          where to look for the newest backup (default ./backups)
  --jobs N                pg_restore workers (default: the cores, at most 4)
  --keep-scratch          keep the scratch database afterwards, to look at it
  --queries <file.json>   verification queries: [{"sql": "SELECT count(*) FROM orders", "expected": 20000}, …]
  --trust-unsigned        use a backup that is not signed with your key, or is dated in the future
  --tools <dir>           the folder of pg_dump and pg_restore (default: PATH, then /usr/lib/postgresql/*/bin)
  --passphrase-env NAME   the environment variable holding the passphrase of an encrypted backup (or of --decrypt-key)
  --decrypt-key <key.asc> an armoured private key that opens a backup encrypted to its public key
  With an s3:// file:
${S3_USAGE}

Example: pgtuner restore-test backups/shop-20260301T100000Z.dump --db postgres://app@localhost/shop --queries checks.json --json`,
  options: {
    dir: { type: 'string', default: 'backups' },
    jobs: { type: 'string' },
    tools: { type: 'string' },
    'keep-scratch': { type: 'boolean', default: false },
    queries: { type: 'string' },
    'trust-unsigned': { type: 'boolean', default: false },
    'passphrase-env': { type: 'string' },
    'decrypt-key': { type: 'string' },
    ...S3_OPTIONS,
  },
  input(values, positionals) {
    if (positionals.length > 1)
      throw new PgTunerError(
        'BAD_INPUT',
        'usage: pgtuner restore-test [file] [--dir <folder>] [--jobs N] [--keep-scratch] [--queries <file.json>] [--trust-unsigned] [--json]',
      );
    const remote = positionals[0]?.startsWith('s3://') ? positionals[0] : undefined;
    if (remote) parseS3Url(remote);
    const dumpPath = positionals[0] && !remote ? path.resolve(positionals[0]) : undefined;
    if (dumpPath && !fs.existsSync(dumpPath)) throw new PgTunerError('BAD_INPUT', `${dumpPath} does not exist.`);
    const decryption = {
      passphrase: passphraseFrom(values['passphrase-env']),
      privateKeys: values['decrypt-key'] ? [readKeyFile(values['decrypt-key'])] : undefined,
    };
    return { dumpPath, remote, directory: path.resolve(values.dir), keys: cliKeys(), trustUnsigned: values['trust-unsigned'], decryption };
  },
  settings: (values): Partial<Settings> => ({
    ...toolSettings(values),
    ...s3Settings(values),
    'backup.keepScratchDatabase': values['keep-scratch'],
    ...(values.queries ? { 'backup.verificationQueries': readQueries(values.queries) } : {}),
  }),
  async run(db, input, run) {
    if (input.remote) return restoreTestRemote(db, { ...input, url: input.remote }, run);
    let dumpPath = input.dumpPath;
    if (!dumpPath) {
      const newest = await newestTrustedBackup(db, input, run);
      for (const s of newest.skipped) process.stderr.write(`skipped ${s.dumpPath}: ${s.trust.problems.join('; ')}\n`);
      dumpPath = newest.entry.dumpPath;
    }
    return restoreTest(db, { ...input, dumpPath }, run);
  },
  output: (result: RestoreTestResult) => ({ json: result, text: formatRestoreTest(result), exitCode: result.ok ? 0 : 1 }),
});

function formatRestoreTest(r: RestoreTestResult): string {
  const lines = [`${r.ok ? 'PASSED' : 'FAILED'} ${r.dumpPath}`, `  ${r.message}`];
  if (r.restoreMs !== undefined)
    lines.push(`  restore time (RTO) ${formatSeconds(r.restoreMs / 1000)}, total ${formatSeconds(r.totalMs / 1000)}`);
  for (const c of r.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (r.scratchKept && r.scratchDatabase) lines.push(`  scratch database kept: ${r.scratchDatabase}`);
  return lines.join('\n');
}

/** `pgtuner backups list|download|delete --remote`: the off-site copies in the bucket. */
export const backupsVerb = defineVerb({
  summary:
    'off-site backups in S3-compatible storage  (list --remote | upload --remote <file.dump> | download --remote <s3://…> [--out <folder>] | delete --remote <s3://…>)',
  usage: `pgtuner backups: the backups in the bucket of --s3-bucket/--s3-prefix.

  list --remote                   every remote backup: name, size, age, encrypted or not, last restore-test
  upload --remote <file.dump>     copy a backup to the bucket; an upload that was interrupted resumes where it stopped
  download --remote <s3://…>      into --out (default ./backups), its SHA-256 checked before it gets its name
  delete --remote <s3://…>        its dump, checksum and manifest (never the newest one that passed a restore-test)
  --out <folder>                  where download puts it
${S3_USAGE}

Example: pgtuner backups list --remote --s3-bucket backups --s3-prefix shop/ --json`,
  options: { remote: { type: 'boolean', default: false }, out: { type: 'string', default: 'backups' }, ...S3_OPTIONS },
  input(values, positionals) {
    const [action, url] = positionals;
    if (!values.remote) throw new PgTunerError('BAD_INPUT', 'pgtuner backups works on the off-site copies only: add --remote.');
    if (action === 'list' && positionals.length === 1) return { action, directory: path.resolve(values.out), keys: cliKeys() } as const;
    if (action === 'upload' && positionals.length === 2) {
      const dumpPath = path.resolve(url);
      if (!fs.existsSync(dumpPath)) throw new PgTunerError('BAD_INPUT', `${dumpPath} does not exist.`);
      return { action, dumpPath } as const;
    }
    if ((action === 'download' || action === 'delete') && positionals.length === 2) {
      parseS3Url(url);
      return { action, url, directory: path.resolve(values.out), keys: cliKeys() } as const;
    }
    throw new PgTunerError(
      'BAD_INPUT',
      'usage: pgtuner backups list --remote | upload --remote <file.dump> | download --remote <s3://…> [--out <folder>] | delete --remote <s3://…>',
    );
  },
  settings: (values) => s3Settings(values),
  needsDatabase: () => false,
  async run(_db, input, run) {
    if (input.action === 'list') return { action: input.action, backups: await listRemoteBackups({ keys: input.keys }, run) };
    if (input.action === 'upload') return { action: input.action, ...(await uploadBackup({ dumpPath: input.dumpPath }, run)) };
    if (input.action === 'download')
      return { action: input.action, ...(await downloadBackup({ url: input.url, directory: input.directory }, run)) };
    // Never the newest backup that passed a restore-test (judged with the CLI's key, as retention does).
    await deleteRemoteBackup({ url: input.url, keys: input.keys }, run);
    return { action: input.action, deleted: input.url };
  },
  output(result) {
    if (result.action === 'list' && 'backups' in result) {
      const now = Date.now();
      return {
        json: result.backups,
        text: result.backups.length
          ? result.backups
              .map(
                (b) =>
                  `${b.url}  ${formatBytes(b.sizeBytes)}  ${formatSeconds((now - Date.parse(b.takenAt)) / 1000)} old  ${b.encrypted ? 'encrypted' : 'plain'}  ${b.lastRestoreTest ? (b.lastRestoreTest.ok ? 'restore-test passed' : 'restore-test FAILED') : 'never restore-tested'}`,
              )
              .join('\n')
          : 'no remote backups',
      };
    }
    if ('resumedParts' in result)
      return {
        json: result,
        text: `uploaded ${result.url} (SHA-256 checked; ${result.uploadedParts} of ${result.parts} parts sent, ${result.resumedParts} resumed from an earlier attempt)`,
      };
    return {
      json: result,
      text: 'dumpPath' in result ? `downloaded ${result.dumpPath}` : `deleted ${'deleted' in result ? result.deleted : ''}`,
    };
  },
});

/** --jobs and --tools, shared by both verbs. */
function toolSettings(values: { jobs?: string; tools?: string }): Partial<Settings> {
  const jobs = wholeNumber(values.jobs, '--jobs');
  return { ...(jobs !== undefined ? { 'backup.jobs': jobs } : {}), ...(values.tools ? { 'backup.toolsDirectory': values.tools } : {}) };
}

/** The passphrase from the environment variable named by --passphrase-env: never from argv, where `ps` shows it. */
function passphraseFrom(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new PgTunerError(
      'BAD_INPUT',
      '--passphrase-env takes the name of an environment variable (letters, digits, _), not a passphrase.',
    );
  const value = process.env[name];
  if (!value)
    // The name is not echoed: a passphrase typed in its place must not reach the terminal's scrollback.
    if (!value) throw new PgTunerError('BAD_INPUT', 'The environment variable named by --passphrase-env is not set or is empty.');
  return value;
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `--decrypt-key ${file}: ${(err as Error).message}`);
  }
}

function readQueries(file: string): VerificationQuery[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `--queries ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((q) => q && typeof q.sql === 'string' && 'expected' in q)) {
    throw new PgTunerError('BAD_INPUT', `--queries ${file} must hold a JSON array of {"sql": "...", "expected": ...}.`);
  }
  return parsed as VerificationQuery[];
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new PgTunerError('BAD_INPUT', `${flag} must be a whole number ≥ 0, not "${value}".`);
  return n;
}
