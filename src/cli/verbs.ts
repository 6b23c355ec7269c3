import { CliVerb } from './verb';
import { adviseVerb } from './commands/advise';
import { backupVerb, backupsVerb, restoreTestVerb } from './commands/backup';
import { connectionCheck } from './commands/check';
import { explainVerb } from './commands/explain';
import { healthVerb } from './commands/health';
import { migrateVerb } from './commands/migrate';
import { indexesVerb } from './commands/usage';
import { workloadVerb } from './commands/workload';

/** Every CLI verb, by name. Each lives in its own module under commands/. */
export const VERBS: Record<string, CliVerb> = {
  advise: adviseVerb,
  explain: explainVerb,
  check: connectionCheck,
  migrate: migrateVerb,
  backup: backupVerb,
  'restore-test': restoreTestVerb,
  backups: backupsVerb,
  health: healthVerb,
  indexes: indexesVerb,
  workload: workloadVerb,
};
