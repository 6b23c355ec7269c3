import * as fs from 'fs';
import { PgTunerError } from '../../core/errors';

/** The statement from --sql or --file (exactly one), plus --param values for $1..$n. */
export function readSqlInput(values: { sql?: string; file?: string; param?: string[] }): { sql: string; params?: string[] } {
  if (!!values.sql === !!values.file) throw new PgTunerError('BAD_INPUT', 'Give the statement with exactly one of --sql <text> or --file <path>.');
  let sql = values.sql ?? '';
  if (values.file) {
    try {
      sql = fs.readFileSync(values.file, 'utf8');
    } catch (err) {
      throw new PgTunerError('BAD_INPUT', `Cannot read ${values.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { sql, params: values.param?.length ? values.param : undefined };
}

export const SQL_INPUT_OPTIONS = {
  sql: { type: 'string' },
  file: { type: 'string' },
  param: { type: 'string', multiple: true },
  'no-analyze': { type: 'boolean', default: false },
  production: { type: 'boolean', default: false },
  /** Without it, a statement whose ANALYZE would run volatile functions (nextval, dblink_exec…) gets plain EXPLAIN and a note. */
  'allow-side-effects': { type: 'boolean', default: false },
} as const;

/** The side-effect policy of --allow-side-effects: never on production, where the engine refuses anyway. */
export function sideEffectPolicy(values: { 'allow-side-effects'?: boolean }): 'allow' | 'plain' {
  return values['allow-side-effects'] ? 'allow' : 'plain';
}
