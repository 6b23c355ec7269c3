import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './support';

describe('Extension activation', () => {
  it('activates and registers every command it contributes', async () => {
    await activateExtension();
    const contributed: { command: string }[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed in package.json but not registered: ${missing.join(', ')}`);
  });

  it('registers nothing beyond the manifest but test-only commands, which are all pgtuner.test.*', async () => {
    await activateExtension();
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes;
    // VS Code adds <view id>.focus, .open… for every contributed view: those are the workbench's, not ours.
    const views: string[] = Object.values(manifest.views as Record<string, { id: string }[]>).flatMap((list) => list.map((v) => v.id));
    const ours = (await vscode.commands.getCommands(true)).filter(
      (id) => id.startsWith('pgtuner.') && !views.some((view) => id.startsWith(`${view}.`)),
    );
    const contributed = new Set<string>(manifest.commands.map((c: { command: string }) => c.command));
    const stray = ours.filter((id) => !contributed.has(id) && !id.startsWith('pgtuner.test.'));
    assert.deepEqual(stray, [], `registered but neither in package.json nor test-only: ${stray.join(', ')}`);
    assert.ok(
      ours.some((id) => id.startsWith('pgtuner.test.')),
      'the test-only commands are registered (so the filter above can fail)',
    );
    assert.ok(![...contributed].some((id) => id.startsWith('pgtuner.test.')), 'no test-only command in the manifest');
  });
});
