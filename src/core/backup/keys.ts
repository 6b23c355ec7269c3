import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { PgTunerError } from '../errors';

/**
 * Keys that authenticate backup manifests (HMAC-SHA256). A key never lives in the workspace or
 * the backup folder: anyone who can write there could otherwise sign a dump of their own. The
 * editor keeps its key in VS Code's secret storage; the CLI in a 0600 file under
 * $XDG_CONFIG_HOME/pgtuner (default ~/.config/pgtuner).
 */
export interface BackupKey {
  /** A short fingerprint (not the secret), recorded in manifests to say which key signed them. */
  id: string;
  secret: Buffer;
}

export interface BackupKeyring {
  /** The key new manifests are signed with; created on first use. */
  signingKey(): Promise<BackupKey>;
  /** Every key a trusted manifest may be signed with; never creates one. */
  verifyingKeys(): Promise<BackupKey[]>;
}

export const KEY_BYTES = 32;

export function backupKey(secret: Buffer): BackupKey {
  if (secret.length < 16) throw new PgTunerError('BAD_INPUT', 'The backup signing key is too short (at least 16 bytes).');
  return { id: createHash('sha256').update('pgtuner-backup-key-id\0').update(secret).digest('hex').slice(0, 16), secret };
}

export function newKeySecret(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** A keyring held in memory (tests, scripts that bring their own key). */
export function memoryKeyring(secret: Buffer = newKeySecret()): BackupKeyring {
  const key = backupKey(secret);
  return { signingKey: async () => key, verifyingKeys: async () => [key] };
}

/** Signs with the first keyring; accepts what any of them verifies. */
export function combinedKeyring(primary: BackupKeyring, ...others: BackupKeyring[]): BackupKeyring {
  return {
    signingKey: () => primary.signingKey(),
    async verifyingKeys() {
      const all: BackupKey[] = [];
      for (const ring of [primary, ...others]) all.push(...(await ring.verifyingKeys().catch(() => [])));
      return all.filter((k, i) => all.findIndex((o) => o.id === k.id) === i);
    },
  };
}

/** $XDG_CONFIG_HOME/pgtuner/backup-hmac.key, default ~/.config/pgtuner/backup-hmac.key. */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
  return path.join(base, 'pgtuner', 'backup-hmac.key');
}

/**
 * The key in a file only this OS user can read. Created with mode 0600 (in a 0700 folder) by
 * writing a private temporary file and hard-linking it into place, so two processes creating it
 * at once end up with one key and nobody ever reads a half-written one.
 */
export function fileKeyring(file: string = defaultKeyFile()): BackupKeyring {
  const read = async (): Promise<BackupKey | undefined> => {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new PgTunerError('BAD_INPUT', `Cannot read the backup signing key ${file}: ${(err as Error).message}`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new PgTunerError('BAD_INPUT', `The backup signing key ${file} is not a regular file.`);
      if (stat.mode & 0o077)
        throw new PgTunerError(
          'BAD_INPUT',
          `The backup signing key ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it.`,
        );
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid())
        throw new PgTunerError('BAD_INPUT', `The backup signing key ${file} belongs to another user.`);
      const secret = Buffer.from((await handle.readFile('utf8')).trim(), 'base64');
      return backupKey(secret);
    } finally {
      await handle.close();
    }
  };
  const create = async (): Promise<void> => {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, newKeySecret().toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      await fs.link(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  };
  return {
    async signingKey() {
      const existing = await read();
      if (existing) return existing;
      await create();
      const created = await read();
      if (!created) throw new PgTunerError('INTERNAL', `The backup signing key ${file} could not be created.`);
      return created;
    },
    async verifyingKeys() {
      const key = await read();
      return key ? [key] : [];
    },
  };
}
