/**
 * A two-folder workspace (folders a and b, opened by scripts/run-vscode-tests.js from a
 * .code-workspace file; this suite runs alone in that window): migrations, backups, .env
 * connections and `resource`-scoped settings resolve per folder — the active editor's, or the one
 * the user picks — and, in a restricted window, no folder's settings or .env count.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BackupResult } from '../../src/core/backup/backup';
import type { ConnectionProfile } from '../../src/core/db/profile';
import type { GeneratedMigration } from '../../src/core/migrations/generate';
import type { ApplyResult } from '../../src/core/migrations/runner';
import type { MigrationStatus } from '../../src/core/migrations/status';
import type { CommandOutcome } from '../../src/vscode/explain/controller';
import type { ConnectionTestResult } from '../../src/vscode/connections/testConnection';
import type { MigrationViewItem } from '../../src/vscode/migrations';
import { activateExtension, databaseOf, eventually, freshDatabaseUrl, queryRows } from './support';

const run = <T>(id: string, arg?: object) => vscode.commands.executeCommand<T | undefined>(id, arg);
const folder = (name: 'a' | 'b') => {
  const found = vscode.workspace.workspaceFolders?.find((f) => f.name === name);
  assert.ok(found, `workspace folder ${name} (the launcher opens a two-folder workspace)`);
  return found;
};
const inFolder = (name: 'a' | 'b', ...parts: string[]) => path.join(folder(name).uri.fsPath, ...parts);

/** Sets a pgtuner setting in one folder's .vscode/settings.json and waits until the host reads it there. */
async function setInFolder(name: 'a' | 'b', key: string, value: unknown): Promise<void> {
  const uri = folder(name).uri;
  await vscode.workspace.getConfiguration('pgtuner', uri).update(key, value, vscode.ConfigurationTarget.WorkspaceFolder);
  await eventually(`pgtuner.${key} in folder ${name}`, () =>
    JSON.stringify(vscode.workspace.getConfiguration('pgtuner', uri).get(key)) === JSON.stringify(value) ? true : undefined,
  );
}

/** Opens (creating it) a SQL file of a folder in an editor: that folder becomes the active editor's. */
async function openIn(name: 'a' | 'b', file: string, text = 'SELECT 1;\n'): Promise<vscode.TextEditor> {
  const full = inFolder(name, file);
  if (!fs.existsSync(full)) fs.writeFileSync(full, text);
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(full), { preview: false });
}

const activeConnection = () => run<ConnectionTestResult>('pgtuner.testConnection');

/** Waits until the active connection is the one to `url` (it follows the active editor's folder). */
const activeIs = (url: string) =>
  eventually(`the active connection to be ${databaseOf(url)}`, async () => {
    const active = await activeConnection();
    return active?.ok && active.info.database === databaseOf(url) ? active : undefined;
  });
const select = (name: string) => run<ConnectionProfile>('pgtuner.selectConnection', { name });

/**
 * Runs a command that asks for the workspace folder (no editor is active) and answers the real
 * quick pick: `choose` moves down that many rows (a, then b) and accepts; undefined presses Escape.
 * Asserts that the command waited for the answer, which a command resolving a folder by itself does not.
 */
async function withFolderPick<T>(command: string, arg: object, choose: number | undefined): Promise<T | undefined> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  let settled = false;
  const pending = Promise.resolve(run<T>(command, arg)).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(settled, false, `${command} did not wait for a folder pick`);
  if (choose === undefined) await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  else {
    for (let i = 0; i < choose; i++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return pending;
}

// The launcher opens this suite in a trusted and in a restricted window; each runs its own part.
if (vscode.workspace.isTrusted)
  describe('Multi-root workspace (two folders)', function () {
    this.timeout(120_000);
    let urlA: string;
    let urlB: string;

    before(async () => {
      await activateExtension();
      [urlA, urlB] = await Promise.all([freshDatabaseUrl([]), freshDatabaseUrl([])]);
      fs.writeFileSync(inFolder('a', '.env'), `DATABASE_URL=${urlA}\n`);
      fs.writeFileSync(inFolder('b', '.env'), `DATABASE_URL=${urlB}\n`);
    });

    it("offers each folder's .env as its own connection, labelled with the folder, and the active one follows the active editor's folder", async () => {
      const b = await eventually('the .env connection of folder b', () => select('DATABASE_URL (b: .env)'));
      assert.equal(b.database, databaseOf(urlB));
      assert.equal((await select('DATABASE_URL (a: .env)'))?.database, databaseOf(urlA));

      await openIn('b', 'query.sql');
      assert.equal((await activeIs(urlB)).name, 'DATABASE_URL (b: .env)');
      await openIn('a', 'query.sql');
      assert.equal((await activeIs(urlA)).name, 'DATABASE_URL (a: .env)');
    });

    it("honours each folder's pgtuner.migrations.directory: New Migration, Apply and Status work on the active editor's folder", async () => {
      await setInFolder('a', 'migrations.directory', 'db/a-migrations');
      await setInFolder('b', 'migrations.directory', 'sql/b-migrations');

      await openIn('b', 'query.sql');
      await activeIs(urlB);
      const created = await run<GeneratedMigration>('pgtuner.newMigration', { name: 'create b only' });
      assert.equal(created?.upPath, inFolder('b', 'sql', 'b-migrations', '001_create_b_only.sql'));
      fs.appendFileSync(created.upPath, 'CREATE TABLE b_only (id int PRIMARY KEY);\n');
      fs.appendFileSync(created.downPath!, 'DROP TABLE b_only;\n');

      // The migration files are now the active editor: still folder b, and b's .env connection.
      const applied = await run<ApplyResult>('pgtuner.applyMigrations');
      assert.deepEqual(
        applied?.applied.map((r) => r.name),
        ['001_create_b_only'],
      );
      const tableIn = async (url: string) => (await queryRows(url, `SELECT to_regclass('public.b_only')::text AS t`))[0].t;
      assert.equal(await tableIn(urlB), 'b_only', "applied on folder b's database");
      assert.equal(await tableIn(urlA), null, "folder a's database untouched");

      const status = await run<MigrationStatus>('pgtuner.migrationStatus');
      assert.equal(status?.directory, inFolder('b', 'sql', 'b-migrations'));
      assert.deepEqual(
        status.entries.map((e) => [e.name, e.state]),
        [['001_create_b_only', 'applied']],
      );

      await openIn('a', 'query.sql');
      const inA = await run<GeneratedMigration>('pgtuner.newMigration', { name: 'create a only' });
      assert.equal(inA?.upPath, inFolder('a', 'db', 'a-migrations', '001_create_a_only.sql'));
    });

    it('groups the Migrations view per folder when more than one folder has migrations', async () => {
      await openIn('b', 'query.sql');
      await activeIs(urlB);
      const items = (await run<MigrationViewItem[]>('pgtuner.test.migrationsViewItems')) ?? [];
      assert.deepEqual(
        items.map((i) => [i.label, i.contextValue, (i.children ?? []).map((c) => `${c.label}: ${c.description?.split(' ')[0]}`)]),
        [
          // One database, one tracking table: folder a's group sees b's migration applied there, its file not in a.
          ['a', 'pgtuner.migrationsFolder', ['001_create_a_only: pending', '001_create_b_only: applied,']],
          ['b', 'pgtuner.migrationsFolder', ['001_create_b_only: applied']],
        ],
        "both folders listed, each with its own migration files, states on the active connection (folder b's database)",
      );
    });

    it('asks which folder when no editor is active, and does nothing when the pick is dismissed', async () => {
      const created = await withFolderPick<GeneratedMigration>('pgtuner.newMigration', { name: 'picked folder' }, 1);
      assert.equal(created?.upPath, inFolder('b', 'sql', 'b-migrations', '002_picked_folder.sql'));

      const dismissed = await withFolderPick<GeneratedMigration>('pgtuner.newMigration', { name: 'dismissed' }, undefined);
      assert.equal(dismissed, undefined);
      for (const dir of [inFolder('a', 'db', 'a-migrations'), inFolder('b', 'sql', 'b-migrations')])
        assert.ok(!fs.readdirSync(dir).some((f) => f.includes('dismissed')), `nothing written in ${dir}`);
    });

    it('with the plan panel focused, works in the folder of the SQL file it explained (no pick)', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const editor = await openIn('b', 'query.sql');
      const outcome = await run<CommandOutcome<object>>('pgtuner.explain', { uri: editor.document.uri, analyze: false });
      assert.equal(outcome?.status, 'done', JSON.stringify(outcome));
      // As when its Create Migration button is clicked: the panel's group has the focus.
      await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
      await eventually('the plan panel in front', () =>
        vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview ? true : undefined,
      );
      const created = await run<GeneratedMigration>('pgtuner.newMigration', { name: 'beside the panel' });
      assert.equal(created?.upPath, inFolder('b', 'sql', 'b-migrations', '003_beside_the_panel.sql'));
    });

    it("backs up into the backup folder of the active editor's workspace folder", async () => {
      await openIn('b', 'query.sql');
      await activeIs(urlB);
      const result = await run<BackupResult>('pgtuner.backupDatabase');
      assert.equal(path.dirname(result!.dumpPath), inFolder('b', 'backups'));
      assert.match(fs.readFileSync(inFolder('b', '.gitignore'), 'utf8'), /^\/backups\/$/m);
      assert.ok(!fs.existsSync(inFolder('a', 'backups')), 'nothing in folder a');
    });

    it("explains with the statement timeout of the SQL file's folder", async () => {
      await setInFolder('b', 'statementTimeoutSeconds', 1);
      const sleep = 'SELECT pg_sleep(1.5);\n';
      const explain = (uri: vscode.Uri) => run<CommandOutcome<object>>('pgtuner.explain', { uri, analyze: true });

      const inB = await openIn('b', 'sleep.sql', sleep);
      const stopped = await explain(inB.document.uri);
      assert.equal(stopped?.status, 'failed', JSON.stringify(stopped));
      assert.match((stopped as { message: string }).message, /longer than 1 s/);

      const inA = await openIn('a', 'sleep.sql', sleep);
      const ran = await explain(inA.document.uri);
      assert.equal(ran?.status, 'done', `folder a keeps the 30 s default: ${JSON.stringify(ran)}`);
    });
  });
else
  describe('Multi-root workspace, restricted mode', function () {
    this.timeout(60_000);

    before(async () => {
      await activateExtension();
      const url = await freshDatabaseUrl([]);
      // What a cloned repository could ship: folder b's own settings and .env, and workspace-level settings.
      fs.mkdirSync(inFolder('b', '.vscode'), { recursive: true });
      fs.writeFileSync(
        inFolder('b', '.vscode', 'settings.json'),
        JSON.stringify({
          'editor.tabSize': 3, // not restricted: shows when VS Code has read the file
          'pgtuner.migrations.directory': '../a/hijacked',
          'pgtuner.envFile': 'other.env',
          'pgtuner.statementTimeoutSeconds': 3600,
          'pgtuner.backup.directory': '/tmp/pgtuner-hijacked-backups',
        }),
      );
      fs.writeFileSync(inFolder('b', '.env'), `DATABASE_URL=${url}\n`);
      fs.writeFileSync(inFolder('b', 'other.env'), `DATABASE_URL=${url}\n`);
      await eventually('folder b settings to be read', () =>
        vscode.workspace.getConfiguration('editor', folder('b').uri).get('tabSize') === 3 ? true : undefined,
      );
    });

    it("ignores every folder's restricted settings and .env files", async () => {
      for (const key of ['migrations.directory', 'envFile', 'statementTimeoutSeconds', 'backup.directory']) {
        const inspected = vscode.workspace.getConfiguration('pgtuner', folder('b').uri).inspect(key);
        assert.equal(
          JSON.stringify(vscode.workspace.getConfiguration('pgtuner', folder('b').uri).get(key)),
          JSON.stringify(inspected?.defaultValue),
          `pgtuner.${key} of folder b is ignored`,
        );
      }
      await openIn('b', 'query.sql');
      const created = await run<GeneratedMigration>('pgtuner.newMigration', { name: 'restricted' });
      assert.equal(created?.upPath, inFolder('b', 'migrations', '001_restricted.sql'), 'the default folder, not the one folder b names');
      assert.ok(!fs.existsSync(inFolder('a', 'hijacked')));

      assert.equal(await select('DATABASE_URL (b: .env)'), undefined, 'no .env connection in restricted mode');
      assert.equal(await select('DATABASE_URL (b: other.env)'), undefined);
    });
  });
