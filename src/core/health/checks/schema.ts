import { outcome, plural } from '../grade';
import { HealthCheck } from '../types';

const INVALID_CONSTRAINTS_SQL = `
SELECT n.nspname AS schema, t.relname AS "table", c.conname AS "constraint",
       CASE c.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE c.contype::text END AS kind
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE NOT c.convalidated
 ORDER BY 1, 2, 3`;

export const invalidConstraints: HealthCheck = {
  id: 'invalid-constraints',
  title: 'Constraints not validated',
  category: 'schema',
  async run({ session }) {
    const rows = (await session.query(INVALID_CONSTRAINTS_SQL)).rows;
    return outcome(rows.length ? 'warning' : 'ok', {
      figure: rows.length ? `${plural(rows.length, 'constraint')} added NOT VALID and never validated` : 'every constraint is validated',
      threshold: 'warning when any constraint is not validated',
      advice:
        'Existing rows were never checked against these. Run ALTER TABLE … VALIDATE CONSTRAINT … (it does not block writes) and fix the rows it reports.',
      details: rows,
    });
  },
};

/** Ordinary and partitioned tables (not partitions, not extension members) without a primary key. */
const NO_PRIMARY_KEY_SQL = `
SELECT n.nspname AS schema, c.relname AS "table", greatest(c.reltuples, 0)::float8 AS estimated_rows
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.reltuples DESC, 1, 2`;

export const noPrimaryKey: HealthCheck = {
  id: 'no-primary-key',
  title: 'Tables without a primary key',
  category: 'schema',
  async run({ session }) {
    const rows = (await session.query(NO_PRIMARY_KEY_SQL)).rows;
    return outcome(rows.length ? 'warning' : 'ok', {
      figure: rows.length ? `${plural(rows.length, 'table')} without a primary key` : 'every table has a primary key',
      threshold: 'warning when any table lacks a primary key',
      advice:
        'Add a primary key (ALTER TABLE … ADD PRIMARY KEY, or build a unique index CONCURRENTLY first and ADD PRIMARY KEY USING INDEX): rows without one cannot be reliably updated, deduplicated or replicated logically.',
      details: rows,
    });
  },
};
