import { formatBytes, formatCount } from '../../format';
import { outcome } from '../grade';
import { CheckContext, HealthCheck } from '../types';

/** Settings in bytes (or plain numbers), with this database's size and its temp-file spill. */
const SETTINGS_SQL = `
SELECT (SELECT setting::float8 * current_setting('block_size')::float8 FROM pg_settings WHERE name = 'shared_buffers') AS shared_buffers,
       (SELECT setting::float8 * 1024 FROM pg_settings WHERE name = 'work_mem') AS work_mem,
       current_setting('random_page_cost')::float8 AS random_page_cost,
       pg_database_size(current_database())::float8 AS database_bytes,
       d.temp_files::float8 AS temp_files, d.temp_bytes::float8 AS temp_bytes
  FROM pg_stat_database d
 WHERE d.datname = current_database()`;

interface SettingsRow {
  shared_buffers: number;
  work_mem: number;
  random_page_cost: number;
  database_bytes: number;
  temp_files: number;
  temp_bytes: number;
}

/** The three settings checks read one row, once per run (pg_database_size walks every file of the database). */
const perRun = new WeakMap<CheckContext, Promise<SettingsRow>>();
function readServerSettings(ctx: CheckContext): Promise<SettingsRow> {
  let row = perRun.get(ctx);
  if (!row) perRun.set(ctx, (row = ctx.session.query<SettingsRow>(SETTINGS_SQL).then((r) => r.rows[0])));
  return row;
}

const MB = 1024 * 1024;

export const sharedBuffers: HealthCheck = {
  id: 'setting-shared-buffers',
  title: 'Setting: shared_buffers',
  category: 'settings',
  async run(ctx) {
    const s = await readServerSettings(ctx);
    const limit = ctx.options.sharedBuffersWarningMegabytes;
    const tooSmall = s.shared_buffers <= limit * MB && s.database_bytes > s.shared_buffers;
    return outcome(tooSmall ? 'warning' : 'ok', {
      figure: `shared_buffers ${formatBytes(s.shared_buffers)}, database ${formatBytes(s.database_bytes)}`,
      threshold: `advice when shared_buffers is ${limit} MB or less (the default is 128 MB) and the database is larger`,
      advice:
        "Set shared_buffers to about 25% of the server's RAM (restart needed); managed services size it for you, so check the instance class instead.",
    });
  },
};

export const workMem: HealthCheck = {
  id: 'setting-work-mem',
  title: 'Setting: work_mem',
  category: 'settings',
  async run(ctx) {
    const s = await readServerSettings(ctx);
    const limit = ctx.options.workMemWarningMegabytes;
    const spills = s.temp_files > 0 && s.work_mem <= limit * MB;
    return outcome(spills ? 'warning' : 'ok', {
      figure: `work_mem ${formatBytes(s.work_mem)}; ${formatCount(s.temp_files)} temp files (${formatBytes(s.temp_bytes)}) written by sorts and hashes since the stats reset`,
      threshold: `advice when queries spill to temp files and work_mem is ${limit} MB or less (the default is 4 MB)`,
      advice:
        'Sorts and hashes spill to disk. Raise work_mem moderately (it applies per sort/hash node per connection: e.g. 16–64 MB), or only for the roles or queries that need it (ALTER ROLE … SET work_mem, SET LOCAL work_mem).',
    });
  },
};

export const randomPageCost: HealthCheck = {
  id: 'setting-random-page-cost',
  title: 'Setting: random_page_cost',
  category: 'settings',
  async run(ctx) {
    const s = await readServerSettings(ctx);
    const limit = ctx.options.randomPageCostWarning;
    return outcome(s.random_page_cost >= limit ? 'warning' : 'ok', {
      figure: `random_page_cost ${s.random_page_cost}`,
      threshold: `advice when random_page_cost is ${limit} or more (the default, 4, is priced for spinning disks)`,
      advice:
        'On SSD or cloud storage random reads cost about as much as sequential ones: set random_page_cost = 1.1 so the planner uses indexes where they help. Keep 4 only on spinning disks.',
    });
  },
};
