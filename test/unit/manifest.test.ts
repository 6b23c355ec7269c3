import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));

describe('package.json', () => {
  it('no keybinding is Ctrl+Alt on Windows, where that is AltGr and types characters', () => {
    for (const binding of manifest.contributes.keybindings as { command: string; key: string; win?: string }[]) {
      const windows = (binding.win ?? binding.key).toLowerCase();
      for (const chord of windows.split(' ')) {
        const keys = chord.split('+');
        assert.ok(!(keys.includes('ctrl') && keys.includes('alt')), `${binding.command}: "${windows}" on Windows`);
      }
    }
  });
});
