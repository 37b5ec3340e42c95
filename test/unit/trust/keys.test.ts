import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, keyIdOf, loadPrivateKey, loadPublicKey, SigningKeyError } from '../../../runtime/src/trust';

describe('keys', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'aether-keys-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('generates a PKCS#8 private key with mode 0600 and an SPKI public key', async () => {
    const out = path.join(tmp, 'gen', 'nested');
    const pair = await generateKeyPair(out);
    assert.equal(pair.privateKeyFile, path.join(out, 'aether-signing.key'));
    assert.equal(pair.publicKeyFile, path.join(out, 'aether-signing.pub'));
    if (process.platform !== 'win32') assert.equal((await stat(pair.privateKeyFile)).mode & 0o777, 0o600);
    const priv = await readFile(pair.privateKeyFile, 'utf8');
    const pub = await readFile(pair.publicKeyFile, 'utf8');
    assert.match(priv, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.match(pair.keyid, /^[0-9a-f]{64}$/);
    assert.equal(keyIdOf(pub), pair.keyid);
    assert.equal(keyIdOf(await loadPrivateKey(pair.privateKeyFile)), pair.keyid);
  });

  it('refuses to overwrite an existing key', async () => {
    const out = path.join(tmp, 'twice');
    const first = await generateKeyPair(out);
    const before = await readFile(first.privateKeyFile, 'utf8');
    await assert.rejects(
      generateKeyPair(out),
      (e: unknown) => e instanceof SigningKeyError && /already exists.*never overwrites/.test(e.message),
    );
    assert.equal(await readFile(first.privateKeyFile, 'utf8'), before);
  });

  it('key id is the hex sha256 of the SPKI DER', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(keyIdOf(publicKey), createHash('sha256').update(der).digest('hex'));
  });

  it('loadPublicKey refuses private keys and non-Ed25519 keys', () => {
    const ed = generateKeyPairSync('ed25519');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(() => loadPublicKey(privPem), /is a private key/);
    assert.throws(() => loadPublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' }) as string), /EC key; .*Ed25519/);
    assert.throws(() => loadPublicKey('hello'), /not an SPKI PEM public key/);
    assert.equal(
      loadPublicKey(createPublicKey(ed.privateKey).export({ type: 'spki', format: 'pem' }) as string).asymmetricKeyType,
      'ed25519',
    );
  });

  it('loadPrivateKey explains missing, public and non-Ed25519 files', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaFile = path.join(tmp, 'rsa.key');
    await writeFile(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pubFile = path.join(tmp, 'x.pub');
    await writeFile(pubFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    await assert.rejects(loadPrivateKey(path.join(tmp, 'nope.key')), /does not exist; create one with: aether keys generate/);
    await assert.rejects(loadPrivateKey(pubFile), /is a public key/);
    await assert.rejects(loadPrivateKey(rsaFile), /RSA key; .*Ed25519/);
  });
});
