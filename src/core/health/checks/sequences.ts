import { gradeAbove, outcome, plural, thresholdText, worst } from '../grade';
import { HealthCheck } from '../types';

/**
 * Every sequence with its last value and limit. A sequence owned by an int2/int4 column (serial,
 * identity) runs out when the column does, usually long before the sequence's own maximum.
 * last_value needs SELECT or USAGE on the sequence (as in pg_sequences).
 */
const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS sequence, s.seqmin::float8 AS min, s.seqmax::float8 AS max,
       s.seqincrement::float8 AS increment,
       has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable,
       CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN pg_sequence_last_value(c.oid::regclass)::float8 END AS last_value,
       owner.column_name, owner.type_max
  FROM pg_sequence s
  JOIN pg_class c ON c.oid = s.seqrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL (
       SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname) AS column_name,
              CASE a.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 END::float8 AS type_max
         FROM pg_depend d
         JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_namespace tn ON tn.oid = t.relnamespace
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        LIMIT 1) owner ON true
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`;

const exact = (n: number) => n.toLocaleString('en-US');

export const sequencesNearMax: HealthCheck = {
  id: 'sequences',
  title: 'Sequences near their maximum',
  category: 'schema',
  async run({ session, options }) {
    const rows = (await session.query(SEQUENCES_SQL)).rows;
    const used = rows
      .filter((r) => r.last_value !== null)
      .map((r) => {
        // Ascending sequences run towards the smaller of their max and the column type's; descending ones towards min.
        const up = r.increment > 0;
        const limit = up ? Math.min(r.max, r.type_max ?? Infinity) : Math.max(r.min, r.type_max !== null ? -r.type_max - 1 : -Infinity);
        const start = up ? Math.max(r.min, 0) : Math.min(r.max, 0);
        const percent = Math.abs(limit - start) > 0 ? ((r.last_value - start) / (limit - start)) * 100 : 100;
        return {
          sequence: `${r.schema}.${r.sequence}`,
          column: r.column_name as string | null,
          last_value: r.last_value as number,
          limit,
          used_percent: Number(percent.toFixed(2)),
        };
      })
      .sort((a, b) => b.used_percent - a.used_percent);
    const unreadable = rows.filter((r) => !r.readable).length;
    const flagged = used.filter((s) => s.used_percent >= options.sequenceWarningPercent);
    const top = used[0];
    return outcome(worst(flagged.map((s) => gradeAbove(s.used_percent, options.sequenceWarningPercent, options.sequenceCriticalPercent))), {
      figure:
        (top
          ? `highest: ${top.sequence} at ${top.used_percent}% (${exact(top.last_value)} of ${exact(top.limit)})`
          : `${plural(rows.length, 'sequence')}, none used yet`) +
        (unreadable ? `; ${plural(unreadable, 'sequence')} not readable by this role (needs SELECT or USAGE on them)` : ''),
      threshold:
        thresholdText(`${options.sequenceWarningPercent}%`, `${options.sequenceCriticalPercent}%`) + ' of the sequence or its column type',
      advice:
        'Widen the column to bigint before the sequence runs out (ALTER TABLE … ALTER COLUMN … TYPE bigint rewrites the table: plan it, or migrate through a new column), then ALTER SEQUENCE … AS bigint.',
      details: flagged,
    });
  },
};
