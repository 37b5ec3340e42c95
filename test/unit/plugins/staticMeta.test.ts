// Reading `static meta` without running the module: the runtime's view of a plugin before it is
// verified and loaded (name, version and permissions decide the subject check and the host's grant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readStaticMeta } from '../../../runtime/src/plugins/staticMeta';

const META = "{ name: 'p', version: '1.0.0', limits: { timeoutMs: 10 }, permissions: { fs: { write: ['dist/'] }, env: ['A'] } }";

test('every way of default-exporting a class is read', () => {
  const forms = [
    `export default class P { static meta = ${META}; execute() {} }`,
    `class P { static meta = ${META}; execute() {} }\nexport default P;`,
    `class P { static meta = ${META}; execute() {} }\nexport { P as default };`,
    `export default class P { static meta: PluginMeta = ${META} satisfies PluginMeta; execute() {} }`,
    `export default class { static readonly meta = (${META}) as const; execute() {} }`,
  ];
  for (const source of forms) {
    const read = readStaticMeta(source, 'index.ts');
    assert.equal(read.problem, undefined, source);
    assert.deepEqual(
      read.meta,
      { name: 'p', version: '1.0.0', limits: { timeoutMs: 10 }, permissions: { fs: { write: ['dist/'] }, env: ['A'] } },
      source,
    );
  }
});

test('values that are not literals are named, the rest is kept', () => {
  const read = readStaticMeta(
    "const W = ['dist/'];\nexport default class P { static meta = { name: 'p', version: VERSION, offset: -2, permissions: { fs: { write: W } }, ...more }; }",
    'index.ts',
  );
  assert.deepEqual(read.meta, { name: 'p', offset: -2, permissions: { fs: {} } });
  assert.deepEqual(read.unknown.sort(), ['meta.permissions.fs.write', 'meta.version', 'meta.…'].sort());
});

test('no class, or no static meta, is a problem that says which', () => {
  assert.match(readStaticMeta('module.exports = {}', 'index.js').problem ?? '', /no default-exported class/);
  assert.match(readStaticMeta('export default class P { execute() {} }', 'index.ts').problem ?? '', /no `static meta = \{ … \}`/);
});
