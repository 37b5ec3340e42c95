import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverPlugins, displayPath, compareCodePoints } from '../../../runtime/src/plugins';

let root: string;

async function write(rel: string, content: string | object): Promise<void> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-discovery-'));
  // An installed plugin, a scoped one, and an ordinary package that is not a plugin.
  await write('node_modules/s3-upload/package.json', {
    name: 's3-upload',
    version: '1.4.0',
    engines: { aetherscript: '^1.0.0' },
    aetherscript: { plugin: './dist/index.js' },
  });
  await write('node_modules/s3-upload/dist/index.js', 'export default class {}');
  await write('node_modules/@acme/notify/package.json', { name: '@acme/notify', version: '0.2.0', aetherscript: { plugin: 'main.mjs' } });
  await write('node_modules/@acme/notify/main.mjs', 'export default class {}');
  await write('node_modules/lodash/package.json', { name: 'lodash', version: '4.0.0' });
  await write('node_modules/.bin/whatever', '');
  // Broken ones.
  await write('node_modules/broken-entry/package.json', {
    name: 'broken-entry',
    version: '1.0.0',
    aetherscript: { plugin: './dist/index.js' },
  });
  await write('node_modules/bad-json/package.json', '{ "name": "bad-json", ');
  await write('node_modules/no-plugin-field/package.json', { name: 'no-plugin-field', aetherscript: {} });
  await write('node_modules/escapes/package.json', { name: 'escapes', aetherscript: { plugin: '../s3-upload/dist/index.js' } });
  // Local plugins: with package.json, with index.ts, with index.js only, and an empty folder.
  await write('plugins/deploy/package.json', { name: 'deploy', version: '2.0.0', aetherscript: { plugin: './src/main.ts' } });
  await write('plugins/deploy/src/main.ts', 'export default class {}');
  await write('plugins/lint/index.ts', 'export default class {}');
  await write('plugins/lint/index.js', 'module.exports = {}');
  await write('plugins/legacy/index.js', 'export default class {}');
  await write('plugins/empty/README.md', 'nothing here');
  await write('plugins/bad-local/package.json', 'not json');
  // npm workspaces: a linked package in node_modules, and a local plugin linked as a workspace too.
  await write('packages/linked/package.json', { name: 'linked', version: '3.0.0', aetherscript: { plugin: 'index.js' } });
  await write('packages/linked/index.js', 'export default class {}');
  await fs.symlink(path.join(root, 'packages/linked'), path.join(root, 'node_modules/linked'), 'dir');
  await fs.symlink(path.join(root, 'plugins/deploy'), path.join(root, 'node_modules/deploy'), 'dir');
  await fs.symlink(path.join(root, 'packages/gone'), path.join(root, 'node_modules/dangling'), 'dir');
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('finds installed, scoped, linked and local plugins, sorted by path', async () => {
  const { candidates } = await discoverPlugins(root);
  const rel = candidates.map((c) => path.relative(root, c.entry).split(path.sep).join('/'));
  assert.deepEqual(rel, [
    'node_modules/@acme/notify/main.mjs',
    'node_modules/linked/index.js',
    'node_modules/s3-upload/dist/index.js',
    'plugins/deploy/src/main.ts',
    'plugins/legacy/index.js',
    'plugins/lint/index.ts',
  ]);
  assert.deepEqual([...rel].sort(compareCodePoints), rel);
});

test('fills package fields and source', async () => {
  const { candidates } = await discoverPlugins(root);
  const s3 = candidates.find((c) => c.packageName === 's3-upload');
  assert.deepEqual(s3, {
    entry: path.join(root, 'node_modules/s3-upload/dist/index.js'),
    dir: path.join(root, 'node_modules/s3-upload'),
    source: 'node_modules',
    packageName: 's3-upload',
    packageVersion: '1.4.0',
    packageEngine: '^1.0.0',
  });
  const deploy = candidates.find((c) => c.packageName === 'deploy');
  assert.equal(deploy?.source, 'local', 'a local plugin linked as a workspace is kept once, as local');
  const lint = candidates.find((c) => c.dir.endsWith('lint'));
  assert.equal(lint?.packageName, undefined);
  assert.equal(path.basename(lint!.entry), 'index.ts', 'index.ts is preferred over index.js');
});

test('reports broken plugins with file, code and what to do', async () => {
  const { diagnostics } = await discoverPlugins(root);
  const byCode = (code: string) => diagnostics.filter((d) => d.code === code);

  const missing = byCode('plugin/missing-entry');
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.severity, 'error');
  assert.equal(missing[0]!.plugin, 'broken-entry');
  assert.equal(missing[0]!.file, path.join(root, 'node_modules/broken-entry/package.json'));
  assert.match(
    missing[0]!.message,
    /^node_modules\/broken-entry\/package\.json: the plugin entry "\.\/dist\/index\.js" \(aetherscript\.plugin\) does not exist; build the plugin/,
  );

  const bad = byCode('plugin/bad-package-json');
  assert.deepEqual(
    bad.map((d) => [d.message.split(':')[0], d.severity]),
    [
      ['node_modules/bad-json/package.json', 'warning'],
      ['node_modules/escapes/package.json', 'error'],
      ['plugins/bad-local/package.json', 'error'],
    ],
  );
  assert.match(bad[1]!.message, /points outside the package/);

  const noEntry = byCode('plugin/no-entry');
  assert.deepEqual(
    noEntry.map((d) => d.message.split(':')[0]),
    ['node_modules/no-plugin-field/package.json', 'plugins/empty'],
  );
  assert.ok(noEntry.every((d) => d.severity === 'warning'));
  assert.match(noEntry[1]!.message, /add index\.ts, index\.js, index\.mjs or a package\.json/);

  assert.equal(diagnostics.length, 6, JSON.stringify(diagnostics, null, 2));
});

test('an empty workspace has no plugins and no diagnostics', async () => {
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-empty-'));
  try {
    assert.deepEqual(await discoverPlugins(empty), { candidates: [], diagnostics: [] });
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
});

test('a folder as entry is reported as such', async () => {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-dir-entry-'));
  try {
    await fs.mkdir(path.join(ws, 'node_modules/p/dist'), { recursive: true });
    await fs.writeFile(path.join(ws, 'node_modules/p/package.json'), JSON.stringify({ name: 'p', aetherscript: { plugin: './dist' } }));
    const { candidates, diagnostics } = await discoverPlugins(ws);
    assert.equal(candidates.length, 0);
    assert.equal(diagnostics[0]?.code, 'plugin/missing-entry');
    assert.match(diagnostics[0]!.message, /is a folder, not a module file/);
  } finally {
    await fs.rm(ws, { recursive: true, force: true });
  }
});

test('displayPath is relative to the workspace root', () => {
  const ws = path.join(path.sep, 'ws');
  assert.equal(
    displayPath({ entry: path.join(ws, 'plugins/deploy/index.ts'), dir: path.join(ws, 'plugins/deploy'), source: 'local' }),
    'plugins/deploy/index.ts',
  );
  assert.equal(
    displayPath({
      entry: path.join(ws, 'node_modules/@acme/x/dist/i.js'),
      dir: path.join(ws, 'node_modules/@acme/x'),
      source: 'node_modules',
    }),
    'node_modules/@acme/x/dist/i.js',
  );
});

test('compareCodePoints is code-point order, not locale or UTF-16 order', () => {
  assert.ok(compareCodePoints('B', 'a') < 0, 'upper case before lower case');
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('same', 'same'), 0);
  // U+FF61 (one UTF-16 unit) sorts before U+1F600 (a surrogate pair, units 0xD83D…), unlike `<`.
  assert.ok(compareCodePoints('\uFF61', '\u{1F600}') < 0);
  assert.ok('\u{1F600}' < '\uFF61');
});
