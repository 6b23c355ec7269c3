import type * as vscode from 'vscode';
import { legacySecretKey, settingsSecretKey } from '../../core/db/connectionCatalog';
import { ConnectionProfile } from '../../core/db/profile';

/** The settings levels a password can belong to. */
export type PasswordScope = 'user' | 'workspace';

/**
 * Passwords of settings profiles, kept only in VS Code's SecretStorage (the OS keychain where there
 * is one), keyed by settings level and endpoint (see settingsSecretKey): a workspace profile never
 * finds a user profile's password, and a profile pointed at another server finds none.
 * `profile.name` is always the name as written in settings.
 */
export class PasswordStore {
  /** `workspaceId`: the opened workspace (folder or .code-workspace URI) that workspace passwords belong to. */
  constructor(
    private readonly secrets: Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'>,
    private readonly workspaceId: () => string | undefined,
  ) {}

  /**
   * The stored password. A user profile without one under its key gets the one an earlier version
   * stored under its bare name, moved to the new key (the old key is deleted). Workspace profiles
   * never read the old keys: in those versions a workspace profile could have been saved over a
   * user profile's name, so a name-keyed password says nothing about which server it is for.
   */
  async get(scope: PasswordScope, profile: ConnectionProfile): Promise<string | undefined> {
    const key = this.key(scope, profile);
    const stored = await this.secrets.get(key);
    if (stored !== undefined || scope !== 'user') return stored;
    const legacy = await this.secrets.get(legacySecretKey(profile.name));
    if (legacy === undefined) return undefined;
    await this.secrets.store(key, legacy);
    await this.secrets.delete(legacySecretKey(profile.name));
    return legacy;
  }

  /** Stores a password, or with undefined/empty forgets it. */
  async set(scope: PasswordScope, profile: ConnectionProfile, password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(this.key(scope, profile), password);
    else await this.delete(scope, profile);
  }

  /** Forgets a profile's password (and, for a user profile, any name-keyed one an earlier version left). */
  async delete(scope: PasswordScope, profile: ConnectionProfile): Promise<void> {
    await this.secrets.delete(this.key(scope, profile));
    if (scope === 'user') await this.secrets.delete(legacySecretKey(profile.name));
  }

  private key(scope: PasswordScope, profile: ConnectionProfile): string {
    return settingsSecretKey(scope, profile, scope === 'workspace' ? this.workspaceId() : undefined);
  }
}
