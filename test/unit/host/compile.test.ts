import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compilePlugin, PluginCompileError } from '../../../runtime/src/host/compile';

const repoRoot = path.resolve(__dirname, '../../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aether-compile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in for the runtime's `api.mjs`: what `aetherscript-core` resolves to. */
const apiModule = path.join(scratch, 'api.mjs');
writeFileSync(apiModule, "export const HOOK_EVENTS = ['from-the-runtime'];\n");

let workspaces = 0;
function workspace(files: Record<string, string>): string {
  const root = path.join(scratch, `ws${workspaces++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

async function compileAndImport(root: string, entry: string): Promise<{ bundleFile: string; exports: Record<string, unknown> }> {
  const { bundleFile } = await compilePlugin(path.join(root, entry), path.join(root, '.aether', 'cache', 'plugins'), apiModule);
  return { bundleFile, exports: (await import(pathToFileURL(bundleFile).href)) as Record<string, unknown> };
}

/** A child process that compiles `entry` and prints the output and which TypeScript files it loaded. */
function compileScript(entry: string, cacheDir: string): string {
  return `const { compilePlugin } = require(${JSON.stringify(path.join(repoRoot, 'runtime/src/host/compile.ts'))});
compilePlugin(${JSON.stringify(entry)}, ${JSON.stringify(cacheDir)}, ${JSON.stringify(apiModule)}).then((out) => {
  const loaded = Object.keys(require.cache).filter((file) => file.includes('node_modules/typescript/'));
  console.log(JSON.stringify({ bundleFile: out.bundleFile, loaded }));
});`;
}

async function compileError(root: string, entry: string): Promise<PluginCompileError> {
  const error = await compilePlugin(path.join(root, entry), path.join(root, '.aether', 'cache', 'plugins'), apiModule).then(
    () => assert.fail('expected a compile error'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof PluginCompileError, String(error));
  return error;
}

describe('compilePlugin: one ES module per source file', () => {
  test("compiles the plugin's own modules as TypeScript authors write imports; types vanish", async () => {
    const root = workspace({
      'plugins/p/index.ts': [
        "import type { Plugin } from 'aetherscript-core';",
        "import { HOOK_EVENTS } from 'aetherscript-core';",
        "import { Shape } from './lib/types';", // used only as a type: dropped
        "import { twice } from './lib/math.js';", // `.js` written for a `.ts` file
        "import { greeting } from './lib';", // a folder with an index
        "import { tag } from './lib/tag.mjs';",
        'export default class P implements Plugin {',
        "  static meta = { name: 'p', version: '1.0.0' };",
        '  shape: Shape | undefined;',
        '  async execute() { return { n: twice(21), greeting, tag, events: HOOK_EVENTS }; }',
        '}',
        "export const lazy = () => import('./lib/lazy');",
      ].join('\n'),
      'plugins/p/lib/types.ts': 'export interface Shape { a: number }\nthrow new Error("a type-only module must not run");\n',
      'plugins/p/lib/math.ts': 'export const twice = (n: number): number => n * 2;\n',
      'plugins/p/lib/index.ts': "export { greeting } from './greeting';\nexport type { Shape } from './types';\n",
      'plugins/p/lib/greeting.mts': "export const greeting: string = 'hello';\n",
      'plugins/p/lib/tag.mjs': "export const tag = 'mjs';\n",
      'plugins/p/lib/lazy.js': "export default 'lazy';\n",
    });
    const { bundleFile, exports } = await compileAndImport(root, 'plugins/p/index.ts');
    const Plugin = exports.default as new () => { execute(): Promise<unknown> };
    assert.deepEqual(await new Plugin().execute(), { n: 42, greeting: 'hello', tag: 'mjs', events: ['from-the-runtime'] });
    assert.deepEqual(((await (exports.lazy as () => Promise<{ default: string }>)()) as { default: string }).default, 'lazy');
    assert.equal(path.extname(bundleFile), '.mjs');
    assert.ok(bundleFile.startsWith(path.join(root, '.aether', 'cache', 'plugins')), bundleFile);
    const compiled = readdirSync(path.dirname(bundleFile), { recursive: true }).map(String).sort();
    assert.ok(!compiled.some((name) => name.includes('types')), `type-only module compiled: ${compiled.join(', ')}`);
  });

  test('import.meta.url, filename and dirname keep naming the original files', async () => {
    const root = workspace({
      'plugins/m/index.ts':
        "export { where as nested } from './deep/where';\nexport const where = [import.meta.url, import.meta.filename, import.meta.dirname];\n",
      'plugins/m/deep/where.ts': 'export const where = [import.meta.url, import.meta.filename, import.meta.dirname];\n',
    });
    const { exports } = await compileAndImport(root, 'plugins/m/index.ts');
    const entry = path.join(root, 'plugins/m/index.ts');
    const nested = path.join(root, 'plugins/m/deep/where.ts');
    assert.deepEqual(exports.where, [pathToFileURL(entry).href, entry, path.dirname(entry)]);
    assert.deepEqual(exports.nested, [pathToFileURL(nested).href, nested, path.dirname(nested)]);
  });

  test('packages load from where they are installed, under ESM conditions; built-ins, CommonJS and JSON stay native', async () => {
    const root = workspace({
      'plugins/d/index.ts': [
        "import { which } from 'dual';",
        "import legacy from 'legacy';",
        "import { helper } from './helper.js';",
        "import data from './data.json';",
        "import { createHash } from 'node:crypto';",
        "export const result = { which, legacy, helper, data, hash: createHash('sha1').update('').digest('hex').length, req: require('./data.json').n };",
      ].join('\n'),
      'plugins/d/helper.js': "exports.helper = 'cjs helper';\n", // CommonJS: loaded by Node as it is
      'plugins/d/data.json': '{ "n": 7 }',
      'plugins/d/node_modules/dual/package.json': JSON.stringify({
        name: 'dual',
        exports: { '.': { require: './index.cjs', import: './index.mjs' } },
      }),
      'plugins/d/node_modules/dual/index.cjs': "exports.which = 'require';\n",
      'plugins/d/node_modules/dual/index.mjs': "export const which = 'import';\n",
      'node_modules/legacy/package.json': JSON.stringify({ name: 'legacy', main: 'lib/main' }),
      'node_modules/legacy/lib/main.js': "module.exports = 'legacy main';\n",
    });
    const { bundleFile, exports } = await compileAndImport(root, 'plugins/d/index.ts');
    assert.deepEqual(exports.result, { which: 'import', legacy: 'legacy main', helper: 'cjs helper', data: { n: 7 }, hash: 40, req: 7 });
    const code = readFileSync(bundleFile, 'utf8');
    assert.ok(code.includes(pathToFileURL(path.join(root, 'plugins/d/node_modules/dual/index.mjs')).href), 'dual is imported in place');
    assert.ok(!readdirSync(path.dirname(bundleFile), { recursive: true }).some((name) => String(name).includes('node_modules')));
  });

  test('a plugin entry inside node_modules is compiled too', async () => {
    const root = workspace({
      'node_modules/pkg/package.json': JSON.stringify({ name: 'pkg', aetherscript: { plugin: './dist/index.js' } }),
      'node_modules/pkg/dist/index.js': "import { part } from './part.js';\nexport const value = part + ':' + import.meta.filename;\n",
      'node_modules/pkg/dist/part.js': "export const part = 'esm in a package without type: module';\n",
    });
    const { exports } = await compileAndImport(root, 'node_modules/pkg/dist/index.js');
    assert.equal(exports.value, `esm in a package without type: module:${path.join(root, 'node_modules/pkg/dist/index.js')}`);
  });

  test('syntax errors carry file, 1-based line and column, and the message', async () => {
    const root = workspace({
      'plugins/s/index.ts': "import { broken } from './broken';\nexport default broken;\n",
      'plugins/s/broken.ts': "export const broken = {\n  name: 'x'\n  version: '1.0.0',\n};\n",
    });
    const error = await compileError(root, 'plugins/s/index.ts');
    const [first] = error.diagnostics;
    assert.ok(first);
    assert.equal(first.code, 'plugin/compile-error');
    assert.equal(first.severity, 'error');
    assert.equal(first.file, path.join(root, 'plugins/s/broken.ts'));
    assert.deepEqual({ line: first.range?.line, column: first.range?.column }, { line: 3, column: 3 });
    assert.equal(first.message, "broken.ts:3:3: ',' expected.");
    assert.match(error.message, /^cannot compile plugin .*index\.ts: broken\.ts:3:3: ',' expected\.$/);
  });

  test('imports that resolve nowhere are errors at the specifier; a dynamic one is left to run time', async () => {
    const root = workspace({
      'plugins/u/index.ts': [
        "import { a } from './nowhere';",
        "import b from 'not-installed';",
        "export const c = () => import('./maybe-later');",
        'export default [a, b];',
      ].join('\n'),
    });
    const error = await compileError(root, 'plugins/u/index.ts');
    assert.deepEqual(
      error.diagnostics.map((d) => [d.range?.line, d.range?.column, d.message.replace(/ \(.*\)$/, '')]),
      [
        [1, 19, "index.ts:1:19: cannot find './nowhere'"],
        [2, 15, "index.ts:2:15: cannot find package 'not-installed': install it where the plugin can see it"],
      ],
    );
  });
});

describe('compilePlugin: the cache', () => {
  const plugin = (version: string) => `export default class P { static meta = { name: 'p', version: '${version}' }; }\n`;

  test('a changed source gets a new output; an unchanged one the same, without TypeScript', async () => {
    const root = workspace({ 'plugins/c/index.ts': plugin('1.0.0'), 'plugins/c/part.ts': 'export {};\n' });
    const entry = path.join(root, 'plugins/c/index.ts');
    const cacheDir = path.join(root, '.aether', 'cache', 'plugins');
    const first = await compilePlugin(entry, cacheDir, apiModule);
    assert.equal((await compilePlugin(entry, cacheDir, apiModule)).bundleFile, first.bundleFile);
    writeFileSync(entry, plugin('1.0.1'));
    const second = await compilePlugin(entry, cacheDir, apiModule);
    assert.notEqual(second.bundleFile, first.bundleFile);
    assert.match(readFileSync(first.bundleFile, 'utf8'), /1\.0\.0/, 'an output is never rewritten in place');
    assert.match(readFileSync(second.bundleFile, 'utf8'), /1\.0\.1/);

    // A fresh process (a CLI start): the warm path must not load the compiler.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--eval', compileScript(entry, cacheDir)], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { bundleFile: second.bundleFile, loaded: [] });
  });

  test('concurrent compiles of one plugin (separate processes) each get one complete output, none rewritten under another', async () => {
    const root = workspace({ 'plugins/r/index.ts': plugin('2.0.0') });
    const entry = path.join(root, 'plugins/r/index.ts');
    const cacheDir = path.join(root, '.aether', 'cache', 'plugins');
    const compileIn = () =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--eval', compileScript(entry, cacheDir)], { cwd: repoRoot }, (error, stdout) =>
          error ? reject(error) : resolve((JSON.parse(stdout) as { bundleFile: string }).bundleFile),
        );
      });
    const bundleFiles = await Promise.all([compileIn(), compileIn(), compileIn()]);
    const outputs = bundleFiles.map((file) => readFileSync(file, 'utf8'));
    assert.match(outputs[0]!, /2\.0\.0/);
    assert.equal(new Set(outputs).size, 1, 'the same inputs compile to the same output');
    assert.deepEqual(
      readdirSync(cacheDir).filter((name) => name.includes('.tmp') || name.startsWith('.compiling')),
      [],
      'no temporary files left behind',
    );
  });
});
