import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_SIZE, MAX_UNACKED_BATCHES, VisualizationBuffer, type BufferedPoint } from '../../../runtime/src/host/visualizationBuffer';

const point = (value: number) => ({ chart: 'c', kind: 'line' as const, value });

test('points leave in batches of BATCH_SIZE while the consumer keeps up', () => {
  const batches: BufferedPoint[][] = [];
  const buffer = new VisualizationBuffer((points) => {
    batches.push(points);
    buffer.acknowledge();
  });
  for (let i = 0; i < BATCH_SIZE * 3; i++) buffer.push(point(i));
  assert.equal(batches.length, 3);
  assert.deepEqual(
    batches.flat().map((p) => p.value),
    Array.from({ length: BATCH_SIZE * 3 }, (_, i) => i),
  );
  buffer.flush();
});

test('under overload the oldest points are dropped and counted, and memory stays bounded', () => {
  const sent: Array<{ points: BufferedPoint[]; dropped: number }> = [];
  const capacity = 1000;
  const buffer = new VisualizationBuffer((points, dropped) => sent.push({ points, dropped }), capacity);
  const total = BATCH_SIZE * MAX_UNACKED_BATCHES + 5000;
  for (let i = 0; i < total; i++) buffer.push(point(i));
  // The consumer never acknowledged: after MAX_UNACKED_BATCHES batches the ring holds the newest points.
  assert.equal(sent.length, MAX_UNACKED_BATCHES);
  assert.equal(buffer.size, capacity);
  for (let i = 0; i < MAX_UNACKED_BATCHES; i++) buffer.acknowledge();
  buffer.flush();
  const last = sent.at(-1)!;
  assert.equal(last.points.length, capacity);
  assert.equal(last.points[0]!.value, total - capacity, 'the newest points were kept');
  assert.equal(last.dropped, total - BATCH_SIZE * MAX_UNACKED_BATCHES - capacity);
});

test('a point without a chart is rejected with a clear error', () => {
  const buffer = new VisualizationBuffer(() => {});
  assert.throws(() => buffer.push({} as never), /a point needs at least \{ chart/);
});
