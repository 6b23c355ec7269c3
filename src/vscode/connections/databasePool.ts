import type * as vscode from 'vscode';
import { ConnectionEntry } from '../../core/db/connectionCatalog';
import { Database, databaseOptions } from '../../core/db/database';
import { Settings } from '../../core/settings/schema';

/**
 * One Database (one pg Pool) per listed connection, by its unique name; recreated when the
 * connection's profile, origin or SSL files, or the timeouts change.
 */
export class DatabasePool implements vscode.Disposable {
  private readonly databases = new Map<string, { key: string; database: Database }>();

  constructor(private readonly settings: () => Settings) {}

  get(entry: ConnectionEntry): Database {
    const options = databaseOptions(this.settings());
    const key = JSON.stringify([entry.profile, entry.origin, entry.ssl, options]);
    const cached = this.databases.get(entry.name);
    if (cached?.key === key) return cached.database;
    if (cached) void cached.database.end();
    const database = new Database({ profile: entry.profile, password: entry.password, ssl: entry.ssl }, options);
    this.databases.set(entry.name, { key, database });
    return database;
  }

  /** Closes a connection's pool; the next get() opens a new one (e.g. with a new password). */
  end(name: string): void {
    const cached = this.databases.get(name);
    this.databases.delete(name);
    if (cached) void cached.database.end();
  }

  /** Closes the pools of connections that are no longer listed. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of [...this.databases.keys()]) if (!names.has(name)) this.end(name);
  }

  dispose(): void {
    for (const name of [...this.databases.keys()]) this.end(name);
  }
}
