import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultJobs, discoverTools, installFolders, jobsOf, toolSearchOf } from '../../../../src/core/backup/tools';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';

describe('core/backup/tools: from the settings', () => {
  const settings = (s: Partial<Settings>) => defaultRun({ settings: s }).settings;

  it('searches the tools folder when one is set, else PATH and the usual folders', () => {
    assert.deepEqual(toolSearchOf(settings({})), {});
    assert.deepEqual(toolSearchOf(settings({ 'backup.toolsDirectory': '  /opt/pg/bin ' })), { toolsDirectory: '/opt/pg/bin' });
  });

  it('runs pgtuner.backup.jobs workers, the default when it is 0', () => {
    assert.equal(jobsOf(settings({})), defaultJobs());
    assert.equal(jobsOf(settings({ 'backup.jobs': 3 })), 3);
  });
});

describe('core/backup/tools: discovery on every platform (injected platform and folders)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtuner-tools-'));
  /** A stand-in pg_dump / pg_restore that reports a version, as the real ones do. */
  const fakeTools = (folder: string, version: string, exe = '') => {
    fs.mkdirSync(folder, { recursive: true });
    for (const name of ['pg_dump', 'pg_restore'])
      fs.writeFileSync(path.join(folder, name + exe), `#!/bin/sh\necho "${name} (PostgreSQL) ${version}"\n`, { mode: 0o755 });
  };

  it('Windows: pg_dump.exe in Program Files\\PostgreSQL\\<major>\\bin, the closest major not older than the server', async () => {
    const programFiles = path.join(tmp, 'win', 'Program Files');
    fakeTools(path.join(programFiles, 'PostgreSQL', '14', 'bin'), '14.12', '.exe');
    fakeTools(path.join(programFiles, 'PostgreSQL', '16', 'bin'), '16.4', '.exe');
    fakeTools(path.join(programFiles, 'PostgreSQL', '17', 'bin'), '17.2'); // no .exe: not a Windows program
    const search = { platform: 'win32' as const, pathEnv: '', env: { ProgramFiles: programFiles } };
    const found = await discoverTools(150004, search);
    assert.equal(found.pgDump.path, path.join(programFiles, 'PostgreSQL', '16', 'bin', 'pg_dump.exe'));
    assert.equal(found.pgRestore.version, '16.4');
    await assert.rejects(discoverTools(170000, search), (err: PgTunerError) => err.code === 'TOOL_VERSION' && /14\.12/.test(err.message));
    await assert.rejects(
      discoverTools(150000, { ...search, env: { ProgramFiles: path.join(tmp, 'nowhere') } }),
      (err: PgTunerError) => err.code === 'TOOL_MISSING' && /Program Files\\PostgreSQL/.test(err.message),
    );
  });

  it('Windows: PATH entries are split on ";"', async () => {
    const folder = path.join(tmp, 'win-path', 'bin');
    fakeTools(folder, '15.8', '.exe');
    const found = await discoverTools(150000, { platform: 'win32', pathEnv: `C:\\nothing;${folder}`, env: {} });
    assert.equal(found.pgDump.path, path.join(folder, 'pg_dump.exe'));
  });

  it('macOS: Homebrew libpq and postgresql@N (Apple silicon and Intel prefixes), then Postgres.app', async () => {
    const root = path.join(tmp, 'mac');
    fakeTools(path.join(root, 'opt/homebrew/opt/libpq/bin'), '17.0');
    fakeTools(path.join(root, 'usr/local/opt/postgresql@15/bin'), '15.6');
    fakeTools(path.join(root, 'Applications/Postgres.app/Contents/Versions/16/bin'), '16.2');
    const search = { platform: 'darwin' as const, pathEnv: '', env: {}, root };
    assert.deepEqual(installFolders('darwin', search), [
      path.join(root, 'opt/homebrew/opt/libpq/bin'),
      path.join(root, 'usr/local/opt/libpq/bin'),
      path.join(root, 'usr/local/opt/postgresql@15/bin'),
      path.join(root, 'Applications/Postgres.app/Contents/Versions/16/bin'),
    ]);
    assert.equal((await discoverTools(150000, search)).pgDump.version, '15.6');
    assert.equal(
      (await discoverTools(160000, search)).pgDump.path,
      path.join(root, 'Applications/Postgres.app/Contents/Versions/16/bin/pg_dump'),
    );
    assert.equal((await discoverTools(170000, search)).pgDump.path, path.join(root, 'opt/homebrew/opt/libpq/bin/pg_dump'));
    await assert.rejects(discoverTools(180000, search), (err: PgTunerError) => err.code === 'TOOL_VERSION');
  });

  it('Linux: /usr/lib/postgresql/<major>/bin', async () => {
    const root = path.join(tmp, 'linux', 'usr-lib-postgresql');
    fakeTools(path.join(root, '15', 'bin'), '15.18');
    const found = await discoverTools(150000, { platform: 'linux', pathEnv: '', versionedRoot: root });
    assert.equal(found.pgDump.path, path.join(root, '15', 'bin', 'pg_dump'));
  });
});
