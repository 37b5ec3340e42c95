import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateJsonFile } from '../../../runtime/src/config/jsonFile';
import { addTrustedKey, readTrustSettings } from '../../../runtime/src/config/trustConfig';
import { keyIdOf } from '../../../runtime/src/trust';

const run = promisify(execFile);

function newPublicPem(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
}

let tmp: string;
let n = 0;
async function fresh(): Promise<string> {
  const dir = path.join(tmp, `config-${n++}`);
  await mkdir(dir);
  return path.join(dir, 'aether.config.json');
}
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'aether-config-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('updateJsonFile', () => {
  it('creates a missing file and keeps key order, 2-space indent and a trailing newline', async () => {
    const file = path.join(tmp, 'order.json');
    await writeFile(file, '{"zeta":1,"alpha":{"b":2,"a":1},"mid":[1]}');
    assert.deepEqual(await updateJsonFile(file, (json) => void (json.added = true)), { changed: true });
    assert.equal(
      await readFile(file, 'utf8'),
      '{\n  "zeta": 1,\n  "alpha": {\n    "b": 2,\n    "a": 1\n  },\n  "mid": [\n    1\n  ],\n  "added": true\n}\n',
    );
    const created = path.join(tmp, 'created.json');
    await updateJsonFile(created, (json) => void (json.a = 1));
    assert.equal(await readFile(created, 'utf8'), '{\n  "a": 1\n}\n');
  });

  it('leaves the file untouched when mutate throws, or changes nothing', async () => {
    const file = path.join(tmp, 'untouched.json');
    const text = '{ "keep":   "my formatting" }';
    await writeFile(file, text);
    const mtime = (await stat(file)).mtimeMs;
    await assert.rejects(
      updateJsonFile(file, (json) => {
        json.keep = 'changed';
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await readFile(file, 'utf8'), text);
    assert.deepEqual(await updateJsonFile(file, () => undefined), { changed: false });
    assert.equal(await readFile(file, 'utf8'), text);
    assert.equal((await stat(file)).mtimeMs, mtime);
    // The lock was released both times.
    await updateJsonFile(file, (json) => void (json.after = 1));
  });

  it('says at once when the folder does not exist', async () => {
    await assert.rejects(
      updateJsonFile(path.join(tmp, 'no-such-dir', 'a.json'), () => undefined),
      /no-such-dir does not exist/,
    );
  });

  it('refuses invalid JSON without touching it', async () => {
    const file = path.join(tmp, 'bad.json');
    await writeFile(file, '{ nope');
    await assert.rejects(
      updateJsonFile(file, () => undefined),
      /bad\.json is not valid JSON/,
    );
    assert.equal(await readFile(file, 'utf8'), '{ nope');
  });

  it('lands every one of many concurrent updates in one process', async () => {
    const file = path.join(tmp, 'concurrent.json');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        updateJsonFile(file, async (json) => {
          const list = (json.entries ??= []) as number[];
          await new Promise((r) => setTimeout(r, 2)); // widen the read-modify-write window
          list.push(i);
        }),
      ),
    );
    const json = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(
      [...json.entries].sort((a: number, b: number) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('lands every update from two concurrent processes', async () => {
    const file = path.join(tmp, 'processes.json');
    const child = path.join(import.meta.dirname, 'jsonFileChild.ts');
    await Promise.all(['a', 'b'].map((tag) => run(process.execPath, ['--import', 'tsx', child, file, tag, '15'])));
    const entries: string[] = JSON.parse(await readFile(file, 'utf8')).entries;
    assert.equal(entries.length, 30);
    for (const tag of ['a', 'b']) {
      assert.deepEqual(
        entries.filter((e) => e.startsWith(tag)),
        Array.from({ length: 15 }, (_, i) => `${tag}-${i}`),
      );
    }
  });
});

describe('readTrustSettings', () => {
  it('defaults to policy warn and no keys', () => {
    for (const config of [undefined, {}, { aether: {} }, { aether: { trust: {} } }]) {
      assert.deepEqual(readTrustSettings(config), { keys: [], policy: 'warn' });
    }
  });

  it('reads keys and policy', () => {
    const pem = newPublicPem();
    const keyid = keyIdOf(pem);
    assert.deepEqual(readTrustSettings({ aether: { trust: { policy: 'require', keys: [{ keyid, publicKey: pem }] } } }), {
      keys: [{ keyid, publicKey: pem }],
      policy: 'require',
    });
  });

  it('names the file and the allowed values for a bad policy', () => {
    assert.throws(
      () => readTrustSettings({ aether: { trust: { policy: 'strict' } } }, '/ws/aether.config.json'),
      (e: unknown) =>
        e instanceof Error &&
        e.message.includes('/ws/aether.config.json') &&
        e.message.includes('"strict"') &&
        e.message.includes('"require", "warn", "off"'),
    );
  });

  it('refuses bad keys, naming the entry', () => {
    const pem = newPublicPem();
    assert.throws(() => readTrustSettings({ aether: { trust: { keys: {} } } }), /"aether\.trust\.keys" must be a list/);
    assert.throws(() => readTrustSettings({ aether: { trust: { keys: [{ keyid: 'x' }] } } }), /keys\[0\]/);
    assert.throws(
      () => readTrustSettings({ aether: { trust: { keys: [{ keyid: 'x', publicKey: pem }] } } }),
      /says keyid x, but its public key has id/,
    );
    assert.throws(() => readTrustSettings({ aether: { trust: { keys: [{ keyid: 'x', publicKey: 'junk' }] } } }), /keys\[0\]" is unusable/);
  });
});

describe('addTrustedKey', () => {
  it('adds a key once, keeping the rest of the file', async () => {
    const file = await fresh();
    await updateJsonFile(file, (json) => {
      json.aether = { plugins: [{ name: 'x' }] };
      json.other = { keep: true };
    });
    const pem = newPublicPem();
    const first = await addTrustedKey(file, pem);
    assert.deepEqual(first, { keyid: keyIdOf(pem), added: true });
    assert.deepEqual(await addTrustedKey(file, pem), { keyid: first.keyid, added: false });
    const json = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(Object.keys(json), ['aether', 'other']);
    assert.deepEqual(json.aether.plugins, [{ name: 'x' }]);
    assert.deepEqual(json.aether.trust.keys, [{ keyid: first.keyid, publicKey: pem }]);
    assert.deepEqual(
      readTrustSettings(json).keys.map((k) => k.keyid),
      [first.keyid],
    );
  });

  it('creates the config when missing, and two concurrent trusts both land', async () => {
    const file = await fresh();
    const [a, b] = [newPublicPem(), newPublicPem()];
    await Promise.all([addTrustedKey(file, a), addTrustedKey(file, b)]);
    const keys = readTrustSettings(JSON.parse(await readFile(file, 'utf8'))).keys.map((k) => k.keyid);
    assert.deepEqual(keys.sort(), [keyIdOf(a), keyIdOf(b)].sort());
  });

  it('refuses a private key', async () => {
    const file = await fresh();
    const priv = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await assert.rejects(addTrustedKey(file, priv), /is a private key/);
  });
});
