import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parseVerbArgs, resolveTarget } from '../../../src/cli/context';
import { SQL_INPUT_OPTIONS } from '../../../src/cli/commands/sqlInput';
import { PgTunerError } from '../../../src/core/errors';
import { tempDirs } from '../../support/tempDirs';

describe('CLI: option values', () => {
  it('a string option takes the next word whatever it starts with; after a bare -- everything is positional', () => {
    const { values, positionals } = parseVerbArgs(
      ['--sql', '-- note\nSELECT 1', '--param', '-5', '--file', '-', '--json', '--', '--sql'],
      SQL_INPUT_OPTIONS,
    );
    assert.deepEqual([values.sql, values.param, values.file, values.json], ['-- note\nSELECT 1', ['-5'], '-', true]);
    assert.deepEqual(positionals, ['--sql']);
    assert.equal(parseVerbArgs(['--sql=-x'], SQL_INPUT_OPTIONS).values.sql, '-x');
    assert.throws(
      () => parseVerbArgs(['--bogus', 'x'], SQL_INPUT_OPTIONS),
      (e: PgTunerError) => e.code === 'BAD_INPUT',
    );
  });
});

describe('CLI: which database a verb uses', () => {
  const tempDir = tempDirs();
  const workspace = (settings: string) => {
    const dir = tempDir('pgtuner-cli-ws-');
    fs.mkdirSync(path.join(dir, '.vscode'));
    fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), settings);
    return dir;
  };

  it('prefers --db, then --connection, then DATABASE_URL, then PG* variables', async () => {
    const cwd = workspace('{ "pgtuner.connections": [ { "name": "stage", "host": "db.stage", "port": 6432, "environment": "staging" } ] }');
    assert.equal(resolveTarget({ db: 'postgres://a@h1/d1' }, {}, cwd).profile.host, 'h1');
    const stage = resolveTarget({ connection: 'stage' }, { PGPASSWORD: 'pw', PGHOST: 'db.stage', PGPORT: '6432' }, cwd);
    assert.deepEqual([stage.profile.host, stage.profile.port, stage.profile.environment], ['db.stage', 6432, 'staging']);
    assert.equal(await stage.password!(), 'pw');
    assert.equal(resolveTarget({}, { DATABASE_URL: 'postgres://u@h2/d2' }, cwd).profile.host, 'h2');
    assert.equal(resolveTarget({}, { PGHOST: 'h3', PGDATABASE: 'd3' }, cwd).profile.database, 'd3');
  });

  it('reads DATABASE_URL from ./.env last: flags and the environment win', () => {
    const cwd = workspace('{}');
    fs.writeFileSync(path.join(cwd, '.env'), '# local\nHOST=h4\nDATABASE_URL="postgres://u@${HOST}:5433/d4"\n');
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
    try {
      const { profile } = resolveTarget({}, {}, cwd);
      assert.deepEqual([profile.host, profile.port, profile.database, profile.source], ['h4', 5433, 'd4', 'dotenv']);
      assert.match(said, /DATABASE_URL from .*\.env.*: u@h4:5433\/d4/);
      assert.equal(resolveTarget({ db: 'postgres://a@h1/d1' }, {}, cwd).profile.host, 'h1');
      assert.equal(resolveTarget({}, { DATABASE_URL: 'postgres://u@h2/d2' }, cwd).profile.host, 'h2');
      assert.equal(resolveTarget({}, { PGHOST: 'h3' }, cwd).profile.host, 'h3');
    } finally {
      process.stderr.write = stderr;
    }
  });

  it('treats ./.env like the settings a repository ships: refuses sslmode=disable to another machine unless --allow-insecure', () => {
    const cwd = workspace('{}');
    fs.writeFileSync(path.join(cwd, '.env'), 'DATABASE_URL=postgres://u@db.example.com/d?sslmode=disable\n');
    const stderr = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.throws(
        () => resolveTarget({}, {}, cwd),
        (e: PgTunerError) =>
          e.code === 'BAD_INPUT' &&
          /sslmode=disable/.test(e.message) &&
          /db\.example\.com/.test(e.message) &&
          /--allow-insecure/.test(e.message),
      );
      assert.equal(resolveTarget({ 'allow-insecure': true } as never, {}, cwd).profile.host, 'db.example.com');
      fs.writeFileSync(path.join(cwd, '.env'), 'DATABASE_URL=postgres://u@127.0.0.1/d?sslmode=disable\n');
      assert.equal(resolveTarget({}, {}, cwd).profile.sslmode, 'disable', 'loopback without SSL is fine');
    } finally {
      process.stderr.write = stderr;
    }
  });

  it('reads settings.json with comments and trailing commas', () => {
    const cwd = workspace('{\n  // team profiles\n  "pgtuner.connections": [ { "name": "dev", "host": "localhost", }, ],\n}');
    assert.equal(resolveTarget({ connection: 'dev' }, {}, cwd).profile.host, 'localhost');
  });

  it('reads settings.json with block comments and // inside strings, as VS Code does', () => {
    const cwd = workspace(
      '/* team settings\n   "pgtuner.connections": [] */\n{\n  "pgtuner.connections": [ /* staging */ { "name": "stage", "host": "db.stage", "database": "a//b" } ]\n}',
    );
    const { profile } = resolveTarget({ connection: 'stage' }, {}, cwd);
    assert.deepEqual([profile.host, profile.database], ['db.stage', 'a//b']);
  });

  it('names the line of a settings.json it cannot parse', () => {
    const cwd = workspace('{\n  "pgtuner.connections": [\n    { "name": "x" }}\n  ]\n}');
    assert.throws(
      () => resolveTarget({ connection: 'x' }, {}, cwd),
      (e: PgTunerError) => e.code === 'BAD_INPUT' && /settings\.json line 3: /.test(e.message),
    );
  });

  it('says what is wrong with a missing or invalid profile, or no database at all', () => {
    const cwd = workspace('{ "pgtuner.connections": [ { "name": "bad", "port": 0 }, { "name": "ok" } ] }');
    assert.throws(
      () => resolveTarget({ connection: 'bad' }, {}, cwd),
      (e: PgTunerError) => e.code === 'BAD_INPUT' && /port 0 is not a TCP port/.test(e.message),
    );
    assert.throws(() => resolveTarget({ connection: 'nope' }, {}, cwd), /no such profile .*have: ok/);
    assert.throws(() => resolveTarget({}, {}, cwd), /No database given/);
  });

  describe("--connection: a profile from the repository's .vscode/settings.json (issue 11)", () => {
    /** Runs `fn` and returns what it wrote to stderr. */
    function stderrOf(fn: () => unknown): string {
      const original = process.stderr.write;
      let text = '';
      (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => {
        text += String(chunk);
        return true;
      };
      try {
        fn();
      } finally {
        (process.stderr as { write: unknown }).write = original;
      }
      return text;
    }
    const settings = JSON.stringify({
      'pgtuner.connections': [
        { name: 'stage', host: 'db.stage', port: 6432, database: 'shop', user: 'app', sslmode: 'require', environment: 'staging' },
        { name: 'plain', host: 'db.example.com', database: 'shop', user: 'app', sslmode: 'disable' },
        { name: 'local', host: '127.0.0.1', port: 5433, database: 'shop', user: 'app', sslmode: 'disable' },
      ],
    });

    it('says on stderr which file and which server the profile came from, and never the password', () => {
      const cwd = workspace(settings);
      const text = stderrOf(() =>
        resolveTarget({ connection: 'stage' }, { PGPASSWORD: 'Secret-pw-1', PGHOST: 'db.stage', PGPORT: '6432' }, cwd),
      );
      assert.ok(text.includes(path.join(cwd, '.vscode', 'settings.json')), text);
      assert.match(text, /app@db\.stage:6432\/shop/);
      assert.match(text, /sslmode require/);
      assert.match(text, /staging/);
      assert.ok(!text.includes('Secret-pw-1'));
    });

    it('does not send PGPASSWORD to a server other than the one PGHOST/PGPORT name (~/.pgpass is looked up by server instead)', async () => {
      const cwd = workspace(settings);
      let target!: ReturnType<typeof resolveTarget>;
      const text = stderrOf(() => {
        target = resolveTarget({ connection: 'stage' }, { PGPASSWORD: 'for-localhost' }, cwd);
      });
      assert.equal(await target.password?.(), undefined, 'PGPASSWORD (meant for localhost:5432) must not go to db.stage:6432');
      assert.match(text, /PGPASSWORD is not sent to db\.stage:6432/);
      assert.match(text, /pgpass/);
      assert.ok(!text.includes('for-localhost'));
      const elsewhere = resolveTarget({ connection: 'stage' }, { PGPASSWORD: 'for-prod', PGHOST: 'db.prod', PGPORT: '6432' }, cwd);
      assert.equal(await elsewhere.password?.(), undefined);
      const local = resolveTarget({ connection: 'local' }, { PGPASSWORD: 'pw', PGPORT: '5433' }, cwd);
      assert.equal(await local.password?.(), 'pw', 'PGPASSWORD with the default PGHOST is for the local server');
    });

    it('refuses a workspace profile with sslmode=disable to a remote host unless --allow-insecure', () => {
      const cwd = workspace(settings);
      assert.throws(
        () => resolveTarget({ connection: 'plain' }, {}, cwd),
        (e: PgTunerError) =>
          e.code === 'BAD_INPUT' &&
          /sslmode=disable/.test(e.message) &&
          /db\.example\.com/.test(e.message) &&
          /--allow-insecure/.test(e.message),
      );
      const allowed = resolveTarget({ connection: 'plain', 'allow-insecure': true } as never, {}, cwd);
      assert.equal(allowed.profile.host, 'db.example.com');
      assert.equal(resolveTarget({ connection: 'local' }, {}, cwd).profile.sslmode, 'disable', 'loopback without SSL is fine');
    });
  });
});
