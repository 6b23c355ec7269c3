/**
 * `pgtuner <verb> --connection <name>` reads the profile from .vscode/settings.json in the current
 * folder: a file the repository controls (issue 11). The CLI says where the profile came from,
 * takes the password from ~/.pgpass by server, sends PGPASSWORD only to the server PGHOST/PGPORT
 * name, and refuses an unencrypted connection to a remote host unless --allow-insecure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI_PATH } from '../../support/cli';
import { freshDatabase, getCluster } from '../../support/integrationHooks';

describe('CLI: --connection from workspace settings', function () {
  this.timeout(120_000);
  let dir: string;
  let database: string;
  let port: number;
  let password: string;

  before(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "node esbuild.js" first`);
    const url = new URL(await freshDatabase([]));
    const cluster = await getCluster();
    database = decodeURIComponent(url.pathname.slice(1));
    port = cluster.port;
    password = cluster.password;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-connection-'));
    fs.mkdirSync(path.join(dir, '.vscode'));
    fs.writeFileSync(
      path.join(dir, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'pgtuner.connections': [
            { name: 'team', host: '127.0.0.1', port, database, user: 'postgres', sslmode: 'disable', environment: 'staging' },
            { name: 'remote', host: 'db.example.invalid', port: 5432, database: 'shop', user: 'app', sslmode: 'disable' },
          ],
        },
        null,
        2,
      ),
    );
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI in the workspace folder with only the PG* variables given (none inherited). */
  function run(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^PG|^DATABASE_URL$/.test(k)));
    const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
      cwd: dir,
      env: { ...clean, ...env },
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'the password is never printed');
    return r;
  }
  const pgpass = (lines: string) => {
    const file = path.join(dir, `pgpass-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, lines, { mode: 0o600 });
    return file;
  };

  it("connects with the ~/.pgpass line of the profile's server and says on stderr where the profile came from", () => {
    const r = run(['check', '--connection', 'team', '--json'], {
      PGPASSFILE: pgpass(`db.example.invalid:5432:*:postgres:wrong\n127.0.0.1:${port}:${database}:postgres:${password}\n`),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).connection, new RegExp(`postgres@127\\.0\\.0\\.1:${port}/${database}`));
    assert.ok(r.stderr.includes(path.join(dir, '.vscode', 'settings.json')), r.stderr);
    assert.match(r.stderr, new RegExp(`"team".*postgres@127\\.0\\.0\\.1:${port}/${database}.*sslmode disable.*staging`));
  });

  it('does not send PGPASSWORD when PGHOST/PGPORT name another server', () => {
    // The run is bounded: pg once left the socket of a failed authentication open and the CLI never exited.
    const r = run(
      ['check', '--connection', 'team'],
      { PGPASSWORD: password, PGHOST: 'db.elsewhere.invalid', PGPASSFILE: pgpass('') },
      15_000,
    );
    assert.equal(r.error, undefined, 'the CLI exits by itself after a failed authentication');
    assert.equal(r.status, 1, r.stdout);
    assert.ok(!r.stdout.includes('connected to'), r.stdout);
    assert.match(r.stderr, new RegExp(`PGPASSWORD is not sent to 127\\.0\\.0\\.1:${port}`));
    assert.match(r.stderr, /asks for a password and none is stored/);
  });

  it("sends PGPASSWORD when PGHOST/PGPORT name the profile's server", () => {
    const r = run(['check', '--connection', 'team'], {
      PGPASSWORD: password,
      PGHOST: '127.0.0.1',
      PGPORT: String(port),
      PGPASSFILE: pgpass(''),
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it('refuses sslmode=disable to a remote host (exit 2) unless --allow-insecure', () => {
    const refused = run(['check', '--connection', 'remote'], { PGPASSFILE: pgpass('') });
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /sslmode=disable.*db\.example\.invalid.*--allow-insecure/s);
    const allowed = run(['check', '--connection', 'remote', '--allow-insecure'], { PGPASSFILE: pgpass('') });
    assert.equal(allowed.status, 1, 'allowed: it tries, and the host does not resolve');
    assert.match(allowed.stderr, /Cannot resolve host "db\.example\.invalid"/);
  });
});
