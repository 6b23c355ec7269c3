import * as os from 'os';
import * as vscode from 'vscode';
import { ENVIRONMENTS, Environment, targetFromUrl } from '../../core/db/profile';
import { newProfile, NewProfileInput } from '../../core/db/profileSettings';
import { PgTunerError } from '../../core/errors';
import type { ConnectionManager, ProfileScope } from './connectionManager';
import type { ConnectionEntry } from '../../core/db/connectionCatalog';

/** The argument form of pgtuner.addConnection (tests and scripts): a URL or fields, plus where to save. */
export interface AddConnectionArgs extends NewProfileInput {
  /** Default: the workspace when a trusted folder is open, else user settings. */
  scope?: ProfileScope;
}

/**
 * Saves a profile (replacing one of the same name at the same settings level), its password in
 * secret storage (never in settings), and makes it the active connection.
 */
export async function addConnection(manager: ConnectionManager, args: AddConnectionArgs): Promise<ConnectionEntry> {
  if (typeof args?.name !== 'string' || !args.name.trim()) throw new PgTunerError('BAD_INPUT', vscode.l10n.t('A connection needs a name.'));
  if (args.scope !== undefined && args.scope !== 'user' && args.scope !== 'workspace')
    throw new PgTunerError('BAD_INPUT', vscode.l10n.t('scope must be "user" or "workspace".'));
  const { profile, password } = await newProfile(args);
  const saved = await manager.save(profile, password, args.scope ?? manager.defaultScope());
  return manager.select(saved.name);
}

/** The guided form: asks step by step; Escape at any step cancels and nothing is saved. */
export async function promptNewConnection(manager: ConnectionManager): Promise<ConnectionEntry | undefined> {
  const args = await askForConnection(manager);
  return args && addConnection(manager, args);
}

const TITLE = 'PG Tuner: Add Connection';

async function askForConnection(manager: ConnectionManager): Promise<AddConnectionArgs | undefined> {
  const first = await ask({
    prompt: 'A postgres:// URL, or the server host name',
    placeHolder: 'postgres://user@localhost:5432/mydb   or   localhost',
    value: 'localhost',
    validateInput: (v) => {
      if (!v.trim()) return vscode.l10n.t('Enter a URL or a host name');
      if (!/^postgres(ql)?:\/\//i.test(v.trim())) return undefined;
      try {
        targetFromUrl(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (first === undefined) return undefined;

  let fields: Omit<AddConnectionArgs, 'name'>;
  let suggestedName: string;
  let hasPassword = false;
  if (/^postgres(ql)?:\/\//i.test(first.trim())) {
    const { profile, password } = targetFromUrl(first.trim());
    fields = { url: first.trim() };
    suggestedName = `${profile.database ?? 'postgres'}@${profile.host ?? 'localhost'}`;
    hasPassword = password !== undefined;
  } else {
    const port = await ask({
      prompt: 'Port',
      value: '5432',
      validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 65535 ? undefined : vscode.l10n.t('A port is a number from 1 to 65535')),
    });
    if (port === undefined) return undefined;
    const database = await ask({ prompt: 'Database', value: 'postgres', validateInput: required('a database name') });
    if (database === undefined) return undefined;
    const user = await ask({ prompt: 'User', value: os.userInfo().username, validateInput: required('a user name') });
    if (user === undefined) return undefined;
    fields = { host: first.trim(), port: Number(port), database, user };
    suggestedName = `${database}@${first.trim()}`;
  }

  const name = await ask({
    prompt: 'A name for this connection',
    value: suggestedName,
    validateInput: (v) => {
      const name = v.trim();
      if (!name) return vscode.l10n.t('A name is required');
      const scope = manager.defaultScope();
      const warn = (message: string) => ({ message, severity: vscode.InputBoxValidationSeverity.Warning });
      if (manager.list().some((e) => e.scope === scope && e.sourceName === name))
        return warn(`Replaces the existing connection "${name}" in ${scope} settings`);
      if (scope === 'workspace' && manager.list().some((e) => e.scope === 'user' && e.sourceName === name)) {
        return warn(
          `Your user settings have a connection "${name}"; this one is saved in the workspace and listed as "${name} (workspace)"`,
        );
      }
      return undefined;
    },
  });
  if (name === undefined) return undefined;

  const environment = await pickEnvironment();
  if (!environment) return undefined;

  let password: string | undefined;
  if (!hasPassword) {
    password = await ask({
      prompt: 'Password (kept in VS Code secret storage, never in settings). Leave empty to use ~/.pgpass or no password.',
      password: true,
    });
    if (password === undefined) return undefined;
  }
  return { ...fields, name: name.trim(), environment, password: password || undefined };
}

async function pickEnvironment(): Promise<Environment | undefined> {
  const notes: Record<Environment, string> = {
    development: 'EXPLAIN ANALYZE and trial index builds allowed',
    staging: 'like development, marked in the status bar',
    production: 'read-only EXPLAIN sessions, shown in a warning colour',
  };
  const picked = await vscode.window.showQuickPick(
    ENVIRONMENTS.map((env) => ({ label: env, description: notes[env] })),
    { title: TITLE, placeHolder: vscode.l10n.t('Which environment is this server?'), ignoreFocusOut: true },
  );
  return picked?.label as Environment | undefined;
}

function ask(options: vscode.InputBoxOptions): Thenable<string | undefined> {
  return vscode.window.showInputBox({ title: TITLE, ignoreFocusOut: true, ...options });
}

function required(what: string) {
  return (v: string) => (v.trim() ? undefined : `Enter ${what}`);
}
