import { CliVerb } from './verb';
import { adviseVerb } from './commands/advise';
import { backupVerb, restoreTestVerb } from './commands/backup';
import { connectionCheck } from './commands/check';
import { explainVerb } from './commands/explain';
import { healthVerb } from './commands/health';
import { indexesVerb } from './commands/indexes';
import { migrateVerb } from './commands/migrate';

/** Every CLI verb, by name. Each lives in its own module under commands/. */
export const VERBS: Record<string, CliVerb> = {
  advise: adviseVerb,
  explain: explainVerb,
  check: connectionCheck,
  migrate: migrateVerb,
  backup: backupVerb,
  'restore-test': restoreTestVerb,
  health: healthVerb,
  indexes: indexesVerb,
};
