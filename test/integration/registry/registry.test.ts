// Spec section 12 against a real registry (Verdaccio on 127.0.0.1): the example plugins are published
// with `aether plugins publish` (signed with a key made by `aether keys generate`), then searched,
// added, updated and removed in fresh workspaces by the real `aether` CLI; plus the faults: a tarball
// altered in the registry's storage, an update signed by an untrusted key, an update asking for write
// access it did not have, an unsigned package under `require`, the registry stopped mid-install, an
// interrupted install, a registry that is down or never answers. After every refusal the workspace's
// files are byte-identical to what they were.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startRegistry, type Registry } from './verdaccio';
import {
  authoringCopy,
  editEntry,
  generateKeys,
  npmEnv,
  publish,
  registryWorkspace,
  removeAll,
  workspaceFiles,
  type Keys,
} from './fixtures';
import type { Workspace } from '../runtime/workspace';
import { addPlugin, RegistryError, searchPlugins } from '../../../runtime/src/registry';

interface SearchJson {
  plugins: Array<{
    name: string;
    version: string;
    compatible: boolean;
    attestation: { status: string; keyId?: string };
    permissions: unknown;
  }>;
}

describe('plugins over a real registry', { timeout: 600_000 }, () => {
  let registry: Registry;
  let authoring: string;
  let cache: string;
  let env: Record<string, string>;
  let trusted: Keys;
  let untrusted: Keys;
  const workspaces: Workspace[] = [];
  const workspace = async (policy = 'require') => {
    const ws = await registryWorkspace(registry.url, [trusted], policy);
    workspaces.push(ws);
    return ws;
  };
  const aether = (ws: Workspace, args: string[]) => ws.run(args, { env, timeoutMs: 120_000 });

  before(async () => {
    registry = await startRegistry();
    authoring = await authoringCopy();
    cache = await mkdtemp(path.join(os.tmpdir(), 'aether-npm-cache-'));
    env = npmEnv(cache);
    Object.assign(process.env, env);
    trusted = await generateKeys(authoring, 'keys-trusted');
    untrusted = await generateKeys(authoring, 'keys-untrusted');
    for (const name of ['timing', 'metrics', 'bundler', 'core-tools', 'notify-console', 'notify-slack', 'release']) {
      const published = await publish(path.join(authoring, name), registry.url, trusted.key, env);
      assert.equal(published.code, 0, `publish ${name}:\n${published.stdout}\n${published.stderr}`);
      assert.match(published.stdout, new RegExp(`published ${name}@`));
    }
  });
  after(async () => {
    for (const ws of workspaces) await ws.dispose();
    await registry?.dispose();
    await removeAll(authoring, cache);
  });

  test('publish shows the manifest made from meta, the files, size and signature; --dry-run publishes nothing', async () => {
    const dir = path.join(authoring, 'timing');
    await editEntry(dir, "version: '1.0.3'", "version: '1.0.9'");
    const dry = await aether(workspaces[0] ?? (await workspace()), [
      'plugins',
      'publish',
      dir,
      '--registry',
      registry.url,
      '--key',
      trusted.key,
      '--dry-run',
    ]);
    await editEntry(dir, "version: '1.0.9'", "version: '1.0.3'");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /manifest \(made from meta: the folder has no package\.json\)/);
    assert.match(dry.stdout, /"keywords": \[\s*"aetherscript-plugin"\s*\]/);
    assert.match(dry.stdout, /"plugin": "\.\/index\.ts"/);
    assert.match(dry.stdout, /aetherscript\.attestation\.json/);
    assert.match(dry.stdout, new RegExp(`signature: key ${trusted.keyid}`));
    assert.match(dry.stdout, /dry run: timing@1\.0\.9 would be published/);
    const packument = await fetch(`${registry.url}timing`).then((r) => r.json() as Promise<{ versions: Record<string, unknown> }>);
    assert.deepEqual(Object.keys(packument.versions), ['1.0.3'], 'a dry run publishes nothing');

    // Unsigned without --unsigned: refused (exit 2), nothing published.
    const unsigned = await aether(workspaces[0]!, ['plugins', 'publish', dir, '--registry', registry.url]);
    assert.equal(unsigned.code, 2, unsigned.stdout);
    assert.match(unsigned.stderr, /published unsigned: pass --key FILE .* or --unsigned/);
  });

  test('search lists the published plugins with compatibility, attestation, permissions', async () => {
    const ws = await workspace();
    const result = await aether(ws, ['plugins', 'search', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const found = JSON.parse(result.stdout) as SearchJson;
    assert.deepEqual(found.plugins.map((p) => p.name).sort(), [
      'bundler',
      'core-tools',
      'metrics',
      'notify-console',
      'notify-slack',
      'release',
      'timing',
    ]);
    for (const plugin of found.plugins) {
      assert.equal(plugin.attestation.status, 'verified', `${plugin.name}: ${JSON.stringify(plugin.attestation)}`);
      assert.equal(plugin.attestation.keyId, trusted.keyid);
      assert.equal(plugin.compatible, true);
      assert.deepEqual(plugin.permissions, { fs: { read: [], write: [] }, env: [] });
    }
    // A query narrows by name (Verdaccio matches names); against a workspace without the key: unknown-key.
    const other = await registryWorkspace(registry.url, [untrusted]);
    workspaces.push(other);
    const narrowed = JSON.parse((await aether(other, ['plugins', 'search', 'notify', '--json'])).stdout) as SearchJson;
    assert.deepEqual(narrowed.plugins.map((p) => [p.name, p.attestation.status]).sort(), [
      ['notify-console', 'unknown-key'],
      ['notify-slack', 'unknown-key'],
    ]);
  });

  test('add verifies, installs with npm (plugin dependencies too) and syncs; remove uninstalls', async () => {
    const ws = await workspace();
    const added = await aether(ws, ['plugins', 'add', 'metrics', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const json = JSON.parse(added.stdout) as {
      name: string;
      version: string;
      attestation: { status: string };
      dependencies: Array<{ name: string }>;
    };
    assert.equal(json.name, 'metrics');
    assert.equal(json.attestation.status, 'verified');
    assert.deepEqual(
      json.dependencies.map((d) => d.name),
      ['timing'],
    );
    assert.match(added.stderr, /downloading metrics@0\.9\.0/);
    const pkg = JSON.parse(await ws.read('package.json')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['metrics', 'timing']);
    const list = await aether(ws, ['plugins', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { plugins: Array<{ name: string; attestation: { status: string } }> };
    assert.deepEqual(
      listed.plugins.map((p) => [p.name, p.attestation.status]),
      [
        ['timing', 'verified'],
        ['metrics', 'verified'],
      ],
    );

    // timing is needed by metrics: removing it alone is refused by sync and undone.
    const before = await workspaceFiles(ws.root);
    const refused = await aether(ws, ['plugins', 'remove', 'timing']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /timing/);
    assert.deepEqual(await workspaceFiles(ws.root), before, 'a refused remove leaves the workspace byte-identical');

    const removed = await aether(ws, ['plugins', 'remove', 'metrics']);
    assert.equal(removed.code, 0, removed.stderr);
    const config = JSON.parse(await ws.read('aether.config.json')) as { aether: { plugins: Array<{ name: string }> } };
    assert.deepEqual(
      config.aether.plugins.map((p) => p.name),
      ['timing'],
    );
  });

  test('update takes a verified update with the same permissions', async () => {
    const ws = await workspace();
    assert.equal((await aether(ws, ['plugins', 'add', 'timing'])).code, 0);
    await editEntry(path.join(authoring, 'timing'), "version: '1.0.3'", "version: '1.0.4'");
    assert.equal((await publish(path.join(authoring, 'timing'), registry.url, trusted.key, env)).code, 0);
    const updated = await aether(ws, ['plugins', 'update', '--json']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual((JSON.parse(updated.stdout) as { updated: unknown }).updated, [{ name: 'timing', from: '1.0.3', to: '1.0.4' }]);
    assert.match(updated.stderr, /attestation: verified .*\(unchanged\)/);
  });

  test('an update signed by an untrusted key is refused (trust downgrade), with a diff; files untouched', async () => {
    const ws = await workspace();
    assert.equal((await aether(ws, ['plugins', 'add', 'notify-console'])).code, 0);
    await editEntry(path.join(authoring, 'notify-console'), "version: '1.0.0'", "version: '1.0.1'");
    assert.equal((await publish(path.join(authoring, 'notify-console'), registry.url, untrusted.key, env)).code, 0);
    const before = await workspaceFiles(ws.root);
    const refused = await aether(ws, ['plugins', 'update', 'notify-console']);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /update of notify-console 1\.0\.0 → 1\.0\.1 refused/);
    assert.match(refused.stderr, /attestation: verified \(key \w+\) → unknown-key/);
    assert.deepEqual(await workspaceFiles(ws.root), before);
    // Under require even --allow-downgrade does not install an unverified package.
    const forced = await aether(ws, ['plugins', 'update', 'notify-console', '--allow-downgrade']);
    assert.equal(forced.code, 2);
    assert.match(forced.stderr, /aether\.trust\.policy is "require"/);
    assert.deepEqual(await workspaceFiles(ws.root), before);
  });

  test('an update asking for write access it did not have is refused without --allow-permissions', async () => {
    const ws = await workspace();
    assert.equal((await aether(ws, ['plugins', 'add', 'bundler'])).code, 0);
    await editEntry(
      path.join(authoring, 'bundler'),
      "version: '2.1.0',",
      "version: '2.1.1',\n    permissions: { fs: { write: ['dist/'] } },",
    );
    assert.equal((await publish(path.join(authoring, 'bundler'), registry.url, trusted.key, env)).code, 0);
    const before = await workspaceFiles(ws.root);
    const refused = await aether(ws, ['plugins', 'update', 'bundler', '--json']);
    assert.equal(refused.code, 2, refused.stderr);
    const json = JSON.parse(refused.stdout) as { refused: Array<{ name: string; reason: string; diff: string }> };
    assert.equal(json.refused[0]?.name, 'bundler');
    assert.match(json.refused[0]!.reason, /asks for permissions it did not have \(write dist\/\); pass --allow-permissions/);
    assert.match(
      json.refused[0]!.diff,
      /^bundler 2\.1\.0 → 2\.1\.1\n {2}attestation: verified .*\(unchanged\)\n {2}\+ permission write dist\/$/m,
    );
    assert.deepEqual(await workspaceFiles(ws.root), before);

    const allowed = await aether(ws, ['plugins', 'update', 'bundler', '--allow-permissions']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /updated bundler 2\.1\.0 → 2\.1\.1/);
  });

  test('an unsigned package is refused under require, and nothing is installed', async () => {
    const dir = path.join(authoring, 'unsigned-one');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'index.ts'),
      "export default class P { static meta = { name: 'unsigned-one', version: '1.0.0', engines: { aetherscript: '^1.0.0' } }; async execute() { return 1; } }\n",
    );
    const published = await publish(dir, registry.url, undefined, env);
    assert.equal(published.code, 0, published.stderr);
    const ws = await workspace();
    const before = await workspaceFiles(ws.root);
    const refused = await aether(ws, ['plugins', 'add', 'unsigned-one']);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /unsigned-one@1\.0\.0 .*is unsigned.*Refused: aether\.trust\.policy is "require"/);
    assert.deepEqual(await workspaceFiles(ws.root), before);
    // Under warn it installs, with a warning.
    const warnWs = await workspace('warn');
    const added = await aether(warnWs, ['plugins', 'add', 'unsigned-one']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /warning: .*unsigned.*Installed anyway/);
  });

  test('a tarball altered in the registry storage after publish fails its integrity check', async () => {
    const tgz = path.join(registry.storage, 'core-tools', 'core-tools-1.2.0.tgz');
    const bytes = await readFile(tgz);
    bytes[bytes.length - 12] = bytes[bytes.length - 12]! ^ 0xff;
    await writeFile(tgz, bytes);
    const ws = await workspace();
    const before = await workspaceFiles(ws.root);
    const failed = await aether(ws, ['plugins', 'add', 'core-tools']);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stderr, /tarball of core-tools.* fails its integrity check/);
    assert.match(failed.stderr, new RegExp(registry.url.replace(/[.]/g, '\\.')));
    assert.deepEqual(await workspaceFiles(ws.root), before);
  });

  test('an interrupted install (cancelled while npm runs) leaves the workspace as it was', async () => {
    const ws = await workspace();
    const before = await workspaceFiles(ws.root);
    const controller = new AbortController();
    await assert.rejects(
      addPlugin(ws.root, 'timing', {
        signal: controller.signal,
        onProgress: (line) => {
          if (line.startsWith('installing')) setTimeout(() => controller.abort(), 150);
        },
      }),
      (error: unknown) => error instanceof RegistryError && error.code === 'EABORTED',
    );
    assert.deepEqual(await workspaceFiles(ws.root), before);
  });

  test('the registry stopped mid-install: a clear error naming it, the workspace as it was', async () => {
    const ws = await workspace();
    const before = await workspaceFiles(ws.root);
    // An npm cache that has never seen metrics: npm must go to the registry for it.
    process.env.npm_config_cache = await mkdtemp(path.join(os.tmpdir(), 'aether-npm-cache-'));
    let stopped: Promise<void> | undefined;
    await assert.rejects(
      addPlugin(ws.root, 'metrics', {
        onProgress: (line) => {
          // Verified from the registry; then it goes away before npm can fetch anything.
          if (line.startsWith('installing')) stopped = registry.stop();
        },
      }).finally(async () => {
        await stopped;
        await removeAll(process.env.npm_config_cache!);
        process.env.npm_config_cache = cache;
      }),
      (error: unknown) => {
        assert.ok(error instanceof RegistryError, String(error));
        assert.equal(error.code, 'EREGISTRY', error.message);
        assert.match(error.message, new RegExp(`${registry.url.replace(/[.]/g, '\\.')}.*cannot be reached`));
        return true;
      },
    );
    assert.deepEqual(await workspaceFiles(ws.root), before);

    // Down: search says which registry; a registry that never answers times out.
    const down = await aether(ws, ['plugins', 'search']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`The registry ${registry.url.replace(/[.]/g, '\\.')} cannot be reached`));
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    try {
      const started = Date.now();
      const slow = await ws.run(['plugins', 'search', '--registry', slowUrl], { env: { ...env, npm_config_fetch_timeout: '1000' } });
      assert.equal(slow.code, 1);
      assert.match(slow.stderr, new RegExp(`The registry ${slowUrl.replace(/[.]/g, '\\.')} did not answer in time`));
      assert.ok(Date.now() - started < 20_000, 'the timeout applies');
    } finally {
      silent.close();
    }
    await registry.start();
    assert.ok((await searchPlugins(ws.root, 'notify')).length > 0, 'back up: found again');
  });
});
