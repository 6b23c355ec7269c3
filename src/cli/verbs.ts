import { CliVerb } from './verb';
import { connectionCheck } from './commands/check';
import { migrateVerb } from './commands/migrate';

/** Every CLI verb, by name. Each lives in its own module under commands/. */
export const VERBS: Record<string, CliVerb> = {
  check: connectionCheck,
  migrate: migrateVerb,
};
