import * as fs from 'fs/promises';
import * as openpgp from 'openpgp';
import { Readable } from 'stream';
import type { ReadableStream as WebReadableStream } from 'stream/web';
import { PgTunerError } from '../errors';
import { Settings } from '../settings/schema';

/**
 * OpenPGP encryption of a dump, streamed: AES-256 with a passphrase (RFC 4880 SKESK) or to the
 * recipients' public keys, in the packet format GnuPG 2.2 reads (SEIPD with MDC), so
 * `gpg --decrypt` recovers the plain pg_dump archive without PG Tuner.
 */

export type EncryptionMethod = 'passphrase' | 'public-key';

/** How a backup was encrypted: kept in its (signed) manifest; never the passphrase. */
export interface EncryptionInfo {
  format: 'OpenPGP';
  method: EncryptionMethod;
  cipher: 'AES-256';
  /** Fingerprints of the recipients' keys (method public-key). */
  recipients?: string[];
}

export type Encryption = { method: 'passphrase'; passphrase: string } | { method: 'public-key'; recipients: openpgp.Key[] };

/** What can open an encrypted backup: the passphrase, or private keys (armoured) with the passphrase that unlocks them. */
export interface DecryptionKeys {
  passphrase?: string;
  privateKeys?: string[];
}

const CONFIG: Partial<openpgp.Config> = {
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  // pg_dump -Fc is compressed already.
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  // SEIPDv1 (MDC): what GnuPG 2.2 decrypts.
  aeadProtect: false,
};

/**
 * The encryption pgtuner.backup.encryption asks for: undefined for "none"; the passphrase comes
 * from the caller (secret storage, or an environment variable), public keys from the armoured key
 * files in pgtuner.backup.encryptionRecipientKeyFiles.
 */
export async function encryptionOf(settings: Settings, passphrase: string | undefined): Promise<Encryption | undefined> {
  const method = settings['backup.encryption'];
  if (method === 'none') return undefined;
  if (method === 'passphrase') {
    if (!passphrase)
      throw new PgTunerError(
        'BAD_INPUT',
        'pgtuner.backup.encryption is "passphrase" but no passphrase was given: set one (editor: Set Backup Passphrase) or name the environment variable that holds it (pgtuner.backup.encryptionPassphraseEnv; CLI: --passphrase-env NAME).',
      );
    return { method: 'passphrase', passphrase };
  }
  const files = settings['backup.encryptionRecipientKeyFiles'].filter((f): f is string => typeof f === 'string' && !!f.trim());
  if (!files.length)
    throw new PgTunerError(
      'BAD_INPUT',
      'pgtuner.backup.encryption is "public-key" but pgtuner.backup.encryptionRecipientKeyFiles names no key file (CLI: --recipient <file.asc>).',
    );
  const recipients: openpgp.Key[] = [];
  for (const file of files) recipients.push(await readRecipientKey(file));
  return { method: 'public-key', recipients };
}

async function readRecipientKey(file: string): Promise<openpgp.Key> {
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: await fs.readFile(file, 'utf8') });
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `${file} is not an armoured OpenPGP public key: ${(err as Error).message}`);
  }
  try {
    await key.getEncryptionKey();
  } catch (err) {
    throw new PgTunerError('BAD_INPUT', `The key in ${file} (${key.getFingerprint()}) cannot encrypt: ${(err as Error).message}`);
  }
  return key;
}

export function describeEncryption(encryption: Encryption): EncryptionInfo {
  return encryption.method === 'passphrase'
    ? { format: 'OpenPGP', method: 'passphrase', cipher: 'AES-256' }
    : { format: 'OpenPGP', method: 'public-key', cipher: 'AES-256', recipients: encryption.recipients.map((k) => k.getFingerprint()) };
}

/** `plain` encrypted as one binary OpenPGP message, chunk by chunk. */
export async function encryptingStream(plain: Readable, encryption: Encryption): Promise<Readable> {
  const message = await openpgp.createMessage({ binary: toWeb(plain) });
  const encrypted = await openpgp.encrypt({
    message,
    format: 'binary',
    config: CONFIG,
    ...(encryption.method === 'passphrase' ? { passwords: [encryption.passphrase] } : { encryptionKeys: encryption.recipients }),
  });
  return Readable.fromWeb(encrypted as unknown as WebReadableStream<Uint8Array>);
}

/**
 * The plain archive of an encrypted dump, streamed. A wrong passphrase or key fails here, before
 * any byte is released. Data is released before the message's MDC is read at the end: callers
 * verify the file's SHA-256 (covered by the signed manifest) first, and a damaged tail still makes
 * the stream fail, so a restore never completes from a damaged file.
 */
export async function decryptingStream(encrypted: Readable, keys: DecryptionKeys, info: EncryptionInfo): Promise<Readable> {
  const message = await openpgp.readMessage({ binaryMessage: toWeb(encrypted) }).catch((err: Error) => {
    throw new PgTunerError('BAD_INPUT', `The backup is not an OpenPGP message: ${err.message}`);
  });
  const decryptionKeys = info.method === 'public-key' ? await unlockPrivateKeys(keys, info) : undefined;
  if (info.method === 'passphrase' && !keys.passphrase)
    throw new PgTunerError('BAD_INPUT', 'This backup is encrypted with a passphrase, and none was given.');
  try {
    const { data } = await openpgp.decrypt({
      message,
      format: 'binary',
      config: { allowUnauthenticatedStream: true },
      ...(decryptionKeys ? { decryptionKeys } : { passwords: [keys.passphrase!] }),
    });
    return Readable.fromWeb(data as unknown as WebReadableStream<Uint8Array>);
  } catch (err) {
    encrypted.destroy();
    throw new PgTunerError(
      'BAD_INPUT',
      info.method === 'passphrase'
        ? 'Cannot decrypt the backup: wrong passphrase.'
        : `Cannot decrypt the backup: none of the private keys given opens it (it is encrypted to ${info.recipients?.join(', ')}).`,
      { cause: err },
    );
  }
}

async function unlockPrivateKeys(keys: DecryptionKeys, info: EncryptionInfo): Promise<openpgp.PrivateKey[]> {
  if (!keys.privateKeys?.length)
    throw new PgTunerError(
      'BAD_INPUT',
      `This backup is encrypted to the public keys ${info.recipients?.join(', ')}; give the private key file (CLI: --decrypt-key <file.asc>).`,
    );
  const unlocked: openpgp.PrivateKey[] = [];
  for (const armoredKey of keys.privateKeys) {
    const key = await openpgp.readPrivateKey({ armoredKey }).catch((err: Error) => {
      throw new PgTunerError('BAD_INPUT', `A decryption key is not an armoured OpenPGP private key: ${err.message}`);
    });
    if (key.isDecrypted()) unlocked.push(key);
    else if (!keys.passphrase)
      throw new PgTunerError('BAD_INPUT', `The private key ${key.getFingerprint()} is protected by a passphrase, and none was given.`);
    else
      unlocked.push(
        await openpgp.decryptKey({ privateKey: key, passphrase: keys.passphrase }).catch(() => {
          throw new PgTunerError('BAD_INPUT', `Wrong passphrase for the private key ${key.getFingerprint()}.`);
        }),
      );
  }
  return unlocked;
}

function toWeb(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}
