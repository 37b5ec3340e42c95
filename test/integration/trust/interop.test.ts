// Interoperability (spec section 7): our envelopes verify with an independent DSSE implementation
// (sigstore's, from npm), and envelopes that implementation writes verify here, whatever keyid it
// chose. The keyid is a hint: securesystemslib, go-securesystemslib and sigstore each derive another.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as signBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crypto as sigstoreCrypto, dsse as sigstoreDsse } from '@sigstore/core';
import { envelopeFromJSON, envelopeToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import {
  ATTESTATION_FILE,
  buildStatement,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  keyIdOf,
  readPluginTree,
  signPlugin,
  verifyPlugin,
  type TrustedKey,
} from '../../../runtime/src/trust';

const META = { name: 'interop', version: '1.2.3', permissions: { fs: { write: ['dist/'] } } };

describe('DSSE interoperability with sigstore', () => {
  let dir: string;
  let keyFile: string;
  let trusted: TrustedKey[];
  let publicPem: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aether-interop-'));
    await writeFile(path.join(dir, 'index.ts'), `export default class P { static meta = ${JSON.stringify(META)}; execute() {} }\n`);
    const keys = await generateKeyPair(path.join(dir, '..', `${path.basename(dir)}-keys`));
    keyFile = keys.privateKeyFile;
    publicPem = await readFile(keys.publicKeyFile, 'utf8');
    trusted = [{ keyid: keys.keyid, publicKey: publicPem }];
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(path.join(dir, '..', `${path.basename(dir)}-keys`), { recursive: true, force: true });
  });

  test('an envelope we write verifies with sigstore’s pre-authentication encoding and verifier', async () => {
    await signPlugin(dir, keyFile, META);
    const json = JSON.parse(await readFile(path.join(dir, ATTESTATION_FILE), 'utf8')) as Parameters<typeof envelopeFromJSON>[0];
    const envelope = envelopeFromJSON(json);
    assert.equal(envelope.payloadType, IN_TOTO_PAYLOAD_TYPE);
    const message = sigstoreDsse.preAuthEncoding(envelope.payloadType, envelope.payload);
    assert.equal(envelope.signatures.length, 1);
    assert.ok(sigstoreCrypto.verify(message, createPublicKey(publicPem), envelope.signatures[0]!.sig), 'sigstore verifies our signature');
    // And it is not a check that cannot fail: one flipped payload byte and sigstore refuses it.
    const tampered = Buffer.from(envelope.payload);
    tampered[10] = tampered[10]! ^ 1;
    assert.equal(
      sigstoreCrypto.verify(
        sigstoreDsse.preAuthEncoding(envelope.payloadType, tampered),
        createPublicKey(publicPem),
        envelope.signatures[0]!.sig,
      ),
      false,
    );
  });

  for (const [label, hint] of [
    ['securesystemslib-style keyid (hex of another hash)', 'b0c1e7a6a4f5d0a6e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708'],
    ['go-securesystemslib-style keyid (a URI)', 'ed25519:SHA256:zXkU1IiHwRFZg2iqY+mGf2Pxm8s3ALqVa5fJc1kqyGk'],
    ['keyid left out', undefined],
  ] as const) {
    test(`an envelope sigstore’s DSSEBundleBuilder writes, with a ${label}, verifies here`, async () => {
      const tree = await readPluginTree(dir);
      const statement = buildStatement(META, tree.files);
      const privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
      const builder = new DSSEBundleBuilder({
        signer: {
          sign: async (data: Buffer) => ({
            signature: signBytes(null, data, privateKey),
            key: { $case: 'publicKey', publicKey: publicPem, ...(hint === undefined ? {} : { hint }) },
          }),
        },
        witnesses: [],
      });
      const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE });
      assert.equal(bundle.content.$case, 'dsseEnvelope');
      const written = envelopeToJSON((bundle.content as { dsseEnvelope: Parameters<typeof envelopeToJSON>[0] }).dsseEnvelope);
      assert.equal(written.signatures[0]!.keyid || '', hint ?? '');
      assert.notEqual(written.signatures[0]!.keyid, keyIdOf(publicPem));
      await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(written));

      const result = await verifyPlugin(dir, META, trusted);
      assert.equal(result.status, 'verified', result.message);
      assert.equal(result.keyid, trusted[0]!.keyid, 'the key that verified is named by our key id');

      // The same envelope with no trusted key at all is unknown-key, and says the key is not trusted.
      const untrusted = await verifyPlugin(dir, META, []);
      assert.equal(untrusted.status, 'unknown-key');
      assert.match(untrusted.message, /not in aether\.trust\.keys/);
    });
  }
});
