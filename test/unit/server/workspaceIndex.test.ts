import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { nodeFileSystem } from '../../../runtime/src/workspace/nodeFileSystem';
import { WorkspaceIndex, WorkspaceIndexes } from '../../../runtime/src/workspace/workspaceIndex';
import { memoryDiscover, memoryFs, memoryIndex, pluginSource, PLUGINS, ROOT } from './helpers';

describe('WorkspaceIndex', () => {
  it('orders loadable plugins with the runtime rules and builds the command table', async () => {
    const { index } = await memoryIndex(PLUGINS);
    assert.deepEqual(
      index.ordered.map((p) => p.meta.name),
      ['aws-auth', 'bundler', 'fast-bundler', 'notify', 's3-upload'],
    );
    assert.equal(index.commands.byName.get('bundle')?.plugin, 'fast-bundler');
    assert.deepEqual(index.commands.byName.get('bundle')?.shadows, ['bundler']);
    assert.equal(index.commands.qualified.get('bundler/bundle')?.plugin, 'bundler');
    assert.equal(index.commands.byName.get('notify')?.description, 'Posts a message');
    // legacy wants ^0.9.0 of the runtime: known by name, but not loaded, with the reason.
    assert.equal(index.isLoaded('legacy'), false);
    assert.deepEqual(
      index.plugin('legacy')?.loadErrors.map((d) => d.code),
      ['plugin/incompatible-engine'],
    );
  });

  it('re-reads one plugin on change and recomputes order and commands', async () => {
    const { index, files } = await memoryIndex(PLUGINS);
    const entry = `${ROOT}/plugins/aws-auth/index.ts`;
    const before = index.version;
    // An unsaved edit: aws-auth 1.x no longer satisfies s3-upload's ^2.0.0.
    assert.equal(await index.fileChanged(entry, pluginSource(`{ name: 'aws-auth', version: '1.0.0' }`)), true);
    assert.ok(index.version > before);
    assert.equal(index.isLoaded('s3-upload'), false);
    assert.deepEqual(
      index.plugin('s3-upload')?.loadErrors.map((d) => d.code),
      ['plugin/dependency-version'],
    );
    // Closing the editor falls back to the disk, where the good version is.
    await index.fileChanged(entry, null);
    assert.equal(index.isLoaded('s3-upload'), true);
    assert.deepEqual(index.plugin('s3-upload')?.loadErrors, []);
    // A new local plugin is discovered.
    files.set(`${ROOT}/plugins/extra/index.ts`, pluginSource(`{ name: 'extra', version: '1.0.0' }`));
    assert.equal(await index.fileChanged(`${ROOT}/plugins/extra/index.ts`), true);
    assert.equal(index.isLoaded('extra'), true);
    assert.equal(await index.fileChanged(`${ROOT}/src/unrelated.ts`), false);
  });

  it('keeps a plugin with a broken meta out of the load order, with its errors', async () => {
    const { index } = await memoryIndex({ ...PLUGINS, bundler: pluginSource(`{ name: 'bundler', version: 'x' }`) });
    assert.equal(index.isLoaded('bundler'), false);
    assert.deepEqual(
      index.plugin('bundler')?.loadErrors.map((d) => d.code),
      ['meta/invalid-semver'],
    );
    assert.deepEqual(
      index.plugin('fast-bundler')?.loadErrors.map((d) => d.code),
      ['plugin/missing-dependency'],
    );
  });

  it('routes files to the innermost of several workspace folders', async () => {
    const files = new Map([
      ['/a/plugins/one/index.ts', pluginSource(`{ name: 'one', version: '1.0.0' }`)],
      ['/b/plugins/two/index.ts', pluginSource(`{ name: 'two', version: '1.0.0' }`)],
    ]);
    const indexes = new WorkspaceIndexes({ fs: memoryFs(files), discover: memoryDiscover(files) });
    await indexes.addFolder('/a');
    await indexes.addFolder('/b');
    assert.deepEqual(indexes.forFile('/a/x.pipeline.yaml')?.pluginNames, ['one']);
    assert.deepEqual(indexes.forFile('/b/x.pipeline.yaml')?.pluginNames, ['two']);
    assert.equal(indexes.forFile('/c/x.pipeline.yaml'), undefined);
    const changed = await indexes.fileChanged('/b/plugins/two/index.ts', pluginSource(`{ name: 'two', version: '2.0.0' }`));
    assert.deepEqual(
      changed.map((i) => i.root),
      ['/b'],
    );
  });

  it('works on a real folder with the runtime discovery', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'aether-index-'));
    try {
      mkdirSync(path.join(root, 'plugins', 'hello'), { recursive: true });
      writeFileSync(path.join(root, 'plugins', 'hello', 'index.ts'), pluginSource(`{ name: 'hello', version: '1.0.0' }`));
      mkdirSync(path.join(root, 'node_modules', '@acme', 'deploy', 'dist'), { recursive: true });
      writeFileSync(
        path.join(root, 'node_modules', '@acme', 'deploy', 'package.json'),
        JSON.stringify({ name: '@acme/deploy', version: '1.0.0', aetherscript: { plugin: './dist/index.js' } }),
      );
      writeFileSync(
        path.join(root, 'node_modules', '@acme', 'deploy', 'dist', 'index.js'),
        pluginSource(`{ name: '@acme/deploy', version: '1.0.0', dependencies: { hello: '^1.0.0' } }`),
      );
      const index = new WorkspaceIndex(root, { fs: nodeFileSystem });
      await index.refresh();
      assert.deepEqual(
        index.ordered.map((p) => p.meta.name),
        ['hello', '@acme/deploy'],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('applies overlapping updates in order, so the newest reading of the disk wins', async () => {
    // The config lists the plugins that load (as `aether.plugins` does); discovery reads it, then is slow.
    const files = new Map([
      [`${ROOT}/aether.config.json`, 'one'],
      [`${ROOT}/plugins/one/index.ts`, pluginSource(`{ name: 'one', version: '1.0.0' }`)],
      [`${ROOT}/plugins/two/index.ts`, pluginSource(`{ name: 'two', version: '1.0.0' }`)],
    ]);
    const delays = [0, 60, 0];
    const discover = async (root: string) => {
      const listed = files.get(`${ROOT}/aether.config.json`)!.split(',');
      const found = await memoryDiscover(files)(root);
      await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
      return { ...found, candidates: found.candidates.filter((c) => listed.some((name) => c.dir.endsWith(`/${name}`))) };
    };
    const index = new WorkspaceIndex(ROOT, { fs: memoryFs(files), discover });
    await index.refresh();
    assert.deepEqual(index.pluginNames, ['one']);
    // Saved twice in quick succession: the first rediscovery is the slow one.
    files.set(`${ROOT}/aether.config.json`, 'one,two');
    const first = index.fileChanged(`${ROOT}/aether.config.json`);
    files.set(`${ROOT}/aether.config.json`, 'two');
    const second = index.fileChanged(`${ROOT}/aether.config.json`);
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.deepEqual(index.pluginNames, ['two']);
  });

  it('checks the attestation of a plugin again when any of its files changes on disk, not for editor text', async () => {
    const files = new Map([
      [`${ROOT}/plugins/one/index.ts`, pluginSource(`{ name: 'one', version: '1.0.0' }`)],
      [`${ROOT}/plugins/one/lib.ts`, 'export const signed = true;\n'],
    ]);
    let checks = 0;
    const index = new WorkspaceIndex(ROOT, {
      fs: memoryFs(files),
      discover: memoryDiscover(files),
      checkTrust: async (_root, candidate, meta) => {
        checks++;
        if (files.get(`${candidate.dir}/lib.ts`)?.includes('signed = true')) return undefined;
        return { code: 'plugin/attestation', severity: 'error', file: candidate.entry, plugin: meta.name, message: 'attestation mismatch' };
      },
    });
    await index.refresh();
    assert.equal(index.isLoaded('one'), true);
    assert.equal(checks, 1);
    // Typing in the entry file: the files on disk, and so the attestation, are as they were.
    await index.fileChanged(`${ROOT}/plugins/one/index.ts`, pluginSource(`{ name: 'one', version: '1.0.1' }`));
    assert.equal(checks, 1);
    // Another file of the plugin changes on disk: its digest no longer matches.
    files.set(`${ROOT}/plugins/one/lib.ts`, 'export const signed = false;\n');
    assert.equal(await index.fileChanged(`${ROOT}/plugins/one/lib.ts`), true);
    assert.equal(checks, 2);
    assert.equal(index.isLoaded('one'), false);
    assert.deepEqual(
      index.plugin('one')?.loadErrors.map((d) => d.code),
      ['plugin/attestation'],
    );
    // A file outside every plugin changes nothing.
    assert.equal(await index.fileChanged(`${ROOT}/src/app.ts`), false);
    assert.equal(checks, 2);
  });

  it('rediscovers once per batch of disk changes, and when a plugin folder without a plugin gets files', async () => {
    const files = new Map([[`${ROOT}/plugins/one/index.ts`, pluginSource(`{ name: 'one', version: '1.0.0' }`)]]);
    let discoveries = 0;
    const discover = async (root: string) => {
      discoveries++;
      const found = await memoryDiscover(files)(root);
      // plugins/unbuilt/package.json names dist/index.js as its entry.
      const built = files.get(`${ROOT}/plugins/unbuilt/dist/index.js`);
      if (built) found.candidates.push({ entry: `${ROOT}/plugins/unbuilt/dist/index.js`, dir: `${ROOT}/plugins/unbuilt`, source: 'local' });
      const diagnostics = built
        ? []
        : [{ code: 'plugin/missing-entry', severity: 'error' as const, file: `${ROOT}/plugins/unbuilt/package.json`, message: 'no entry' }];
      return { candidates: found.candidates, diagnostics };
    };
    const index = new WorkspaceIndex(ROOT, { fs: memoryFs(files), discover });
    await index.refresh();
    assert.equal(discoveries, 1);
    assert.deepEqual(index.pluginPackageFiles, [`${ROOT}/plugins/one/package.json`, `${ROOT}/plugins/unbuilt/package.json`]);
    const discovered = index.discoveryVersion;

    // A checkout touching the config, a package.json and a plugin's files: one rediscovery.
    const batch = [
      `${ROOT}/aether.config.json`,
      `${ROOT}/plugins/one/package.json`,
      `${ROOT}/plugins/one/index.ts`,
      `${ROOT}/plugins/one/lib.ts`,
    ];
    assert.equal(await index.filesChanged(batch), true);
    assert.equal(discoveries, 2);
    // A change inside a plugin that is discovered (no trust checks here): nothing to redo.
    assert.equal(await index.filesChanged([`${ROOT}/plugins/one/README.md`]), false);
    assert.equal(discoveries, 2);
    // Editing a known plugin re-reads it, without discovery.
    assert.equal(await index.fileChanged(`${ROOT}/plugins/one/index.ts`, pluginSource(`{ name: 'one', version: '1.0.1' }`)), true);
    assert.equal(discoveries, 2);
    assert.equal(index.discoveryVersion, discovered + 1);

    // The unbuilt plugin is built: its folder had no plugin, so its new files rediscover.
    files.set(`${ROOT}/plugins/unbuilt/dist/index.js`, pluginSource(`{ name: 'unbuilt', version: '1.0.0' }`));
    assert.equal(await index.filesChanged([`${ROOT}/plugins/unbuilt/dist/index.js`]), true);
    assert.equal(discoveries, 3);
    assert.equal(index.isLoaded('unbuilt'), true);
    assert.deepEqual(index.pluginPackageFiles, [`${ROOT}/plugins/one/package.json`, `${ROOT}/plugins/unbuilt/package.json`]);
    assert.deepEqual(index.diagnostics, []);
  });
});
