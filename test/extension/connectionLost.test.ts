/**
 * The server going away during Explain & Suggest, in the real extension host: the command says
 * the server closed the connection, no unhandled 'error' event reaches the host, and the next
 * Explain works on the same connection.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../src/vscode/explain/controller';
import type { ExplainResultView } from '../../src/vscode/explain/messages';
import { eventually, freshDatabaseUrl, queryRows, useConnection } from './support';

type ExplainOutcome = CommandOutcome<{ result: ExplainResultView }>;

/** Ends the pgtuner backend running the marked statement, as an administrator would. */
const TERMINATE_SQL = `
SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
 WHERE application_name = 'pgtuner' AND datname = current_database() AND state = 'active' AND strpos(query, $1) > 0`;

async function openSql(name: string, text: string): Promise<void> {
  const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name);
  fs.writeFileSync(file, text);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
}

describe('Explain & Suggest when the server closes the connection', function () {
  this.timeout(120_000);
  let url: string;
  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);

  before(async () => {
    url = await freshDatabaseUrl();
    await queryRows(
      url,
      'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g',
    );
    await useConnection(url);
    process.on('uncaughtException', record);
  });

  after(() => process.removeListener('uncaughtException', record));

  it('says "the server closed the connection during" the command, and the next Explain works', async () => {
    await openSql('lost.sql', 'SELECT pg_sleep(30.25);\n');
    let ended: ExplainOutcome | undefined;
    const running = vscode.commands.executeCommand<ExplainOutcome>('pgtuner.explainAndSuggest', { analyze: true }).then((o) => (ended = o));
    await eventually('the statement to run on the server', async () => {
      if (ended) throw new Error(`the command ended before its statement ran: ${JSON.stringify(ended)}`);
      return (await queryRows(url, TERMINATE_SQL, ['pg_sleep(30.25)'])).length > 0 ? true : undefined;
    });
    const outcome = await running;
    assert.equal(outcome?.status, 'failed', JSON.stringify(outcome));
    assert.match((outcome as { message: string }).message, /server closed the connection during "Explain & Suggest"/i);
    assert.deepEqual(uncaught.map(String), [], 'an error reached the extension host unhandled');

    await openSql('next.sql', 'SELECT v FROM t WHERE id = 7;\n');
    const next = await vscode.commands.executeCommand<ExplainOutcome>('pgtuner.explain', { analyze: true });
    assert.equal(next?.status, 'done', JSON.stringify(next));
  });
});
