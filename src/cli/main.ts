import { ConnectionLostError } from '../core/db/connectionErrors';
import { PgTunerError, isUserInputError } from '../core/errors';
import { version } from '../../package.json';
import { VERBS } from './verbs';

const COMMON_OPTIONS = `Every verb takes --db <url> (or --connection <profile>, or DATABASE_URL / PG* variables) and --json.
Exit codes: 0 success, 2 bad input (reason on stderr), 1 anything else.`;

const USAGE = `pgtuner <verb> [options]     pgtuner --version

Verbs:
${Object.entries(VERBS)
  .map(([name, v]) => `  ${name.padEnd(14)}${v.summary}`)
  .join('\n')}

${COMMON_OPTIONS}`;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-V' || verb === 'version') {
    process.stdout.write(`pgtuner ${version}\n`);
    return 0;
  }
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(USAGE + '\n');
    return verb ? 0 : 2;
  }
  const command = VERBS[verb];
  if (!command) {
    process.stderr.write(`pgtuner: unknown verb "${verb}"\n\n${USAGE}\n`);
    return 2;
  }
  // Help never runs the verb (a backup or a migration must not start because help was asked for).
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage ?? `pgtuner ${verb}: ${command.summary}`}\n\n${COMMON_OPTIONS}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // A lost connection names the verb itself: one line, no stack.
    if (err instanceof ConnectionLostError) process.stderr.write(`pgtuner: ${err.during(`"pgtuner ${verb}"`)}\n`);
    else process.stderr.write(`pgtuner ${verb}: ${err instanceof PgTunerError ? err.message : String((err as Error)?.stack ?? err)}\n`);
    return isUserInputError(err) ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
