import { formatCount, formatPercent } from '../../format';
import { gradeBelow, outcome, thresholdText, worst } from '../grade';
import { HealthCheck } from '../types';

const CACHE_HIT_SQL = `
SELECT coalesce(sum(heap_blks_hit), 0)::float8 AS table_hit, coalesce(sum(heap_blks_read), 0)::float8 AS table_read,
       coalesce(sum(idx_blks_hit), 0)::float8 AS index_hit, coalesce(sum(idx_blks_read), 0)::float8 AS index_read
  FROM pg_statio_user_tables`;

export const cacheHit: HealthCheck = {
  id: 'cache-hit-ratio',
  title: 'Cache hit ratio (tables and indexes)',
  category: 'caching',
  async run({ session, options }) {
    const r = (await session.query(CACHE_HIT_SQL)).rows[0];
    const parts = [
      { what: 'tables', hit: r.table_hit as number, read: r.table_read as number },
      { what: 'indexes', hit: r.index_hit as number, read: r.index_read as number },
    ].map((p) => ({ ...p, total: p.hit + p.read, ratio: p.hit + p.read > 0 ? p.hit / (p.hit + p.read) : 1 }));
    const judged = parts.filter((p) => p.total >= options.cacheHitMinBlocks);
    const status = worst(judged.map((p) => gradeBelow(p.ratio * 100, options.cacheHitWarningPercent, options.cacheHitCriticalPercent)));
    return outcome(status, {
      figure:
        parts.map((p) => `${p.what} ${formatPercent(p.ratio)} of ${formatCount(p.total)} block reads`).join(', ') +
        (judged.length < parts.length ? ` (below ${formatCount(options.cacheHitMinBlocks)} reads is too little activity to judge)` : ''),
      threshold: thresholdText(`${options.cacheHitWarningPercent}%`, `${options.cacheHitCriticalPercent}%`, '<'),
      advice:
        'Reads miss shared_buffers: the working set is larger than the cache. Add missing indexes so queries read fewer pages, raise shared_buffers (about 25% of RAM), or give the server more memory.',
      details: parts.map((p) => ({
        relations: p.what,
        hit_blocks: p.hit,
        read_blocks: p.read,
        hit_percent: Number((p.ratio * 100).toFixed(2)),
      })),
    });
  },
};
