import assert from 'node:assert/strict';
import { defaultJobs, jobsOf, toolSearchOf } from '../../../../src/core/backup/tools';
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
