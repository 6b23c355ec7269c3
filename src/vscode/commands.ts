/**
 * Every command of the extension in one table, id → handler. Features provide their handlers
 * (`<feature>Commands`); registration, failure display and cancellation are the runner's. A test
 * checks this table against package.json (palette commands) and that test-only ids start with
 * `pgtuner.test.`.
 */
import { backupCommands } from './backup';
import { connectionsCommands } from './connections';
import type { AppServices } from './createServices';
import { explainCommands } from './explain';
import { healthCommands } from './health';
import { historyCommands } from './history';
import { migrationsCommands } from './migrations';
import { Command } from './runner';
import { usageCommands } from './usage';
import { workloadCommands } from './workload';

export function commandTable(services: AppServices): Record<string, Command> {
  return {
    'pgtuner.showLog': { title: 'Show Log', run: () => services.log.show() },
    'pgtuner.cancel': { title: 'Cancel Running Operations', run: () => services.runner.cancelAll() },
    ...backupCommands(services),
    ...connectionsCommands(services),
    ...explainCommands(services),
    ...healthCommands(services),
    ...historyCommands(services),
    ...migrationsCommands(services),
    ...usageCommands(services),
    ...workloadCommands(services),
  };
}
