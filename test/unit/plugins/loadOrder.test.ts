import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import type { PluginRecord } from '../../../runtime/src/model/catalog';
import { resolveLoadOrder, compareCodePoints } from '../../../runtime/src/plugins';

const ws = path.join(path.sep, 'ws');

/** `plugin('beta', { gamma: '^1.0.0' })`: a local plugin record. */
function plugin(name: string, dependencies?: Record<string, string>, version = '1.0.0', folder = name): PluginRecord {
  const dir = path.join(ws, 'plugins', folder);
  return { entry: path.join(dir, 'index.ts'), dir, source: 'local', meta: { name, version, ...(dependencies ? { dependencies } : {}) } };
}

const namesOf = (plugins: { meta: { name: string } }[]) => plugins.map((p) => p.meta.name);

test('the spec example: beta -> gamma, delta -> alpha gives alpha, delta, gamma, beta', () => {
  const { ordered, diagnostics } = resolveLoadOrder([
    plugin('beta', { gamma: '*' }),
    plugin('gamma'),
    plugin('delta', { alpha: '*' }),
    plugin('alpha'),
  ]);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(namesOf(ordered), ['alpha', 'delta', 'gamma', 'beta']);
  assert.deepEqual(
    ordered.map((p) => p.order),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    ordered.map((p) => p.reason),
    [
      'no dependencies; first by name among ready plugins',
      'after alpha (dependency); first by name among ready plugins',
      'no dependencies',
      'after gamma (dependency)',
    ],
  );
});

test('ties break by code point, not locale: upper case and digits first', () => {
  const { ordered } = resolveLoadOrder([plugin('b'), plugin('a'), plugin('_x'), plugin('B'), plugin('1z'), plugin('a-b'), plugin('a.b')]);
  assert.deepEqual(namesOf(ordered), ['1z', 'B', '_x', 'a', 'a-b', 'a.b', 'b']);
});

test('several dependencies are listed in load order', () => {
  const { ordered } = resolveLoadOrder([plugin('app', { zeta: '*', beta: '*' }), plugin('zeta'), plugin('beta', { zeta: '*' })]);
  assert.deepEqual(namesOf(ordered), ['zeta', 'beta', 'app']);
  assert.equal(ordered[2]!.reason, 'after zeta, beta (dependencies)');
  // The graph's edges as data, for the editor's load-order view (no parsing of the sentence).
  assert.deepEqual(
    ordered.map((p) => [p.meta.name, p.dependencies]),
    [
      ['zeta', []],
      ['beta', ['zeta']],
      ['app', ['zeta', 'beta']],
    ],
  );
});

test('the order does not depend on the input order (property)', () => {
  const base = [
    plugin('beta', { gamma: '*' }),
    plugin('gamma'),
    plugin('delta', { alpha: '*' }),
    plugin('alpha'),
    plugin('eps', { beta: '*', alpha: '*' }),
    plugin('z'),
  ];
  const expected = namesOf(resolveLoadOrder(base).ordered);
  fc.assert(
    fc.property(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), (shuffled) => {
      assert.deepEqual(namesOf(resolveLoadOrder(shuffled).ordered), expected);
    }),
  );
});

test('every plugin loads after its dependencies, smallest ready name first (property)', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  // Acyclic by construction: a plugin only depends on names after it in `names`.
  const graph = fc.tuple(...names.map((_, i) => fc.subarray(names.slice(i + 1))));
  fc.assert(
    fc.property(graph, (deps) => {
      const plugins = names.map((n, i) => plugin(n, Object.fromEntries(deps[i]!.map((d) => [d, '*']))));
      const { ordered, diagnostics } = resolveLoadOrder(plugins);
      assert.deepEqual(diagnostics, []);
      const at = new Map(ordered.map((p) => [p.meta.name, p.order]));
      const loaded = new Set<string>();
      for (const p of ordered) {
        for (const d of Object.keys(p.meta.dependencies ?? {})) assert.ok(at.get(d)! < p.order);
        const ready = plugins.filter((q) => !loaded.has(q.meta.name) && Object.keys(q.meta.dependencies ?? {}).every((d) => loaded.has(d)));
        assert.equal(p.meta.name, namesOf(ready).sort(compareCodePoints)[0]);
        loaded.add(p.meta.name);
      }
    }),
  );
});

test('missing dependencies: each one named, dependents left out, the rest still ordered', () => {
  const { ordered, diagnostics } = resolveLoadOrder([
    plugin('deploy', { 'aws-auth': '^2.0.0', 'gcp-auth': '^1.0.0' }),
    plugin('notify', { deploy: '*' }),
    plugin('report', { notify: '*' }),
    plugin('lint'),
  ]);
  assert.deepEqual(namesOf(ordered), ['lint']);
  assert.equal(ordered[0]!.order, 0);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.plugin]),
    [
      ['plugin/missing-dependency', 'deploy'],
      ['plugin/missing-dependency', 'deploy'],
      ['plugin/dependency-not-loaded', 'notify'],
      ['plugin/dependency-not-loaded', 'report'],
    ],
  );
  assert.match(diagnostics[0]!.message, /^plugin "deploy" depends on "aws-auth" \(\^2\.0\.0\), which is not installed/);
  assert.match(diagnostics[1]!.message, /^plugin "deploy" depends on "gcp-auth" \(\^1\.0\.0\), which is not installed/);
  assert.equal(
    diagnostics[2]!.message,
    'plugin "notify" is not loaded because it depends on "deploy", which is not loaded (its dependency "aws-auth" is not installed).',
  );
  assert.match(
    diagnostics[3]!.message,
    /^plugin "report" is not loaded because it depends on "notify", which is not loaded \(it depends on "deploy"/,
  );
  assert.ok(diagnostics.every((d) => d.severity === 'error' && d.file?.endsWith('index.ts')));
});

test('dependency version outside the range', () => {
  const { ordered, diagnostics } = resolveLoadOrder([
    plugin('deploy', { 'aws-auth': '^2.0.0' }),
    plugin('aws-auth', undefined, '1.3.0'),
    plugin('beta-user', { 'aws-auth': '>=1.3.0-0' }),
    plugin('pre', { next: '^3.0.0' }),
    plugin('next', undefined, '3.1.0-rc.1'),
  ]);
  assert.deepEqual(namesOf(ordered), ['aws-auth', 'beta-user', 'next', 'pre']);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]!.code, 'plugin/dependency-version');
  assert.match(diagnostics[0]!.message, /^"deploy" needs "aws-auth" \^2\.0\.0 but 1\.3\.0 is installed/);
});

test('duplicate names: both files named, neither loads, nor what depends on them', () => {
  const { ordered, diagnostics } = resolveLoadOrder([
    plugin('deploy', undefined, '1.0.0', 'deploy'),
    plugin('deploy', undefined, '2.0.0', 'deploy-copy'),
    plugin('notify', { deploy: '*' }),
    plugin('lint'),
  ]);
  assert.deepEqual(namesOf(ordered), ['lint']);
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['plugin/duplicate-name', 'plugin/dependency-not-loaded'],
  );
  assert.equal(
    diagnostics[0]!.message,
    '2 plugins are named "deploy": plugins/deploy-copy/index.ts and plugins/deploy/index.ts; uninstall or rename all but one. None of them is loaded.',
  );
  assert.match(
    diagnostics[1]!.message,
    /"notify" is not loaded because it depends on "deploy", which is not loaded \(two plugins are named "deploy"\)/,
  );
});

test('cycles: full path, each distinct cycle once, dependents left out', () => {
  const { ordered, diagnostics } = resolveLoadOrder([
    plugin('b', { a: '*' }),
    plugin('a', { b: '*', c: '*' }),
    plugin('c', { a: '*' }),
    plugin('self', { self: '*' }),
    plugin('user', { c: '*' }),
    plugin('free'),
  ]);
  assert.deepEqual(namesOf(ordered), ['free']);
  const cycles = diagnostics.filter((d) => d.code === 'plugin/dependency-cycle').map((d) => d.message.split(';')[0]);
  assert.deepEqual(cycles, ['dependency cycle: a -> b -> a', 'dependency cycle: a -> c -> a', 'dependency cycle: self -> self']);
  const notLoaded = diagnostics.filter((d) => d.code === 'plugin/dependency-not-loaded');
  assert.deepEqual(
    notLoaded.map((d) => d.plugin),
    ['user'],
  );
  assert.match(notLoaded[0]!.message, /depends on "c", which is not loaded \(it is in the dependency cycle a -> c -> a\)/);
});

test('a long cycle is reported once, starting at its smallest name', () => {
  const { diagnostics } = resolveLoadOrder([plugin('q', { r: '*' }), plugin('r', { p: '*' }), plugin('p', { q: '*' })]);
  assert.deepEqual(
    diagnostics.map((d) => d.message.split(';')[0]),
    ['dependency cycle: p -> q -> r -> p'],
  );
  assert.match(diagnostics[0]!.message, /"p", "q", "r" are not loaded\./);
});

test('a dense cycle graph is summarised instead of enumerated forever', () => {
  const names = Array.from({ length: 9 }, (_, i) => `n${i}`);
  const plugins = names.map((n) => plugin(n, Object.fromEntries(names.filter((m) => m !== n).map((m) => [m, '*']))));
  const { ordered, diagnostics } = resolveLoadOrder(plugins);
  assert.deepEqual(ordered, []);
  assert.equal(diagnostics.length, 21);
  assert.match(diagnostics[20]!.message, /^more dependency cycles among "n0", .*"n8" than are listed here/);
});
