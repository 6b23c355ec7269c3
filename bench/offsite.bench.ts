/**
 * Backups that survive the machine (issue 15): what encryption and the off-site copy cost.
 *   encrypted backup  backupDatabase() with OpenPGP AES-256 (passphrase)  vs  pg_dump -Fc -f <file>   (target ≤ 1.15×)
 *   plain backup      backupDatabase() without encryption, for reference, in the same rounds
 *   upload            uploadBackup() of that dump to s3rver on 127.0.0.1 (multipart, read back and checked)
 *                     beside a plain copy of the same file (fs.copyFile)
 *   resumed upload    the same upload cancelled once half of its parts were sent, then run again: the
 *                     second run's time and parts (only the missing ones are sent)
 * Each round runs the backups in a rotating order; medians of the rounds are compared. Writes
 * bench/results-offsite.json. Env: PGTUNER_BENCH_ROWS (default 1,000,000 events), PGTUNER_BENCH_ROUNDS
 * (default 3). Run: `npm run bench -- offsite`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backupDatabase } from '../src/core/backup/backup';
import { memoryKeyring } from '../src/core/backup/keys';
import { deleteBackup } from '../src/core/backup/listing';
import { UploadResult, uploadBackup } from '../src/core/backup/remote';
import { discoverTools } from '../src/core/backup/tools';
import { Database } from '../src/core/db/database';
import { targetFromUrl } from '../src/core/db/profile';
import { readServerInfo } from '../src/core/db/serverInfo';
import { defaultRun } from '../src/core/run';
import { Settings } from '../src/core/settings/schema';
import { startCluster } from '../test/support/cluster';
import { libpqEnv, median, runTool, timed } from './support';
import { startLocalS3 } from '../test/support/s3';

const ROWS = Number(process.env.PGTUNER_BENCH_ROWS) || 1_000_000;
const ROUNDS = Math.max(3, Number(process.env.PGTUNER_BENCH_ROUNDS) || 3);
const DATABASE = 'bench_offsite';
const TARGET = 1.15;

const DATA_SQL = `
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 50000) g;
CREATE TABLE events (id bigserial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), kind smallint NOT NULL,
                     at timestamptz NOT NULL, payload text NOT NULL);
INSERT INTO events (account_id, kind, at, payload)
SELECT 1 + (g::bigint * 7919) % 50000, g % 12, now() - g * interval '1 second', md5(g::text) || md5((g * 31)::text) || md5((g * 17)::text)
  FROM generate_series(1, $ROWS) g;
CREATE INDEX events_account_at ON events (account_id, at);`;

async function main(): Promise<void> {
  const cluster = await startCluster({ log: (l) => console.log(l) });
  const s3 = await startLocalS3('bench-offsite');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-bench-offsite-'));
  try {
    const url = await cluster.createDatabase(DATABASE, { extensions: [] });
    console.log(`generating ${ROWS} events…`);
    await cluster.sql(DATABASE, DATA_SQL.replace('$ROWS', String(ROWS)));
    await cluster.sql(DATABASE, 'VACUUM ANALYZE');

    const db = new Database(targetFromUrl(url), { statementTimeoutMs: 0 });
    const server = await db.withSession(readServerInfo);
    const tools = await discoverTools(server.versionNum, { toolsDirectory: cluster.binDir });
    const settings: Partial<Settings> = {
      'backup.toolsDirectory': cluster.binDir,
      'backup.keep': 0,
      'backup.s3.bucket': s3.bucket,
      'backup.s3.endpoint': s3.endpoint,
      'backup.s3.forcePathStyle': true,
    };
    const plainRun = defaultRun({ settings });
    const encryptedRun = defaultRun({ settings: { ...settings, 'backup.encryption': 'passphrase' } });
    const env = libpqEnv(cluster);
    const keys = memoryKeyring();
    const rawFile = path.join(work, 'raw.dump');
    const raw = () => timed(() => runTool(tools.pgDump.path, ['-Fc', '-f', rawFile, DATABASE], env));
    const dumps: Record<'plain' | 'encrypted', string> = { plain: '', encrypted: '' };
    const ours = async (kind: 'plain' | 'encrypted') => {
      if (dumps[kind]) await deleteBackup(dumps[kind], work);
      return timed(async () => {
        const r = await backupDatabase(
          db,
          { directory: work, keys, passphrase: 'bench passphrase, not a secret' },
          kind === 'plain' ? plainRun : encryptedRun,
        );
        dumps[kind] = r.dumpPath;
      });
    };

    const variants = { raw, plain: () => ours('plain'), encrypted: () => ours('encrypted') };
    const names = Object.keys(variants) as (keyof typeof variants)[];
    const rounds: Record<string, number>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = names.map((_, k) => names[(k + i) % names.length]);
      const round: Record<string, number> = {};
      // Different dump file names need different seconds: each backup names itself by its start time.
      for (const name of order) {
        round[name] = await variants[name]();
        await new Promise((r) => setTimeout(r, 1000));
      }
      rounds.push(round);
      console.log(`round ${i + 1} (${order.join(', ')}): ${names.map((n) => `${n} ${(round[n] / 1000).toFixed(2)} s`).join(', ')}`);
    }

    const dumpBytes = fs.statSync(dumps.encrypted).size;
    const uploadMs = await timed(() => uploadBackup({ dumpPath: dumps.encrypted }, encryptedRun));
    const copyMs = await timed(() => fs.promises.copyFile(dumps.encrypted, path.join(work, 'copy.bin')));
    const resumed = await resumedUpload(dumps.encrypted, {
      ...settings,
      'backup.encryption': 'passphrase',
      'backup.s3.prefix': 'resumed/',
    });
    await db.end();

    const rawMs = median(rounds.map((r) => r.raw));
    const ratio = (name: string) => ({
      medianMs: Math.round(median(rounds.map((r) => r[name]))),
      ratio: Number((median(rounds.map((r) => r[name])) / rawMs).toFixed(3)),
      medianPairedRatio: Number(median(rounds.map((r) => r[name] / r.raw)).toFixed(3)),
    });
    const mbps = (ms: number) => Number((dumpBytes / 2 ** 20 / (ms / 1000)).toFixed(1));
    const encrypted = { ...ratio('encrypted'), target: TARGET, withinTarget: ratio('encrypted').ratio <= TARGET };
    const results = {
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
      server: server.version,
      pgDump: tools.pgDump.version,
      data: { events: ROWS, encryptedDumpBytes: dumpBytes, plainDumpBytes: fs.statSync(dumps.plain).size },
      rounds,
      rawPgDumpMedianMs: Math.round(rawMs),
      plainBackup: ratio('plain'),
      encryptedBackup: encrypted,
      upload: { ms: Math.round(uploadMs), mbPerSecond: mbps(uploadMs), copyMs: Math.round(copyMs), copyMbPerSecond: mbps(copyMs) },
      resumedUpload: { ...resumed, ms: Math.round(resumed.ms), shareOfFullUpload: Number((resumed.ms / uploadMs).toFixed(3)) },
      notes: [
        'raw = pg_dump -Fc -f <file>; plain/encrypted = backupDatabase (snapshot, exact counts beside pg_dump, sha256, signed manifest), encrypted with OpenPGP AES-256 streamed from pg_dump stdout.',
        'upload = resumable multipart PUTs of 16 MB (two at a time) to s3rver on 127.0.0.1, then the object read back and its SHA-256 compared, then .sha256 and manifest; copy = fs.copyFile of the same file.',
        'resumedUpload = the same upload cancelled once half its parts were sent, then run again: ms and parts of that second run (it also reads the whole object back to check it).',
        'Order rotates between rounds; medians compared. A shared 2-core machine: quote ratios, not times.',
      ],
    };
    const target = path.join(process.cwd(), 'bench', 'results-offsite.json');
    fs.writeFileSync(target, JSON.stringify(results, null, 2) + '\n');
    console.log(
      JSON.stringify(
        {
          rawPgDumpMedianMs: results.rawPgDumpMedianMs,
          plainBackup: results.plainBackup,
          encryptedBackup: encrypted,
          upload: results.upload,
          resumedUpload: results.resumedUpload,
        },
        null,
        2,
      ),
    );
    console.log(`written ${target}`);
    if (!encrypted.withinTarget) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await s3.stop();
    await cluster.stop();
  }
}

/** Cancels an upload once half its parts are sent, then times the run that finishes it. */
async function resumedUpload(dumpPath: string, settings: Partial<Settings>) {
  const controller = new AbortController();
  const half = (m: string) => {
    const [, done, of] = /\((\d+) of (\d+) parts\)/.exec(m) ?? [];
    if (Number(done) >= Number(of) / 2) controller.abort();
  };
  await uploadBackup({ dumpPath }, defaultRun({ settings, signal: controller.signal, onProgress: half })).catch(() => undefined);
  let result: UploadResult | undefined;
  const ms = await timed(async () => void (result = await uploadBackup({ dumpPath }, defaultRun({ settings }))));
  return { ms, parts: result!.parts, resumedParts: result!.resumedParts, uploadedParts: result!.uploadedParts };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
