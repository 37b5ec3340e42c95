// Ed25519 signing keys for attestation (spec section 7): generation, key ids and loading with errors
// that say which file is wrong and what to use instead.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SigningKeyError } from './errors';

/** File names `aether keys generate --out DIR` writes. */
export const PRIVATE_KEY_FILE = 'aether-signing.key';
export const PUBLIC_KEY_FILE = 'aether-signing.pub';

/** What `generateKeyPair` wrote. */
export interface GeneratedKeyPair {
  privateKeyFile: string;
  publicKeyFile: string;
  keyid: string;
}

const generateEd25519 = promisify(generateKeyPairCb);

/**
 * Writes a new Ed25519 pair into `outDir` (created if needed): the private key as PKCS#8 PEM with mode
 * 0600 from the moment it exists, the public key as SPKI PEM. Refuses to replace either file.
 */
export async function generateKeyPair(outDir: string): Promise<GeneratedKeyPair> {
  const privateKeyFile = path.resolve(outDir, PRIVATE_KEY_FILE);
  const publicKeyFile = path.resolve(outDir, PUBLIC_KEY_FILE);
  await mkdir(path.dirname(privateKeyFile), { recursive: true });
  const { privateKey, publicKey } = await generateEd25519('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

  await writeNewFile(privateKeyFile, privatePem, 0o600);
  try {
    await writeNewFile(publicKeyFile, publicPem, 0o644);
  } catch (error) {
    // Never leave a private key without its public half: the next attempt would refuse to run.
    await unlink(privateKeyFile).catch(() => undefined);
    throw error;
  }
  return { privateKeyFile, publicKeyFile, keyid: keyIdOf(publicKey) };
}

// 'wx' creates the file with its final mode atomically and fails when it exists, so a key is never
// readable by others, not even for an instant, and an existing key is never overwritten.
async function writeNewFile(file: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SigningKeyError(
        `${file} already exists; aether keys generate never overwrites a key. Choose another --out folder, or delete the old pair first if you really mean to replace it (plugins signed with it will no longer verify).`,
      );
    }
    throw error;
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The key id of a public key: the lowercase hex SHA-256 of its DER-encoded SubjectPublicKeyInfo.
 * It depends only on the key, not on PEM line breaks, so a signer and a verifier always agree.
 * A private key is accepted too and yields the id of its public half.
 */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? loadPublicKey(publicKey) : publicKey;
  const publicHalf = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicHalf.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Reads a PKCS#8 (or PEM-encoded) Ed25519 private key file, as written by `aether keys generate`. */
export async function loadPrivateKey(file: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SigningKeyError(`signing key ${file} does not exist; create one with: aether keys generate --out DIR`);
    throw new SigningKeyError(`cannot read signing key ${file}: ${(error as Error).message}`);
  }
  if (/-----BEGIN PUBLIC KEY-----/.test(text)) {
    throw new SigningKeyError(`${file} is a public key; signing needs the private key (${PRIVATE_KEY_FILE}).`);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) {
    throw new SigningKeyError(
      `${file} is passphrase-protected; aether signs with an unencrypted PKCS#8 key (aether keys generate writes one).`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (error) {
    throw new SigningKeyError(
      `${file} is not a PEM private key (${(error as Error).message}); expected the PKCS#8 file written by aether keys generate.`,
    );
  }
  requireEd25519(key, file);
  return key;
}

/** Parses SPKI PEM text of an Ed25519 public key; `source` names where it came from in errors. */
export function loadPublicKey(pemText: string, source = 'the public key'): KeyObject {
  // createPublicKey would happily derive a public key from private key text; refuse, so a private key
  // never ends up pasted into aether.config.json.
  if (/-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(pemText)) {
    throw new SigningKeyError(
      `${source} is a private key; trust the public key (${PUBLIC_KEY_FILE}) instead, and keep the private key secret.`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pemText);
  } catch (error) {
    throw new SigningKeyError(
      `${source} is not an SPKI PEM public key (${(error as Error).message}); expected the text of ${PUBLIC_KEY_FILE}.`,
    );
  }
  requireEd25519(key, source);
  return key;
}

function requireEd25519(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(
      `${source} is an ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'} key; AetherScript attestations use Ed25519 keys only (create one with aether keys generate).`,
    );
  }
}
