/**
 * The plan panel's webview script is plain JavaScript (// @ts-check) that names the message types
 * of src/vscode/explain/messages.ts in JSDoc; type-checking it keeps both sides of the protocol in step.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

describe('plan panel webview script', function () {
  this.timeout(60_000);

  it('type-checks against the shared message types', () => {
    const config = path.join(ROOT, 'src', 'vscode', 'explain', 'tsconfig.webview.json');
    const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `media/plan.js does not match messages.ts:\n${r.stdout}${r.stderr}`);
  });
});
