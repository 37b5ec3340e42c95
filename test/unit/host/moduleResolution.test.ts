import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPathSpecifier, resolveExports } from '../../../runtime/src/host/moduleResolution';

test('exports: conditions are read in order, under node, import and default', () => {
  assert.equal(resolveExports('./index.js', '.'), './index.js');
  assert.equal(resolveExports({ require: './a.cjs', import: './a.mjs' }, '.'), './a.mjs');
  assert.equal(resolveExports({ node: { import: './node.mjs', require: './node.cjs' }, default: './any.js' }, '.'), './node.mjs');
  assert.equal(resolveExports({ browser: './b.js', default: './d.js' }, '.'), './d.js');
  assert.equal(
    resolveExports({ '.': { types: './x.d.ts', require: './x.cjs' } }, '.'),
    undefined,
    'a CommonJS-only export is not an ESM one',
  );
  assert.equal(resolveExports([{ worker: './w.js' }, './fallback.js'], '.'), './fallback.js');
});

test('exports: subpaths, patterns (longest prefix wins) and excluded paths', () => {
  const exports = {
    '.': './index.js',
    './feature': { import: './feature.mjs' },
    './lib/*': './dist/lib/*.js',
    './lib/internal/*': null,
    './lib/special/*.js': './special/*.js',
  };
  assert.equal(resolveExports(exports, './feature'), './feature.mjs');
  assert.equal(resolveExports(exports, './lib/a/b'), './dist/lib/a/b.js');
  assert.equal(resolveExports(exports, './lib/internal/x'), undefined);
  assert.equal(resolveExports(exports, './lib/special/y.js'), './special/y.js');
  assert.equal(resolveExports(exports, './missing'), undefined);
  assert.equal(resolveExports({ '.': '../outside.js' }, '.'), undefined, 'targets must stay inside the package');
});

test('path specifiers are relative, absolute or file: URLs; everything else is a package or a built-in', () => {
  for (const specifier of ['./a', '../a', '.', '..', '/abs/a.ts', 'file:///abs/a.ts']) assert.ok(isPathSpecifier(specifier), specifier);
  for (const specifier of ['a', '@scope/a', 'a/b.js', 'node:fs', '#internal']) assert.ok(!isPathSpecifier(specifier), specifier);
});
