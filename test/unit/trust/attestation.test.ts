import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  applyTrustPolicy,
  ATTESTATION_FILE,
  checkPluginTrust,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  loadPrivateKey,
  signEnvelope,
  signPlugin,
  verifyPlugin,
  type AttestationResult,
  type AttestationStatus,
  type TrustedKey,
} from '../../../runtime/src/trust';

const META = { name: 's3-upload', version: '1.4.0' };

describe('signPlugin / verifyPlugin', () => {
  let tmp: string;
  let keyFile: string;
  let trusted: TrustedKey[];
  let otherKeyFile: string;
  let signed: string; // a signed plugin folder, copied by each test that changes it
  let n = 0;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'aether-attest-'));
    const pair = await generateKeyPair(path.join(tmp, 'keys'));
    keyFile = pair.privateKeyFile;
    trusted = [{ keyid: pair.keyid, publicKey: await readFile(pair.publicKeyFile, 'utf8') }];
    otherKeyFile = (await generateKeyPair(path.join(tmp, 'other-keys'))).privateKeyFile;
    signed = path.join(tmp, 'signed');
    await mkdir(path.join(signed, 'dist'), { recursive: true });
    await writeFile(path.join(signed, 'package.json'), JSON.stringify({ name: META.name, version: META.version }));
    await writeFile(path.join(signed, 'dist/index.js'), 'export default class {}\n');
    await writeFile(path.join(signed, 'README.md'), '# s3-upload\n');
    const out = await signPlugin(signed, keyFile, META);
    assert.equal(out.keyid, pair.keyid);
    assert.equal(out.subject, 's3-upload@1.4.0');
    assert.equal(out.file, path.join(signed, ATTESTATION_FILE));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function copy(): Promise<string> {
    const dir = path.join(tmp, `copy-${n++}`);
    await cp(signed, dir, { recursive: true });
    return dir;
  }
  async function envelopeOf(
    dir: string,
  ): Promise<Record<string, unknown> & { payload: string; signatures: { keyid: string; sig: string }[] }> {
    return JSON.parse(await readFile(path.join(dir, ATTESTATION_FILE), 'utf8'));
  }
  function expectStatus(result: AttestationResult, status: AttestationStatus): void {
    assert.equal(result.status, status, result.message);
    assert.match(result.message, /^Plugin s3-upload@\d/);
  }

  it('writes a DSSE envelope around an in-toto statement', async () => {
    const env = await envelopeOf(signed);
    assert.equal(env.payloadType, 'application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    assert.equal(statement.predicateType, 'https://aetherscript.dev/attestation/plugin/v2');
    const files: { path: string; sha256: string }[] = statement.predicate.files;
    assert.deepEqual(
      files.map((f) => f.path),
      ['README.md', 'dist/index.js', 'package.json'],
    );
    const canonical = files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
    assert.deepEqual(statement.subject, [
      { name: 's3-upload@1.4.0', digest: { 'aetherscript-tree-sha256': createHash('sha256').update(canonical).digest('hex') } },
    ]);
    assert.deepEqual(statement.predicate.permissions, { fs: { read: [], write: [] }, env: [] });
  });

  it('verifies an untouched plugin', async () => {
    const result = await verifyPlugin(signed, META, trusted);
    expectStatus(result, 'verified');
    assert.equal(result.keyid, trusted[0]?.keyid);
  });

  it('reports unsigned', async () => {
    const dir = await copy();
    await unlink(path.join(dir, ATTESTATION_FILE));
    expectStatus(await verifyPlugin(dir, META, trusted), 'unsigned');
  });

  it('reports unknown-key when no trusted key signed it', async () => {
    const result = await verifyPlugin(signed, META, []);
    expectStatus(result, 'unknown-key');
    assert.equal(result.keyid, trusted[0]?.keyid);
    const dir = await copy();
    await signPlugin(dir, otherKeyFile, META);
    expectStatus(await verifyPlugin(dir, META, trusted), 'unknown-key');
  });

  it('reports bad-signature when a byte of the signature flips', async () => {
    const dir = await copy();
    const env = await envelopeOf(dir);
    const sig = env.signatures[0];
    assert.ok(sig);
    const bytes = Buffer.from(sig.sig, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    sig.sig = bytes.toString('base64');
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(env));
    expectStatus(await verifyPlugin(dir, META, trusted), 'bad-signature');
  });

  it('reports bad-signature when the payload is altered', async () => {
    const dir = await copy();
    const env = await envelopeOf(dir);
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    statement.subject[0].name = 's3-upload@9.9.9';
    env.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(env));
    expectStatus(await verifyPlugin(dir, { ...META, version: '9.9.9' }, trusted), 'bad-signature');
  });

  it('reports a changed file', async () => {
    const dir = await copy();
    await writeFile(path.join(dir, 'dist/index.js'), 'export default class Evil {}\n');
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'modified');
    assert.deepEqual([result.changed, result.added, result.removed], [['dist/index.js'], [], []]);
    assert.match(result.message, /changed dist\/index\.js/);
  });

  it('reports an added file', async () => {
    const dir = await copy();
    await writeFile(path.join(dir, 'dist/extra.js'), 'x');
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'modified');
    assert.deepEqual([result.changed, result.added, result.removed], [[], ['dist/extra.js'], []]);
    assert.match(result.message, /added dist\/extra\.js/);
  });

  it('reports a removed file', async () => {
    const dir = await copy();
    await unlink(path.join(dir, 'README.md'));
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'modified');
    assert.deepEqual([result.changed, result.added, result.removed], [[], [], ['README.md']]);
    assert.match(result.message, /removed README\.md/);
  });

  it('ignores .git, and covers a bundled node_modules like any other folder', async () => {
    const dir = await copy();
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, '.git/HEAD'), 'ref');
    expectStatus(await verifyPlugin(dir, META, trusted), 'verified');
    await mkdir(path.join(dir, 'node_modules/dep'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules/dep/index.js'), 'x');
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'modified');
    assert.deepEqual(result.added, ['node_modules/dep/index.js']);
  });

  it('reports malformed JSON', async () => {
    const dir = await copy();
    await writeFile(path.join(dir, ATTESTATION_FILE), '{ not json');
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'malformed');
    assert.match(result.message, /not JSON/);
  });

  it('reports a wrong payloadType as malformed', async () => {
    const dir = await copy();
    const env = await envelopeOf(dir);
    env.payloadType = 'application/json';
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(env));
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'malformed');
    assert.match(result.message, /payloadType is "application\/json"/);
  });

  it('reports an envelope without signatures as malformed', async () => {
    const dir = await copy();
    const env = await envelopeOf(dir);
    env.signatures = [];
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(env));
    expectStatus(await verifyPlugin(dir, META, trusted), 'malformed');
  });

  it('reports a validly signed but inconsistent statement as malformed', async () => {
    const dir = await copy();
    const env = await envelopeOf(dir);
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    statement.predicate.files.pop(); // the subject digest no longer matches the file list
    const resigned = signEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(statement)),
      await loadPrivateKey(keyFile),
      trusted[0]?.keyid ?? '',
    );
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(resigned));
    const result = await verifyPlugin(dir, META, trusted);
    expectStatus(result, 'malformed');
    assert.match(result.message, /subject digest does not match/);
  });

  it('reports subject-mismatch for another name or version', async () => {
    const byVersion = await verifyPlugin(signed, { ...META, version: '1.4.1' }, trusted);
    expectStatus(byVersion, 'subject-mismatch');
    assert.match(byVersion.message, /attestation for s3-upload@1\.4\.0, not for s3-upload@1\.4\.1/);
    const byName = await verifyPlugin(signed, { ...META, name: 's3-uploader' }, trusted);
    assert.equal(byName.status, 'subject-mismatch');
  });

  it('re-signing after a change verifies again', async () => {
    const dir = await copy();
    await writeFile(path.join(dir, 'dist/index.js'), 'changed');
    await signPlugin(dir, keyFile, META);
    expectStatus(await verifyPlugin(dir, META, trusted), 'verified');
  });

  it('checkPluginTrust skips everything under policy off', async () => {
    const dir = await copy();
    await writeFile(path.join(dir, ATTESTATION_FILE), 'garbage');
    const off = await checkPluginTrust(dir, META, { keys: trusted, policy: 'off' });
    assert.equal(off.result.status, 'unchecked');
    assert.deepEqual(off.decision, { load: true });
    const req = await checkPluginTrust(dir, META, { keys: trusted, policy: 'require' });
    assert.equal(req.result.status, 'malformed');
    assert.equal(req.decision.load, false);
  });
});

describe('applyTrustPolicy', () => {
  const statuses: AttestationStatus[] = [
    'verified',
    'unsigned',
    'unknown-key',
    'bad-signature',
    'modified',
    'malformed',
    'subject-mismatch',
    'unchecked',
  ];
  const result = (status: AttestationStatus): AttestationResult => ({ status, message: `Plugin p@1.0.0 is ${status}.` });

  it('require loads only verified plugins', () => {
    for (const status of statuses) {
      const d = applyTrustPolicy(result(status), 'require');
      if (status === 'verified') assert.deepEqual(d, { load: true });
      else {
        assert.equal(d.load, false, status);
        assert.equal(d.severity, 'error');
        assert.match(d.message ?? '', new RegExp(`is ${status}\\. Not loaded: aether\\.trust\\.policy is "require"`));
      }
    }
  });

  it('warn loads everything, warning about anything not verified', () => {
    for (const status of statuses) {
      const d = applyTrustPolicy(result(status), 'warn');
      if (status === 'verified') assert.deepEqual(d, { load: true });
      else {
        assert.equal(d.load, true);
        assert.equal(d.severity, 'warning');
        assert.match(d.message ?? '', /Loaded anyway/);
      }
    }
  });

  it('off loads everything silently', () => {
    for (const status of statuses) assert.deepEqual(applyTrustPolicy(result(status), 'off'), { load: true });
  });

  it('hints at the fix', () => {
    assert.match(applyTrustPolicy(result('unsigned'), 'require').message ?? '', /aether plugins sign/);
    assert.match(applyTrustPolicy(result('unknown-key'), 'warn').message ?? '', /aether keys trust/);
  });
});
