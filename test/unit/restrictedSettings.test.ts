import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/**
 * In a restricted (untrusted) workspace VS Code ignores workspace values of the settings listed in
 * capabilities.untrustedWorkspaces.restrictedConfigurations. Every setting that changes what PG
 * Tuner runs, where, for how long or what it deletes must be there; the others (health
 * thresholds, display) only change how results are judged or shown.
 */
const CHANGES_WHAT_RUNS = [
  'pgtuner.connections', 'pgtuner.envFile',
  'pgtuner.statementTimeoutSeconds',
  'pgtuner.migrations.directory', 'pgtuner.migrations.trackingSchema',
  'pgtuner.backup.directory', 'pgtuner.backup.toolsDirectory', 'pgtuner.backup.format', 'pgtuner.backup.jobs',
  'pgtuner.backup.keep', 'pgtuner.backup.maxAgeDays', 'pgtuner.backup.keepScratchDatabase',
  'pgtuner.backup.restoreTestConnection', 'pgtuner.backup.verificationQueries',
  'pgtuner.advisor.trialBuildMaxMB', 'pgtuner.advisor.trialBuildTimeoutSeconds',
];
/** Settings that only judge or display results (reviewed one by one). */
const REPORTING_ONLY = /^pgtuner\.(health\.|explain\.codeLens$|advisor\.minImprovementPercent$|connectTimeoutSeconds$)/;

const manifestPath = process.env.PGTUNER_MANIFEST ?? path.join(__dirname, '..', '..', '..', 'package.json');

describe('restricted mode settings (package.json)', () => {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  const sections = [manifest.contributes.configuration].flat();
  const declared = sections.flatMap((s: { properties: Record<string, unknown> }) => Object.keys(s.properties));

  it('lists every setting that changes what runs', () => {
    assert.deepEqual(CHANGES_WHAT_RUNS.filter((s) => !restricted.includes(s)), []);
  });

  it('every declared setting is either restricted or reviewed as reporting-only (a new setting must be classified)', () => {
    assert.deepEqual(declared.filter((s) => !restricted.includes(s) && !REPORTING_ONLY.test(s)), []);
  });

  it('lists only settings that exist', () => {
    assert.deepEqual(restricted.filter((s) => !declared.includes(s)), []);
  });
});
