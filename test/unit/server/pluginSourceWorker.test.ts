import { strict as assert } from 'node:assert';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { PluginSourceWorker } from '../../../server/src/pluginSourceWorker';
import { validatePluginSource } from '../../../runtime/src/workspace/pluginSource';
import { memoryDiscover, memoryFs, PLUGINS, pluginSource, ROOT } from './helpers';
import { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

const ENTRY = path.join(__dirname, 'pluginSourceWorkerEntry.ts');
/** A worker running the TypeScript sources (the server runs its bundle instead). */
const spawn = () => new Worker(`require('tsx/cjs'); require(${JSON.stringify(ENTRY)});`, { eval: true });

const SOURCES: Record<string, string> = {
  ...PLUGINS,
  'bad-semver': pluginSource(`{ name: 'bad', version: 'x', hooks: ['pre-exec'] }`),
  'no-class': 'export default function () {}\n',
  broken: 'export default class {\n  static meta = { name: ',
  'non-literal': pluginSource(`{ name: 'n', version: VERSION, commands: { ...more } }`, 'onHook() {}'),
};

describe('PluginSourceWorker', () => {
  it('gives what validatePluginSource gives in this thread', async () => {
    const parser = new PluginSourceWorker(spawn);
    try {
      for (const [name, text] of Object.entries(SOURCES)) {
        const file = `${ROOT}/plugins/${name}/index.ts`;
        const location = { entry: file, dir: `${ROOT}/plugins/${name}`, source: 'local' as const };
        const remote = await parser.validate(text, file, location);
        const local = validatePluginSource(text, file, location);
        const { lineIndex: remoteLines, ...remoteInfo } = remote;
        const { lineIndex: localLines, ...localInfo } = local;
        assert.deepEqual(remoteInfo, localInfo, name);
        assert.deepEqual(remoteLines.lineStarts, localLines.lineStarts, name);
        assert.deepEqual(remoteLines.positionAt(text.length), localLines.positionAt(text.length), name);
      }
    } finally {
      await parser.dispose();
    }
  });

  it('serves concurrent requests, ends when idle and starts again on the next request', async () => {
    const parser = new PluginSourceWorker(spawn, 200);
    try {
      const names = Object.keys(PLUGINS);
      const infos = await Promise.all(names.map((name) => parser.validate(PLUGINS[name]!, `${ROOT}/plugins/${name}/index.ts`)));
      assert.deepEqual(
        infos.map((info) => (info.metaValue as { name?: string }).name),
        names,
      );
      assert.equal(parser.running, true);
      await sleep(600);
      assert.equal(parser.running, false);
      const again = await parser.validate(SOURCES['bad-semver']!, `${ROOT}/plugins/bad/index.ts`);
      assert.deepEqual(
        again.diagnostics.map((d) => d.code),
        ['plugin-source/unknown-hook', 'plugin-source/hooks-without-onhook', 'meta/invalid-semver'],
      );
      assert.equal(parser.running, true);
    } finally {
      await parser.dispose();
    }
    assert.equal(parser.running, false);
  });

  it('rejects what is waiting when the worker dies, and a workspace index built on it matches one built in-thread', async () => {
    const dead = new PluginSourceWorker(() => new Worker('process.exit(3)', { eval: true }));
    await assert.rejects(dead.validate(PLUGINS['notify']!, `${ROOT}/plugins/notify/index.ts`), /exited \(code 3\)/);

    const files = new Map(Object.entries(SOURCES).map(([name, text]) => [`${ROOT}/plugins/${name}/index.ts`, text]));
    const parser = new PluginSourceWorker(spawn);
    try {
      const options = { fs: memoryFs(files), discover: memoryDiscover(files), runtimeVersion: '1.2.0' };
      const remote = new WorkspaceIndex(ROOT, { ...options, readSource: (text, file, location) => parser.validate(text, file, location) });
      const local = new WorkspaceIndex(ROOT, options);
      await Promise.all([remote.refresh(), local.refresh()]);
      const summary = (index: WorkspaceIndex) =>
        index.plugins.map((p) => ({ entry: p.candidate.entry, meta: p.meta, errors: p.loadErrors, diagnostics: p.source.diagnostics }));
      assert.deepEqual(summary(remote), summary(local));
      assert.deepEqual(
        remote.ordered.map((p) => p.meta.name),
        local.ordered.map((p) => p.meta.name),
      );
    } finally {
      await parser.dispose();
    }
  });
});
