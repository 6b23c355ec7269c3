import * as vscode from 'vscode';
import { Database } from '../core/db/database';
import { ConnectionProfile } from '../core/db/profile';
import type { PlanRecorder } from './plans';
import { Runner } from './runner';

/** What a command needs to talk to the database the user picked. */
export interface ActiveConnection {
  profile: ConnectionProfile;
  database: Database;
}

export interface ConnectionService extends vscode.Disposable {
  /** The active connection, asking the user to pick or add one when none is selected; undefined if they cancel. */
  requireActive(): Promise<ActiveConnection | undefined>;
  /** The active connection if one is selected, without asking. */
  current(): ActiveConnection | undefined;
  /** Any connection by name (not made active); a clear error names `setting` when there is none. */
  named(name: string, setting: string): ActiveConnection;
  readonly onDidChangeActive: vscode.Event<ConnectionProfile | undefined>;
}

/** Shared by every feature's register function; created once in activate(). */
export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connections: ConnectionService;
  /** Progress, cancellation and failure display for every command. */
  runner: Runner;
  /** Where each explained plan goes (the plan history). */
  plans: PlanRecorder;
}
