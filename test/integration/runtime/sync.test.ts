// `aether plugins sync` and runs after it (spec section 2): the synced list lands in aether.config.json
// with every other key kept in its order; a failed sync changes nothing; `aether run` then loads exactly
// that list, warns about unlisted plugins and refuses plugins whose files changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { assertWellFormedRun, createWorkspace, fixturePlugin, ofType, pluginModule, stepEnd, type Workspace } from './workspace';

const CONFIG = {
  name: 'my-workspace',
  aether: { trust: { policy: 'warn' }, custom: { keep: [1, 2, 3] } },
  zz: 'last key stays last',
};

interface Synced {
  name: string;
  version: string;
  package: string;
  entry: string;
  integrity: string;
  attestation: string;
  order: number;
}

// One workspace, one story: each test builds on the state the previous one left.
describe('plugins sync, then run', () => {
  let ws: Workspace;
  let afterSync: string;
  const configText = () => readFile(ws.path('aether.config.json'), 'utf8');

  before(async () => {
    ws = await createWorkspace({
      plugins: { probe: fixturePlugin('probe') },
      packages: {
        '@acme/stamp': {
          'package.json': JSON.stringify({ name: '@acme/stamp', version: '2.0.0', aetherscript: { plugin: './dist/index.mjs' } }),
          'dist/index.mjs': pluginModule(
            { name: '@acme/stamp', version: '2.0.0', dependencies: { probe: '^1.0.0' } },
            { execute: 'return { stamped: true };' },
          ),
        },
        'left-pad': {
          'package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0', main: 'index.js' }),
          'index.js': 'module.exports = () => 0;',
        },
      },
      pipelines: {
        'p.pipeline.yaml': 'name: p\nsteps:\n  - id: hello\n    run: echo\n    with: { hi: 1 }\n  - id: stamp\n    run: "@acme/stamp"\n',
      },
      // 4-space indentation on purpose: the keys and their order are what must survive, not the layout.
      config: `${JSON.stringify(CONFIG, null, 4)}\n`,
    });
  });
  after(() => ws.dispose());

  test('sync writes aether.plugins and keeps every other key, in order', async () => {
    const result = await ws.run(['plugins', 'sync']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /2 plugins synced into aether\.config\.json/);
    afterSync = await configText();
    const json = JSON.parse(afterSync) as { aether: Record<string, unknown> } & Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['name', 'aether', 'zz']);
    assert.deepEqual(Object.keys(json.aether), ['trust', 'custom', 'plugins']);
    assert.equal(json.name, CONFIG.name);
    assert.equal(json.zz, CONFIG.zz);
    assert.deepEqual(json.aether.trust, CONFIG.aether.trust);
    assert.deepEqual(json.aether.custom, CONFIG.aether.custom);
    const plugins = json.aether.plugins as Synced[];
    assert.deepEqual(
      plugins.map(({ name, version, package: pkg, entry, order }) => ({ name, version, pkg, entry, order })),
      [
        { name: 'probe', version: '1.0.0', pkg: 'plugins/probe', entry: 'plugins/probe/index.ts', order: 0 },
        { name: '@acme/stamp', version: '2.0.0', pkg: '@acme/stamp', entry: 'node_modules/@acme/stamp/dist/index.mjs', order: 1 },
      ],
    );
    for (const plugin of plugins) {
      assert.match(plugin.integrity, /^sha256-[0-9a-f]{64}$/);
      assert.equal(typeof plugin.attestation, 'string');
    }
  });

  test('a second sync changes nothing', async () => {
    const result = await ws.run(['plugins', 'sync', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { changed: boolean }).changed, false);
    assert.equal(await configText(), afterSync);
  });

  test('a failed sync leaves aether.config.json byte-identical and says why', async () => {
    await ws.write('plugins/broken/index.ts', pluginModule({ name: 'broken', commands: { go: {} } }));
    try {
      const before = await readFile(ws.path('aether.config.json'));
      const result = await ws.run(['plugins', 'sync']);
      assert.equal(result.code, 2, result.stdout);
      assert.match(result.stderr, /plugins\/broken\/index\.ts: error meta\/missing-field: meta\.version is missing/);
      assert.match(result.stderr, /sync failed: aether\.config\.json was left as it was/);
      assert.ok(before.equals(await readFile(ws.path('aether.config.json'))), 'the file is byte-identical');
    } finally {
      await ws.remove('plugins/broken');
    }
  });

  test('run after sync loads exactly the list; an unlisted plugin is a warning and is not loaded', async () => {
    await ws.write(
      'plugins/newcomer/index.ts',
      pluginModule({ name: 'newcomer', version: '1.0.0', commands: { echo: {}, welcome: {} } }, { execute: 'return "newcomer";' }),
    );
    const result = await ws.run(['run', 'p.pipeline.yaml', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assertWellFormedRun(result);
    assert.deepEqual(
      ofType(result.events, 'plugin-load').map((event) => [event.order, event.name]),
      [
        [0, 'probe'],
        [1, '@acme/stamp'],
      ],
    );
    const warnings = ofType(result.events, 'warning').filter((event) => event.message.includes('aether.plugins'));
    assert.equal(warnings.length, 1, JSON.stringify(ofType(result.events, 'warning')));
    assert.match(warnings[0]!.message, /plugins\/newcomer\/index\.ts: found a plugin that is not in aether\.plugins, so it is not loaded/);
    // newcomer's `echo` would override probe's if it had loaded.
    assert.equal(stepEnd(result.events, 'hello').plugin, 'probe');
    assert.deepEqual(stepEnd(result.events, 'stamp').output, { stamped: true });
    // A command only the unlisted plugin has: the error names it and says how to load it.
    await ws.write('welcome.pipeline.yaml', 'name: welcome\nsteps:\n  - id: hi\n    run: welcome\n');
    const welcome = await ws.run(['run', 'welcome.pipeline.yaml']);
    assert.equal(welcome.code, 2, welcome.stderr);
    assert.match(
      welcome.stderr,
      /Unknown command "welcome": no loaded plugin provides it\. Not in the synced plugin list .*"newcomer".*aether plugins sync/,
    );
    await ws.remove('welcome.pipeline.yaml');
    await ws.remove('plugins/newcomer');
  });

  test('a listed plugin whose files changed since the sync is an error (exit 2)', async () => {
    const entry = 'node_modules/@acme/stamp/dist/index.mjs';
    await ws.write(entry, `${await ws.read(entry)}// edited after sync\n`);
    const result = await ws.run(['run', 'p.pipeline.yaml', '--json']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /the files of plugin "@acme\/stamp" changed since `aether plugins sync`/);
    assertWellFormedRun(result);
    assert.ok(ofType(result.events, 'plugin-error').some((event) => event.plugin === '@acme/stamp'));
    assert.deepEqual(ofType(result.events, 'step-start'), [], 'nothing runs');
    assert.equal(await configText(), afterSync, 'a run never writes the configuration');
  });
});
