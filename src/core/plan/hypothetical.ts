import { parsePlan } from './parse';
import { Plan } from './types';

/** HypoPG names its indexes "<oid>method_table_columns" (e.g. "<13558>btree_alerts_created_at"). */
const HYPOPG_NAME = /^<\d+>/;

/**
 * The what-if plan of one suggestion with HypoPG's internal index name replaced by the name the
 * suggestion will be created with, in the tree and in the raw JSON the text is rendered from.
 */
export function nameHypotheticalIndex(plan: Plan, suggestedName: string): Plan {
  const rename = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rename);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        k === 'Index Name' && typeof x === 'string' && HYPOPG_NAME.test(x) ? suggestedName : rename(x),
      ]),
    );
  };
  return { ...parsePlan(rename(plan.raw)), ...(plan.notes ? { notes: plan.notes } : {}) };
}
