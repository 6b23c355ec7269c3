import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_SETTINGS, healthOptionsOf, resolveSettings, SETTINGS, SettingSpec } from '../../../../src/core/settings/schema';
import { DEFAULT_HEALTH_OPTIONS } from '../../../../src/core/health/options';

const manifestPath = path.join(__dirname, '..', '..', '..', '..', '..', 'package.json');

describe('core/settings/schema', () => {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const declared: Record<string, Record<string, unknown>> = Object.assign(
    {},
    ...[manifest.contributes.configuration].flat().map((s: { properties: object }) => s.properties),
  );
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  const schema = Object.entries(SETTINGS) as [string, SettingSpec][];

  it('declares every setting of package.json, and only those (connections have their own parser)', () => {
    assert.deepEqual(
      Object.keys(declared)
        .filter((k) => k !== 'pgtuner.connections')
        .sort(),
      schema.map(([k]) => `pgtuner.${k}`).sort(),
    );
  });

  it('agrees with package.json on type, default, bounds and scope', () => {
    for (const [key, spec] of schema) {
      const d = declared[`pgtuner.${key}`];
      const type = spec.type === 'number' && spec.integer ? 'integer' : spec.type;
      // A count is an integer on both sides: the Settings UI then refuses 2.5 rows before the schema has to.
      assert.equal(d.type, type, `${key}: type`);
      assert.deepEqual(d.default, spec.default, `${key}: default`);
      if (spec.type === 'number') {
        assert.equal(d.minimum, spec.minimum, `${key}: minimum`);
        assert.equal(d.maximum, spec.maximum, `${key}: maximum`);
      }
      if (spec.type === 'string' && spec.enum) assert.deepEqual(d.enum, spec.enum, `${key}: enum`);
      if (spec.resource) assert.equal(d.scope, 'resource', `${key}: read per folder, so scope resource`);
    }
  });

  it('restricted mode covers exactly the settings that change what runs, plus connection profiles', () => {
    const expected = ['pgtuner.connections', ...schema.filter(([, s]) => s.restricted).map(([k]) => `pgtuner.${k}`)];
    assert.deepEqual([...restricted].sort(), expected.sort());
    for (const key of [
      'statementTimeoutSeconds',
      'envFile',
      'backup.keep',
      'backup.maxAgeDays',
      'backup.restoreTestConnection',
      'advisor.trialBuildMaxMB',
      'advisor.trialBuildTimeoutSeconds',
      'backup.toolsDirectory',
      'migrations.directory',
      'backup.verificationQueries',
    ]) {
      assert.ok(SETTINGS[key as keyof typeof SETTINGS].restricted, `${key} changes what runs`);
    }
  });

  it('falls back to the default for a wrong value and names it, keeping the valid ones', () => {
    const given: Record<string, unknown> = {
      statementTimeoutSeconds: 0,
      'backup.format': 'tar',
      'backup.keep': 2.5,
      'explain.codeLens': 'yes',
      'advisor.trialBuildMaxMB': 64,
      'health.cacheHitWarningPercent': 95,
    };
    const { settings, problems } = resolveSettings((k) => given[k]);
    assert.equal(settings.statementTimeoutSeconds, 30);
    assert.equal(settings['backup.format'], 'custom');
    assert.equal(settings['backup.keep'], 10);
    assert.equal(settings['explain.codeLens'], true);
    assert.equal(settings['advisor.trialBuildMaxMB'], 64);
    assert.equal(healthOptionsOf(settings).cacheHitWarningPercent, 95);
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'pgtuner.backup.format',
      'pgtuner.backup.keep',
      'pgtuner.explain.codeLens',
      'pgtuner.statementTimeoutSeconds',
    ]);
  });

  it("holds every health threshold with the engine's default", () => {
    assert.deepEqual(healthOptionsOf(DEFAULT_SETTINGS), { ...DEFAULT_HEALTH_OPTIONS });
  });
});
