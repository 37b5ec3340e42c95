import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStepGraph, findCycle, findCycles, topologicalOrder, upstreamOf } from '../../../runtime/src/pipeline/graph';

const graphOf = (spec: Record<string, string[]>) => buildStepGraph(Object.entries(spec).map(([id, needs]) => ({ id, needs })));

test('buildStepGraph records needs and dependents in file order', () => {
  const graph = graphOf({ a: [], b: ['a'], c: ['a', 'b'] });
  assert.deepEqual(graph.ids, ['a', 'b', 'c']);
  assert.deepEqual(graph.needs.get('c'), ['a', 'b']);
  assert.deepEqual(graph.dependents.get('a'), ['b', 'c']);
  assert.deepEqual(graph.dependents.get('c'), []);
});

test('findCycle returns the closed path', () => {
  assert.equal(findCycle(graphOf({ a: [], b: ['a'] })), undefined);
  assert.deepEqual(findCycle(graphOf({ a: ['b'], b: ['a'] })), ['a', 'b', 'a']);
  assert.deepEqual(findCycle(graphOf({ x: [], a: ['b'], b: ['c'], c: ['a'] })), ['a', 'b', 'c', 'a']);
  assert.deepEqual(findCycle(graphOf({ a: ['a'] })), ['a', 'a']);
  // Unknown needs are not edges.
  assert.equal(findCycle(graphOf({ a: ['ghost'] })), undefined);
});

test('findCycles finds separate cycles', () => {
  const cycles = findCycles(graphOf({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }));
  assert.deepEqual(cycles, [
    ['a', 'b', 'a'],
    ['c', 'd', 'c'],
  ]);
});

test('findCycle handles very long chains without overflowing the stack', () => {
  const spec: Record<string, string[]> = {};
  for (let i = 0; i < 20_000; i++) spec[`s${i}`] = i + 1 < 20_000 ? [`s${i + 1}`] : ['s0'];
  const cycle = findCycle(graphOf(spec));
  assert.equal(cycle?.length, 20_001);
});

test('upstreamOf is the transitive needs', () => {
  const graph = graphOf({ a: [], b: ['a'], c: ['b'], d: [], e: ['c', 'd'] });
  assert.deepEqual([...upstreamOf(graph, 'e')].sort(), ['a', 'b', 'c', 'd']);
  assert.deepEqual([...upstreamOf(graph, 'a')], []);
  assert.deepEqual([...upstreamOf(graph, 'c')].sort(), ['a', 'b']);
});

test('topologicalOrder runs ready steps in file order', () => {
  assert.deepEqual(topologicalOrder(graphOf({ a: [], b: [], c: [] })), ['a', 'b', 'c']);
  // deploy needs test, which comes later in the file; lint is ready from the start.
  assert.deepEqual(topologicalOrder(graphOf({ deploy: ['test'], lint: [], test: ['build'], build: [] })), [
    'lint',
    'build',
    'test',
    'deploy',
  ]);
  // Once b finishes, a (earlier in the file) goes before d.
  assert.deepEqual(topologicalOrder(graphOf({ a: ['b'], b: [], c: [], d: [] })), ['b', 'a', 'c', 'd']);
});

test('topologicalOrder leaves out steps on or behind a cycle', () => {
  assert.deepEqual(topologicalOrder(graphOf({ a: ['b'], b: ['a'], c: [], d: ['a'] })), ['c']);
});
