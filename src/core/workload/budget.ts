import { PgTunerError } from '../errors';
import { Budget } from './types';

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `500MB`, `1.5 GB`, `2048` (bytes) or `10%` (of the database's size). */
export function parseBudget(text: string): Budget {
  const t = text.trim();
  const share = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (share) {
    const percent = Number(share[1]);
    if (percent <= 0 || percent > 1000) throw new PgTunerError('BAD_INPUT', `--budget ${text}: a share must be above 0% (e.g. 10%).`);
    return { shareOfDatabase: percent / 100 };
  }
  const size = /^(\d+(?:\.\d+)?)\s*([KMGT]?B)?$/i.exec(t);
  if (!size) {
    throw new PgTunerError('BAD_INPUT', `--budget ${text}: give a size (500MB, 2GB, 1048576) or a share of the database's size (10%).`);
  }
  return { bytes: Math.round(Number(size[1]) * UNITS[(size[2] ?? 'B').toUpperCase()]) };
}
