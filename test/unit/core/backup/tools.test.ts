import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { programName, runTool } from '../../../../src/core/backup/childProcess';
import {
  candidateFolders,
  defaultJobs,
  discoverTools,
  installFolders,
  jobsOf,
  pathEntries,
  toolSearchOf,
} from '../../../../src/core/backup/tools';
import { PgTunerError } from '../../../../src/core/errors';
import { defaultRun } from '../../../../src/core/run';
import { Settings } from '../../../../src/core/settings/schema';
import { tempDirs } from '../../../support/tempDirs';

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
  const tmp = tempDirs()('pgtuner-tools-');
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

describe('core/backup/tools: Windows and macOS conventions, on any machine (path.win32 / path.posix)', () => {
  /** A listing of folders that exist only on the platform under test. */
  const lister = (tree: Record<string, string[]>) => (folder: string) => {
    if (!tree[folder]) throw Object.assign(new Error(`ENOENT ${folder}`), { code: 'ENOENT' });
    return tree[folder];
  };

  it('Windows: Program Files\\PostgreSQL\\<major>\\bin with backslashes and drive letters, both Program Files', () => {
    const list = lister({
      'C:\\Program Files\\PostgreSQL': ['16', '9.6', 'pgAdmin 4'],
      'C:\\Program Files (x86)\\PostgreSQL': ['13'],
    });
    const env = { ProgramFiles: 'C:\\Program Files', ProgramW6432: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)' };
    assert.deepEqual(installFolders('win32', { env, list, paths: path.win32 }), [
      'C:\\Program Files\\PostgreSQL\\16\\bin',
      'C:\\Program Files\\PostgreSQL\\9.6\\bin',
      'C:\\Program Files (x86)\\PostgreSQL\\13\\bin',
    ]);
  });

  it('Windows: PATH splits on ";" (not the ":" of C:), quoted entries lose their quotes; the tools folder is resolved the Windows way', () => {
    assert.deepEqual(pathEntries('C:\\Windows\\system32;"C:\\Program Files\\PostgreSQL\\16\\bin";; D:\\pg\\bin ', 'win32'), [
      'C:\\Windows\\system32',
      'C:\\Program Files\\PostgreSQL\\16\\bin',
      'D:\\pg\\bin',
    ]);
    assert.deepEqual(candidateFolders({ platform: 'win32', paths: path.win32, toolsDirectory: 'C:/PostgreSQL/16/bin/' }), [
      'C:\\PostgreSQL\\16\\bin',
    ]);
    assert.deepEqual(
      candidateFolders({ platform: 'win32', paths: path.win32, pathEnv: 'C:\\pg\\bin;C:\\pg\\bin', env: {}, list: lister({}) }),
      ['C:\\pg\\bin'],
      'each folder once',
    );
  });

  it('macOS and Linux: PATH splits on ":", folders join with "/"', () => {
    assert.deepEqual(pathEntries('/opt/homebrew/bin::/usr/bin', 'darwin'), ['/opt/homebrew/bin', '/usr/bin']);
    const list = lister({
      '/opt/homebrew/opt': ['libpq', 'postgresql@16', 'python@3.12'],
      '/Applications/Postgres.app/Contents/Versions': ['latest'],
    });
    assert.deepEqual(installFolders('darwin', { env: { HOMEBREW_PREFIX: '/opt/homebrew' }, list, paths: path.posix }), [
      '/opt/homebrew/opt/libpq/bin',
      '/opt/homebrew/opt/postgresql@16/bin',
      '/usr/local/opt/libpq/bin',
      '/Applications/Postgres.app/Contents/Versions/latest/bin',
    ]);
  });

  it("names the program from a path of either platform's separators", () => {
    assert.equal(programName('C:\\Program Files\\PostgreSQL\\16\\bin\\pg_dump.exe'), 'pg_dump.exe');
    assert.equal(programName('/usr/lib/postgresql/15/bin/pg_restore'), 'pg_restore');
    assert.equal(programName('pg_dump'), 'pg_dump');
  });

  it('passes every argument to the program as it is, with no shell to quote for (spaces, quotes, & | % $ and backslashes)', async () => {
    const args = [
      'C:\\Users\\Jo Doe\\backups\\shop 2026.dump',
      'a "quoted" word',
      'x & del y | z > w',
      '%PATH% $(id) `id`; echo',
      'ends with a backslash\\',
      'back\\\\"slash',
      '',
      'é ü 漢',
    ];
    const { stdout } = await runTool(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args], {
      env: process.env,
    });
    assert.deepEqual(JSON.parse(stdout), args);
  });
});
