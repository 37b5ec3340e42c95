// Plugin discovery, load order, command overrides and `aether plugins list`, through the real CLI on a
// workspace that mixes local plugins (.ts, .mjs, package.json entry) with installed packages (one scoped).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createWorkspace,
  fixturePlugin,
  ofType,
  pluginModule,
  stepEnd,
  assertWellFormedRun,
  assertRecordMatches,
  type AetherResult,
  type Workspace,
} from './workspace';

/** A plugin whose `greet` (or default command) answers with its own name, so a step shows who ran it. */
const answering = (meta: Record<string, unknown>) =>
  pluginModule(meta, { execute: `return { by: ${JSON.stringify(meta.name)}, command: ctx.command };` });

describe('load order and overrides (spec section 2)', () => {
  let ws: Workspace;
  let run: AetherResult;

  before(async () => {
    ws = await createWorkspace({
      plugins: {
        // beta -> gamma and delta -> alpha, as in the spec; @acme/epsilon -> beta loads last.
        beta: answering({ name: 'beta', version: '1.0.0', dependencies: { gamma: '^1.0.0' } }),
        gamma: {
          'index.mjs': pluginModule(
            { name: 'gamma', version: '1.2.0', commands: { greet: { description: 'gamma greets' } }, hooks: ['pre-execute'] },
            { execute: 'return { by: "gamma", command: ctx.command };', onHook: 'return undefined;' },
          ),
        },
        delta: {
          'package.json': JSON.stringify({ name: 'delta', version: '1.0.0', aetherscript: { plugin: './src/main.ts' } }),
          'src/main.ts': answering({ name: 'delta', version: '1.0.0', dependencies: { alpha: '>=1.0.0' } }),
        },
      },
      packages: {
        'alpha-plugin': {
          'package.json': JSON.stringify({
            name: 'alpha-plugin',
            version: '1.0.0',
            type: 'module',
            aetherscript: { plugin: './dist/index.js' },
          }),
          'dist/index.js': answering({ name: 'alpha', version: '1.0.0', commands: { greet: { description: 'alpha greets' } } }),
        },
        '@acme/epsilon': {
          'package.json': JSON.stringify({ name: '@acme/epsilon', version: '0.3.0', aetherscript: { plugin: './dist/index.mjs' } }),
          // A runtime (not type-only) import of aetherscript-core: resolved to the runtime that loads it.
          'dist/index.mjs': pluginModule(
            { name: '@acme/epsilon', version: '0.3.0', dependencies: { beta: '1.x' }, commands: { greet: {}, events: {} } },
            {
              header: "import { HOOK_EVENTS } from 'aetherscript-core';",
              execute: 'return ctx.command.endsWith("events") ? { events: HOOK_EVENTS } : { by: "@acme/epsilon", command: ctx.command };',
            },
          ),
        },
        'not-a-plugin': {
          'package.json': JSON.stringify({ name: 'not-a-plugin', version: '1.0.0' }),
          'index.js': 'throw new Error("must never be loaded");',
        },
      },
      pipelines: {
        'order.pipeline.yaml': [
          'name: order',
          'steps:',
          '  - id: plain',
          '    run: greet',
          '  - id: via-alpha',
          '    run: alpha/greet',
          '  - id: via-gamma',
          '    run: gamma/greet',
          '  - id: via-epsilon',
          '    run: "@acme/epsilon/greet"',
          '  - id: default-command',
          '    run: delta',
          '  - id: api-import',
          '    run: events',
          '',
        ].join('\n'),
      },
    });
    run = await ws.run(['run', 'order.pipeline.yaml', '--json']);
  });
  after(() => ws.dispose());

  test('plugin-load events follow dependencies, then code-point name order', async () => {
    assert.equal(run.code, 0, run.stderr);
    assertWellFormedRun(run);
    await assertRecordMatches(ws, run);
    const loads = ofType(run.events, 'plugin-load');
    assert.deepEqual(
      loads.map((event) => [event.order, event.name, event.version]),
      [
        [0, 'alpha', '1.0.0'],
        [1, 'delta', '1.0.0'],
        [2, 'gamma', '1.2.0'],
        [3, 'beta', '1.0.0'],
        [4, '@acme/epsilon', '0.3.0'],
      ],
    );
    assert.deepEqual(
      loads.map((event) => event.reason),
      [
        'no dependencies; first by name among ready plugins',
        'after alpha (dependency); first by name among ready plugins',
        'no dependencies',
        'after gamma (dependency)',
        'after beta (dependency)',
      ],
    );
    // Plugin loads come before any hook or step.
    const lastLoad = run.events.lastIndexOf(loads.at(-1)!);
    const firstWork = run.events.findIndex((event) => event.type === 'hook-start' || event.type === 'step-start');
    assert.ok(lastLoad < firstWork, 'every plugin-load precedes the first hook or step');
  });

  test('the last-loaded plugin wins an unqualified command; plugin/command reaches the shadowed ones', () => {
    const ran = (id: string) => {
      const end = stepEnd(run.events, id);
      assert.equal(end.status, 'ok', `${id}: ${end.error}`);
      return { plugin: end.plugin, by: (end.output as { by?: string }).by };
    };
    assert.deepEqual(ran('plain'), { plugin: '@acme/epsilon', by: '@acme/epsilon' });
    assert.deepEqual(ran('via-alpha'), { plugin: 'alpha', by: 'alpha' });
    assert.deepEqual(ran('via-gamma'), { plugin: 'gamma', by: 'gamma' });
    assert.deepEqual(ran('via-epsilon'), { plugin: '@acme/epsilon', by: '@acme/epsilon' });
    // A plugin without `commands` contributes one command named after itself.
    assert.deepEqual(ran('default-command'), { plugin: 'delta', by: 'delta' });
  });

  test("a plugin's import of aetherscript-core resolves to the runtime that loads it", () => {
    const end = stepEnd(run.events, 'api-import');
    assert.equal(end.status, 'ok', end.error);
    assert.deepEqual(end.output, { events: ['pipeline-start', 'pre-execute', 'post-execute', 'post-failure', 'pipeline-end'] });
  });

  test('plugins list --json: order, reasons, overrides, commands and hooks', async () => {
    const listed = await ws.run(['plugins', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const json = JSON.parse(listed.stdout) as {
      plugins: Array<{
        name: string;
        order: number;
        reason: string;
        source: string;
        entry: string;
        hooks: string[];
        commands: Array<{ name: string; active: boolean; overriddenBy?: string }>;
      }>;
      overrides: Array<{ command: string; winner: string; shadowed: string[] }>;
    };
    assert.deepEqual(
      json.plugins.map((plugin) => [plugin.order, plugin.name, plugin.source, plugin.entry]),
      [
        [0, 'alpha', 'node_modules', 'node_modules/alpha-plugin/dist/index.js'],
        [1, 'delta', 'local', 'plugins/delta/src/main.ts'],
        [2, 'gamma', 'local', 'plugins/gamma/index.mjs'],
        [3, 'beta', 'local', 'plugins/beta/index.ts'],
        [4, '@acme/epsilon', 'node_modules', 'node_modules/@acme/epsilon/dist/index.mjs'],
      ],
    );
    assert.equal(json.plugins[3]!.reason, 'after gamma (dependency)');
    assert.deepEqual(json.overrides, [{ command: 'greet', winner: '@acme/epsilon', shadowed: ['alpha', 'gamma'] }]);
    const byName = new Map(json.plugins.map((plugin) => [plugin.name, plugin]));
    assert.deepEqual(byName.get('alpha')!.commands, [
      { name: 'greet', description: 'alpha greets', active: false, overriddenBy: '@acme/epsilon' },
    ]);
    assert.deepEqual(
      byName.get('@acme/epsilon')!.commands.map((command) => [command.name, command.active]),
      [
        ['greet', true],
        ['events', true],
      ],
    );
    assert.deepEqual(byName.get('gamma')!.hooks, ['pre-execute']);
    assert.deepEqual(byName.get('beta')!.hooks, []);
  });

  test('plugins list --verbose: load sequence with reasons, overrides and hooks; plain list without them', async () => {
    const [verbose, plain] = await Promise.all([ws.run(['plugins', 'list', '--verbose']), ws.run(['plugins', 'list'])]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.equal(plain.code, 0, plain.stderr);
    const out = verbose.stdout;
    assert.match(out, /^5 active plugins/);
    const positions = ['1. alpha@1.0.0', '2. delta@1.0.0', '3. gamma@1.2.0', '4. beta@1.0.0', '5. @acme/epsilon@0.3.0'].map((line) =>
      out.indexOf(line),
    );
    assert.ok(
      positions.every((at) => at >= 0),
      out,
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      'plugins are printed in load order',
    );
    assert.match(out, /position: after alpha \(dependency\); first by name among ready plugins/);
    assert.match(out, /greet \(overridden by @acme\/epsilon; use alpha\/greet\)/);
    assert.match(out, /greet \(overridden by @acme\/epsilon; use gamma\/greet\)/);
    assert.match(out, /greet \(overrides alpha, gamma\)/);
    assert.match(out, /hooks: pre-execute/);
    assert.match(out, /depends on: gamma \^1\.0\.0/);
    assert.match(out, /overrides \(last-loaded wins\)\n\s+greet: @acme\/epsilon over alpha, gamma/);
    assert.match(plain.stdout, /^5 active plugins/);
    assert.doesNotMatch(plain.stdout, /position:|overrides|hooks:/);
  });
});

describe('plugin set errors exit 2 and name the plugins (spec sections 2 and 6)', () => {
  const pipeline = 'name: p\nsteps:\n  - id: one\n    run: probe/echo\n    with: { x: 1 }\n';
  const watcher = pluginModule(
    { name: 'watcher', version: '1.0.0', hooks: ['pipeline-start', 'pre-execute', 'pipeline-end'] },
    { onHook: 'ctx.log.info("hook " + event);' },
  );
  const cases: Array<{ name: string; plugins: Record<string, string>; stderr: RegExp[]; plugin: string }> = [
    {
      name: 'a dependency cycle, with its full path',
      plugins: {
        a: pluginModule({ name: 'a', version: '1.0.0', dependencies: { b: '*' } }),
        b: pluginModule({ name: 'b', version: '1.0.0', dependencies: { c: '*' } }),
        c: pluginModule({ name: 'c', version: '1.0.0', dependencies: { a: '*' } }),
      },
      stderr: [/plugin\/dependency-cycle/, /a -> b -> c -> a/],
      plugin: 'a',
    },
    {
      name: 'a missing dependency, and what it keeps from loading',
      plugins: {
        needy: pluginModule({ name: 'needy', version: '1.0.0', dependencies: { ghost: '^1.0.0' } }),
        lonely: pluginModule({ name: 'lonely', version: '1.0.0', dependencies: { needy: '^1.0.0' } }),
      },
      stderr: [
        /plugin\/missing-dependency/,
        /"needy" depends on "ghost" \(\^1\.0\.0\), which is not installed/,
        /"lonely" is not loaded because it depends on "needy"/,
      ],
      plugin: 'needy',
    },
    {
      name: 'a dependency outside its range',
      plugins: {
        old: pluginModule({ name: 'old', version: '1.4.0' }),
        wants: pluginModule({ name: 'wants', version: '1.0.0', dependencies: { old: '^2.0.0' } }),
      },
      stderr: [/plugin\/dependency-version/, /"wants" needs "old" \^2\.0\.0 but 1\.4\.0 is installed/],
      plugin: 'wants',
    },
    {
      name: 'two plugins with one name',
      plugins: {
        'twin-one': pluginModule({ name: 'twin', version: '1.0.0' }),
        'twin-two': pluginModule({ name: 'twin', version: '2.0.0' }),
      },
      stderr: [/plugin\/duplicate-name/, /plugins\/twin-one\/index\.ts and plugins\/twin-two\/index\.ts/],
      plugin: 'twin',
    },
    {
      name: 'a compile error, at its file, line and column',
      plugins: { typo: "export default class Typo {\n  static meta = { name: 'typo' version: '1.0.0' };\n}\n" },
      stderr: [/plugins\/typo\/index\.ts:2:32: error plugin\/compile-error: ',' expected\./],
      plugin: 'typo',
    },
    {
      name: 'a meta error, naming the file and the field',
      plugins: { broken: pluginModule({ name: 'broken', commands: { go: {} } }) },
      stderr: [/plugins\/broken\/index\.ts: error meta\/missing-field: meta\.version is missing/],
      plugin: 'broken',
    },
  ];

  // The workspaces are independent: run their CLIs at once, assert one test each.
  const results = new Map<string, Promise<AetherResult>>();
  const workspaces: Workspace[] = [];
  before(async () => {
    for (const testCase of cases) {
      const ws = await createWorkspace({
        plugins: { probe: fixturePlugin('probe'), watcher, ...testCase.plugins },
        pipelines: { 'p.pipeline.yaml': pipeline },
      });
      workspaces.push(ws);
      results.set(testCase.name, ws.run(['run', 'p.pipeline.yaml', '--json']));
    }
  });
  after(() => Promise.all(workspaces.map((ws) => ws.dispose())));

  for (const testCase of cases) {
    test(testCase.name, async () => {
      const result = await results.get(testCase.name)!;
      assert.equal(result.code, 2, `exit code; stderr:\n${result.stderr}`);
      for (const pattern of testCase.stderr) assert.match(result.stderr, pattern);
      assertWellFormedRun(result);
      const errors = ofType(result.events, 'plugin-error');
      assert.ok(
        errors.some((event) => event.plugin === testCase.plugin),
        `a plugin-error event names "${testCase.plugin}": ${JSON.stringify(errors)}`,
      );
      assert.equal(ofType(result.events, 'run-end')[0]!.status, 'failed');
      // Invalid input: nothing runs, not even a hook of the plugins that did load.
      assert.deepEqual(
        result.events.filter((event) => event.type === 'step-start' || event.type === 'hook-start'),
        [],
      );
    });
  }
});

describe('plugins are compiled on load, file by file (spec section 1)', () => {
  let ws: Workspace;
  let run: AetherResult;

  before(async () => {
    ws = await createWorkspace({
      plugins: {
        multi: {
          'package.json': JSON.stringify({ name: 'multi', version: '1.0.0', aetherscript: { plugin: './src/index.ts' } }),
          'src/index.ts': [
            "import type { ExecutionContext, Plugin } from 'aetherscript-core';",
            "import { HOOK_EVENTS } from 'aetherscript-core';",
            "import { readFileSync } from 'node:fs';",
            "import { shout } from './text.js';",
            "import { ESM_ONLY } from 'esm-only';",
            'export default class Multi implements Plugin {',
            "  static meta = { name: 'multi', version: '1.0.0' };",
            '  async execute(ctx: ExecutionContext) {',
            "    const note: string = readFileSync(new URL('../note.txt', import.meta.url), 'utf8').trim();",
            '    return { note: shout(note), dep: ESM_ONLY, hooks: HOOK_EVENTS.length, command: ctx.command };',
            '  }',
            '}',
          ].join('\n'),
          'src/text.ts': 'export const shout = (text: string): string => `${text.toUpperCase()}!`;\n',
          'note.txt': 'read next to the source\n',
          // An ESM-only dependency of the plugin: loaded in place by Node, under the `import` condition.
          'node_modules/esm-only/package.json': JSON.stringify({ name: 'esm-only', type: 'module', exports: { import: './esm.js' } }),
          'node_modules/esm-only/esm.js': "export const ESM_ONLY = 'esm-only';\n",
        },
      },
      pipelines: { 'p.pipeline.yaml': 'name: p\nsteps:\n  - id: one\n    run: multi\n' },
    });
    run = await ws.run(['run', 'p.pipeline.yaml', '--json']);
  });
  after(() => ws.dispose());

  test('relative modules, an installed ESM-only package and import.meta.url work under the plugin host', () => {
    assert.equal(run.code, 0, run.stderr);
    assertWellFormedRun(run);
    const end = stepEnd(run.events, 'one');
    assert.equal(end.status, 'ok', end.error);
    assert.deepEqual(end.output, { note: 'READ NEXT TO THE SOURCE!', dep: 'esm-only', hooks: 5, command: 'multi' });
  });

  test('a second run reuses the compiled modules', async () => {
    const again = await ws.run(['run', 'p.pipeline.yaml', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(stepEnd(again.events, 'one').output, stepEnd(run.events, 'one').output);
  });
});
