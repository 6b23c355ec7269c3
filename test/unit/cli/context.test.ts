import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveTarget } from '../../../src/cli/context';
import { PgTunerError } from '../../../src/core/errors';

describe('CLI: which database a verb uses', () => {
  const workspace = (settings: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-cli-ws-'));
    fs.mkdirSync(path.join(dir, '.vscode'));
    fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), settings);
    return dir;
  };

  it('prefers --db, then --connection, then DATABASE_URL, then PG* variables', async () => {
    const cwd = workspace('{ "pgtuner.connections": [ { "name": "stage", "host": "db.stage", "port": 6432, "environment": "staging" } ] }');
    assert.equal(resolveTarget({ db: 'postgres://a@h1/d1' }, {}, cwd).profile.host, 'h1');
    const stage = resolveTarget({ connection: 'stage' }, { PGPASSWORD: 'pw' }, cwd);
    assert.deepEqual([stage.profile.host, stage.profile.port, stage.profile.environment], ['db.stage', 6432, 'staging']);
    assert.equal(await stage.password!(), 'pw');
    assert.equal(resolveTarget({}, { DATABASE_URL: 'postgres://u@h2/d2' }, cwd).profile.host, 'h2');
    assert.equal(resolveTarget({}, { PGHOST: 'h3', PGDATABASE: 'd3' }, cwd).profile.database, 'd3');
  });

  it('reads settings.json with comments and trailing commas', () => {
    const cwd = workspace('{\n  // team profiles\n  "pgtuner.connections": [ { "name": "dev", "host": "localhost", }, ],\n}');
    assert.equal(resolveTarget({ connection: 'dev' }, {}, cwd).profile.host, 'localhost');
  });

  it('says what is wrong with a missing or invalid profile, or no database at all', () => {
    const cwd = workspace('{ "pgtuner.connections": [ { "name": "bad", "port": 0 }, { "name": "ok" } ] }');
    assert.throws(() => resolveTarget({ connection: 'bad' }, {}, cwd), (e: PgTunerError) => e.code === 'BAD_INPUT' && /port 0 is not a TCP port/.test(e.message));
    assert.throws(() => resolveTarget({ connection: 'nope' }, {}, cwd), /no such profile .*have: ok/);
    assert.throws(() => resolveTarget({}, {}, cwd), /No database given/);
  });
});
