/**
 * Temporary folders for unit tests, removed when their suite ends, so a run leaves nothing under
 * the temp directory (the integration tier moves TMPDIR to a run folder of its own instead).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Call inside a describe: returns a maker of temp folders that the suite's after hook removes. */
export function tempDirs(): (prefix: string) => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
