import * as fs from 'fs';
import { ExplainInput } from '../../core/db/safeExplain';
import { PgTunerError } from '../../core/errors';

const STDIN_FD = 0;

/** The options of the verbs that plan one statement (explain, advise). */
export const SQL_INPUT_OPTIONS = {
  sql: { type: 'string' },
  file: { type: 'string' },
  param: { type: 'string', multiple: true },
  'no-analyze': { type: 'boolean', default: false },
  /** Read by openDatabase: the target gets a production profile's safeguards. */
  production: { type: 'boolean', default: false },
  'allow-side-effects': { type: 'boolean', default: false },
} as const;

/** `--help` lines for SQL_INPUT_OPTIONS. */
export const SQL_INPUT_USAGE = `  --sql <text>            the statement (or --file; exactly one)
  --file <path>           read the statement from a file; - reads standard input
  --param <value>         a value for $1, $2, … in order (repeat it); without values a statement with
                          parameters gets a generic plan
  --no-analyze            plain EXPLAIN: estimates only, nothing runs
  --production            treat the database as production: read-only transaction, no trial builds,
                          never side effects
  --allow-side-effects    let ANALYZE run volatile functions a rollback does not undo (nextval,
                          dblink_exec …); without it such a statement gets plain EXPLAIN and a note
                          (never on production)`;

/** The statement from --sql or --file (exactly one), --param values for $1..$n, and how to plan it. */
export function readStatement(values: {
  sql?: string;
  file?: string;
  param?: string[];
  'no-analyze'?: boolean;
  'allow-side-effects'?: boolean;
}): ExplainInput {
  if (!!values.sql === !!values.file)
    throw new PgTunerError('BAD_INPUT', 'Give the statement with exactly one of --sql <text> or --file <path>.');
  let sql = values.sql ?? '';
  if (values.file) {
    try {
      sql = fs.readFileSync(values.file === '-' ? STDIN_FD : values.file, 'utf8');
    } catch (err) {
      throw new PgTunerError(
        'BAD_INPUT',
        `Cannot read ${values.file === '-' ? 'standard input' : values.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  return {
    sql,
    params: values.param?.length ? values.param : undefined,
    analyze: !values['no-analyze'],
    // The engine turns 'allow' into 'plain' on production profiles.
    sideEffects: values['allow-side-effects'] ? 'allow' : 'plain',
  };
}
