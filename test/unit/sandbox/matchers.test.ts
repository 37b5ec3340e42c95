import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, isSubset, logMatches, matchesText, parseTextPattern, subsetDifference } from '../../../runtime/src/sandbox/matchers';

test('objects match as a deep subset: extra actual keys are fine', () => {
  assert.equal(isSubset({ a: 1 }, { a: 1, b: 2 }), true);
  assert.equal(isSubset({ payload: { text: 'x' } }, { channel: '#a', payload: { text: 'x', icon: ':y:' } }), true);
  assert.equal(isSubset({}, { anything: true }), true);
});

test('the first difference names its path and both values', () => {
  assert.deepEqual(subsetDifference({ sum: 6 }, { sum: 5 }), { path: ['sum'], expected: 6, actual: 5, reason: 'expected 6, got 5' });
  const missing = subsetDifference({ a: { b: 1 } }, { a: {} });
  assert.deepEqual(missing?.path, ['a', 'b']);
  assert.match(missing!.reason, /missing key "b"/);
  const nested = subsetDifference({ items: [{ id: 1 }, { id: 3 }] }, { items: [{ id: 1, x: 0 }, { id: 2 }] });
  assert.deepEqual(nested?.path, ['items', 1, 'id']);
});

test('arrays match element by element with the same length', () => {
  assert.equal(isSubset([1, 2], [1, 2]), true);
  assert.equal(isSubset([{ a: 1 }], [{ a: 1, b: 2 }]), true);
  assert.match(subsetDifference([1], [1, 2])!.reason, /expected 1 item, got 2/);
  assert.match(subsetDifference([1], { 0: 1 })!.reason, /expected an array, got an object/);
});

test('scalars compare strictly; null is not a missing key', () => {
  assert.equal(isSubset({ sourcemap: null }, { sourcemap: null }), true);
  assert.equal(isSubset({ sourcemap: null }, {}), false);
  assert.equal(isSubset({ n: 1 }, { n: '1' }), false);
  assert.equal(isSubset('1.5.0', '1.5.0'), true);
  assert.equal(isSubset({ a: 1 }, null), false);
  assert.match(subsetDifference({ a: 1 }, undefined)!.reason, /expected an object, got nothing/);
});

test('paths read like JavaScript', () => {
  assert.equal(formatPath('output', ['payload', 'text']), 'output.payload.text');
  assert.equal(formatPath('state', ['timingMarks', 'build-done']), 'state.timingMarks["build-done"]');
  assert.equal(formatPath('output', ['items', 2, 'id']), 'output.items[2].id');
  assert.equal(formatPath('', ['cases', 0, 'expect']), 'cases[0].expect');
});

test('/regex/ patterns and plain text', () => {
  assert.deepEqual(parseTextPattern('plain'), { kind: 'text', text: 'plain' });
  const pattern = parseTextPattern('/1\\.4\\.2 -> 1\\.5\\.0/');
  assert.equal(pattern.kind, 'regex');
  assert.equal(matchesText('/1\\.4\\.2 -> 1\\.5\\.0/', 'bumped 1.4.2 -> 1.5.0', 'exact'), true);
  assert.equal(matchesText('/KABOOM/i', 'kaboom', 'contains'), true);
  // `g` must not make repeated matching stateful.
  assert.equal(matchesText('/a/g', 'a', 'exact') && matchesText('/a/g', 'a', 'exact'), true);
  assert.equal(matchesText('/bang/', 'kaboom', 'contains'), false);
  assert.throws(() => parseTextPattern('/a(b/'), SyntaxError);
  // A lone slash or `//` is text, not an (empty) pattern.
  assert.deepEqual(parseTextPattern('/'), { kind: 'text', text: '/' });
  assert.deepEqual(parseTextPattern('//'), { kind: 'text', text: '//' });
});

test('error text matches by substring, log messages exactly (unless /regex/)', () => {
  assert.equal(matchesText('boom', 'it went boom today', 'contains'), true);
  assert.equal(matchesText('boom', 'it went boom today', 'exact'), false);
  assert.equal(logMatches({ level: 'info', message: 'all good' }, { level: 'info', message: 'all good' }), true);
  assert.equal(logMatches({ level: 'info', message: 'all' }, { level: 'info', message: 'all good' }), false);
  assert.equal(logMatches({ level: 'warn', message: '/all/' }, { level: 'info', message: 'all good' }), false);
  assert.equal(logMatches({ message: '/good$/' }, { level: 'error', message: 'all good' }), true);
  assert.equal(logMatches({ level: 'error' }, { level: 'error', message: 'x' }), true);
});
