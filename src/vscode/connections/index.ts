import * as vscode from 'vscode';
import { ConnectionEntry, isEditable } from '../../core/db/connectionCatalog';
import { ConnectionProfile } from '../../core/db/profile';
import { PgTunerError } from '../../core/errors';
import type { AppServices } from '../createServices';
import type { Command } from '../runner';
import { addConnection, AddConnectionArgs, promptNewConnection } from './addConnection';
import type { ConnectionManager } from './connectionManager';
import { createConnectionsView } from './connectionsView';
import { pickConnection } from './pickConnection';
import { createConnectionStatusBar } from './statusBar';
import { testConnection } from './testConnection';

/** `{ name }` — what tests, the tree view's rows and other features pass to the connection commands. */
type NameArg = { name?: unknown } | undefined;

/** The status bar item and the Connections view. */
export function registerConnections(services: AppServices): void {
  services.context.subscriptions.push(createConnectionStatusBar(services.connections), createConnectionsView(services.connections));
}

/**
 * Add / Select / Test / Remove Connection for the command table. Each takes an optional argument
 * (tests, scripts, tree rows); without one it asks the user. A failure is the runner's to show.
 */
export function connectionsCommands(services: AppServices): Record<string, Command> {
  const { connections: manager, runner, log } = services;
  return {
    'pgtuner.addConnection': {
      title: 'Add Connection',
      run: async (arg: AddConnectionArgs | undefined): Promise<ConnectionProfile | undefined> => {
        if (arg) return (await addConnection(manager, arg)).profile;
        const entry = await promptNewConnection(manager);
        if (entry) {
          void vscode.window
            .showInformationMessage(vscode.l10n.t('Connection "{0}" added and selected.', entry.name), 'Test Connection')
            .then((choice) => {
              if (choice) void vscode.commands.executeCommand('pgtuner.testConnection', { name: entry.name });
            });
        }
        return entry?.profile;
      },
    },

    'pgtuner.selectConnection': {
      title: 'Select Connection',
      run: async (arg: NameArg) => {
        const entry = await entryFrom(manager, arg, () => pickConnection(manager));
        return entry && (await manager.select(entry.name)).profile;
      },
    },

    'pgtuner.testConnection': {
      title: 'Test Connection',
      run: async (arg: NameArg) => {
        const entry = await entryFrom(manager, arg, async () => {
          // The active connection, confirmed first when its profile changed since it was chosen.
          const active = await manager.confirmActive();
          return active === 'cancelled' ? undefined : (active ?? pickConnection(manager, 'PG Tuner: Test Connection'));
        });
        return entry && testConnection(manager, entry, runner, log);
      },
    },

    'pgtuner.removeConnection': {
      title: 'Remove Connection',
      run: async (arg: NameArg) => {
        if (arg) {
          await manager.remove(nameOf(arg));
          return true;
        }
        const entry = await pickRemovable(manager);
        if (!entry || !(await confirmRemoval(entry))) return false;
        await manager.remove(entry.name);
        return true;
      },
    },
  };
}

function nameOf(arg: NameArg): string {
  if (typeof arg?.name !== 'string')
    throw new PgTunerError('BAD_INPUT', vscode.l10n.t('Expected an argument of the form {0}.', '{ name: "<connection name>" }'));
  return arg.name;
}

/** The connection named by the argument, or the one `ask` returns when there is no argument. */
async function entryFrom(
  manager: ConnectionManager,
  arg: NameArg,
  ask: () => Promise<ConnectionEntry | undefined>,
): Promise<ConnectionEntry | undefined> {
  if (!arg) return ask();
  const name = nameOf(arg);
  const entry = manager.find(name);
  if (!entry)
    throw new PgTunerError('BAD_INPUT', vscode.l10n.t('There is no connection named "{0}". Add it with "PG Tuner: Add Connection".', name));
  return entry;
}

async function pickRemovable(manager: ConnectionManager): Promise<ConnectionEntry | undefined> {
  const removable = manager.list().filter(isEditable);
  if (!removable.length) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('There is no saved connection to remove (connections from .env or PG* variables are changed there).'),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    removable.map((entry) => ({ label: entry.name, description: `${entry.profile.environment} · ${entry.origin}`, entry })),
    { title: vscode.l10n.t('PG Tuner: Remove Connection'), placeHolder: vscode.l10n.t('Which connection should be removed?') },
  );
  return picked?.entry;
}

async function confirmRemoval(entry: ConnectionEntry): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove the connection "{0}"? Its saved password is deleted from secret storage too.', entry.name),
    { modal: true },
    'Remove',
  );
  return answer === 'Remove';
}
