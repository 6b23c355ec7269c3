import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * s3rver (npm registry, pure JavaScript): a real S3 REST server that keeps objects as files under
 * a folder. It needs no download and speaks the protocol the AWS SDK uses (multipart included), so
 * PG Tuner's S3 code runs unchanged against it. It runs in a child process on 127.0.0.1, so a CLI
 * run with spawnSync (which blocks this process) still reaches it.
 */
const SERVER_SCRIPT = `
const S3rver = require('s3rver');
new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1] })
  .run()
  .then(({ port }) => process.stdout.write(port + '\\n'), (err) => { console.error(err); process.exit(1); });`;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Where the server keeps objects: <storeDir>/<bucket>/<key>._S3rver_object. */
  storeDir: string;
  /** The secret access key the SDK's default chain reads from the environment: it must appear in no output. */
  secret: string;
  /** Object keys under a prefix. */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const AWS_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_REGION'];

/** Starts the server with one bucket and sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (s3rver's account is S3RVER); stop() restores them. */
export async function startLocalS3(bucket = 'pgtuner-offsite'): Promise<LocalS3> {
  const saved = Object.fromEntries(AWS_VARIABLES.map((n) => [n, process.env[n]]));
  const secret = `secret-${randomBytes(8).toString('hex')}`;
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = secret;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_REGION;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-s3rver-'));
  const server = spawn(process.execPath, ['-e', SERVER_SCRIPT, storeDir], {
    cwd: path.join(__dirname, '..', '..', '..'),
    // In the VS Code extension host process.execPath is Electron: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    server.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true });
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return {
    endpoint,
    bucket,
    storeDir,
    secret,
    async keys(prefix) {
      const c = client();
      const listed = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      c.destroy();
      return (listed.Contents ?? []).map((o) => o.Key!);
    },
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill();
      await exited;
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
