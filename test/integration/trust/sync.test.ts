// `aether plugins sync` (spec sections 2 and 6): writes each plugin's real attestation status, is all or
// nothing (a failed sync leaves aether.config.json byte-identical), keeps every other key in its place,
// and concurrent syncs never corrupt the file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, signPlugin } from '../../../runtime/src/trust';
import { createWorkspace, ofType, pluginModule, type Workspace } from '../runtime/workspace';

const plugin = (name: string, meta: Record<string, unknown> = {}) =>
  pluginModule({ name, version: '1.0.0', ...meta }, { execute: `return { by: ${JSON.stringify(name)} };` });

interface Config {
  aether: { plugins: Array<{ name: string; attestation: string; order: number; integrity: string }>; trust: unknown; extra?: unknown };
  [key: string]: unknown;
}

describe('aether plugins sync', () => {
  let keysDir: string;
  let trusted: Array<{ keyid: string; publicKey: string }>;
  let ws: Workspace;

  before(async () => {
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'aether-keys-'));
    const pair = await generateKeyPair(keysDir);
    trusted = [{ keyid: pair.keyid, publicKey: await readFile(pair.publicKeyFile, 'utf8') }];
    ws = await createWorkspace({
      plugins: { signed: plugin('signed'), unsigned: plugin('unsigned', { dependencies: { signed: '^1.0.0' } }), other: plugin('other') },
      pipelines: { 'p.pipeline.yaml': 'name: p\nsteps:\n  - id: a\n    run: signed\n' },
    });
    await signPlugin(ws.path('plugins', 'signed'), pair.privateKeyFile, { name: 'signed', version: '1.0.0' });
  });
  after(async () => {
    await ws.dispose();
    await rm(keysDir, { recursive: true, force: true });
  });

  /** A config with keys around `aether`, in an order JSON.stringify would not produce by itself. */
  const configText = (policy: string, indent = 2) =>
    `${JSON.stringify({ zeta: 1, aether: { trust: { policy, keys: trusted }, extra: [1, 2] }, alpha: { nested: true }, '': 'empty' }, null, indent)}\n`;

  test('under warn: writes the real attestation status of each plugin, keeps the other keys in order', async () => {
    await ws.write('aether.config.json', configText('warn'));
    const result = await ws.run(['plugins', 'sync']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /signed@1\.0\.0 plugins\/signed\/index\.ts attestation: verified/);
    assert.match(result.stderr, /plugin\/attestation: attestation unsigned: Plugin unsigned@1\.0\.0/);
    const text = await ws.read('aether.config.json');
    const config = JSON.parse(text) as Config;
    assert.deepEqual(Object.keys(config), ['zeta', 'aether', 'alpha', '']);
    assert.deepEqual(Object.keys(config.aether), ['trust', 'extra', 'plugins']);
    assert.deepEqual(config.aether.extra, [1, 2]);
    assert.deepEqual(config.alpha, { nested: true });
    assert.deepEqual(
      config.aether.plugins.map((p) => [p.order, p.name, p.attestation]),
      [
        [0, 'other', 'unsigned'],
        [1, 'signed', 'verified'],
        [2, 'unsigned', 'unsigned'],
      ],
    );
    for (const p of config.aether.plugins) assert.match(p.integrity, /^sha256-[0-9a-f]{64}$/);

    // The synced list loads, re-verified at startup: the run says the same.
    const run = await ws.run(['run', 'p.pipeline.yaml', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      ofType(run.events, 'plugin-load').map((e) => [e.name, e.attestation]),
      [
        ['other', 'unsigned'],
        ['signed', 'verified'],
        ['unsigned', 'unsigned'],
      ],
    );

    // A second sync with nothing new leaves the file as it is.
    const again = await ws.run(['plugins', 'sync']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\(unchanged\)/);
    assert.equal(await ws.read('aether.config.json'), text);
  });

  test('under require with an unsigned plugin: exit 2, the file stays byte-identical', async () => {
    // 4-space indentation and no trailing newline: a rewrite would show.
    const original = configText('require', 4).trimEnd();
    await ws.write('aether.config.json', original);
    const result = await ws.run(['plugins', 'sync']);
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, /attestation unsigned: Plugin other(?:@1\.0\.0)? .*Not loaded: aether\.trust\.policy is "require"/);
    assert.match(result.stderr, /sync failed: aether\.config\.json was left as it was/);
    assert.equal(await ws.read('aether.config.json'), original);
  });

  test('a plugin validation error leaves the file byte-identical', async () => {
    const original = configText('warn', 4).trimEnd();
    await ws.write('aether.config.json', original);
    await ws.write('plugins/broken/index.ts', pluginModule({ name: 'broken', version: 'not-a-version' }));
    try {
      const result = await ws.run(['plugins', 'sync', '--json']);
      assert.equal(result.code, 2, result.stderr);
      const report = JSON.parse(result.stdout) as { ok: boolean; diagnostics: Array<{ severity: string; plugin?: string; file?: string }> };
      assert.equal(report.ok, false);
      assert.ok(
        report.diagnostics.some((d) => d.severity === 'error' && (d.plugin === 'broken' || d.file?.includes('broken'))),
        JSON.stringify(report.diagnostics),
      );
      assert.equal(await ws.read('aether.config.json'), original);
    } finally {
      await ws.remove('plugins/broken');
    }
  });

  test('a non-object "aether" key is refused, nothing written', async () => {
    const original = '{ "aether": [1, 2], "keep": true }';
    await ws.write('aether.config.json', original);
    const result = await ws.run(['plugins', 'sync']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"aether" must be an object/);
    assert.equal(await ws.read('aether.config.json'), original);
  });

  test('two syncs and a keys trust at once: valid JSON, the full list, every other key kept', async () => {
    await ws.write('aether.config.json', configText('warn'));
    const other = await generateKeyPair(path.join(keysDir, 'other'));
    const [a, b, trust] = await Promise.all([
      ws.run(['plugins', 'sync']),
      ws.run(['plugins', 'sync']),
      ws.run(['keys', 'trust', other.publicKeyFile]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(trust.code, 0, trust.stderr);
    const config = JSON.parse(await ws.read('aether.config.json')) as Config & { aether: { trust: { keys: Array<{ keyid: string }> } } };
    assert.deepEqual(Object.keys(config), ['zeta', 'aether', 'alpha', '']);
    assert.deepEqual(Object.keys(config.aether), ['trust', 'extra', 'plugins']);
    assert.deepEqual(
      config.aether.plugins.map((p) => p.name),
      ['other', 'signed', 'unsigned'],
    );
    // The concurrent `keys trust` is not lost to a sync that read the file before it.
    assert.deepEqual(
      config.aether.trust.keys.map((k) => k.keyid),
      [trusted[0]!.keyid, other.keyid],
    );
    assert.deepEqual(await readdirNoTemp(ws), []);
  });
});

/** Leftover temp or lock files next to aether.config.json. */
async function readdirNoTemp(ws: Workspace): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(ws.root)).filter((name) => name.startsWith('aether.config.json') && name !== 'aether.config.json');
}
