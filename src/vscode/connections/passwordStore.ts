import * as vscode from 'vscode';

/** Passwords of settings profiles, kept only in VS Code's SecretStorage (the OS keychain where there is one). */
export class PasswordStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(profileName: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(key(profileName)));
  }

  async set(profileName: string, password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(key(profileName), password);
    else await this.secrets.delete(key(profileName));
  }

  async delete(profileName: string): Promise<void> {
    await this.secrets.delete(key(profileName));
  }
}

const key = (profileName: string) => `pgtuner.connection.password:${profileName}`;
