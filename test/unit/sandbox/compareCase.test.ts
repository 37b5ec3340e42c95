import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCase, type CaseOutcome } from '../../../runtime/src/sandbox/compareCase';

const ok = (extra: Partial<CaseOutcome> = {}): CaseOutcome => ({ status: 'ok', output: null, state: {}, logs: [], metrics: [], ...extra });
const failed = (error: string): CaseOutcome => ({ status: 'failed', error, state: {}, logs: [], metrics: [] });

test('a matching outcome has no failures', () => {
  const outcome = ok({
    output: { path: 'dist/main.js', bytes: 10 },
    state: { version: '1.5.0', other: 1 },
    logs: [{ level: 'info', message: 'bumped 1.4.2 -> 1.5.0' }],
    metrics: [{ chart: 'bundle-size', kind: 'bar', value: 10, unit: 'bytes', label: 'dist/main.js' }],
  });
  const failures = compareCase(
    {
      status: 'ok',
      output: { path: 'dist/main.js' },
      state: { version: '1.5.0' },
      logs: [{ level: 'info', message: '/-> 1\\.5\\.0/' }],
      metrics: [{ chart: 'bundle-size', value: 10 }],
    },
    outcome,
  );
  assert.deepEqual(failures, []);
});

test('output: the first difference with the whole values side by side', () => {
  const [failure, ...rest] = compareCase({ status: 'ok', output: { sum: 6 } }, ok({ output: { sum: 5 } }));
  assert.deepEqual(rest, []);
  assert.deepEqual(failure, {
    field: 'output',
    path: 'output.sum',
    expected: { sum: 6 },
    actual: { sum: 5 },
    message: 'output.sum: expected 6, got 5',
  });
});

test('status: a timeout where ok was expected is one failure that carries the reason', () => {
  const failures = compareCase({ status: 'ok', output: { done: true } }, failed('exceeded its 1000 ms timeout'));
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.field, 'status');
  assert.equal(failures[0]!.actual, 'failed');
  assert.match(failures[0]!.message, /exceeded its 1000 ms timeout/);
});

test('error: regex or substring against the failure message', () => {
  assert.deepEqual(compareCase({ status: 'failed', error: '/kab/' }, failed('kaboom')), []);
  assert.deepEqual(compareCase({ status: 'failed', error: 'abo' }, failed('kaboom')), []);
  const [failure] = compareCase({ status: 'failed', error: '/bang/' }, failed('kaboom'));
  assert.deepEqual(
    { field: failure!.field, expected: failure!.expected, actual: failure!.actual },
    { field: 'error', expected: '/bang/', actual: 'kaboom' },
  );
  const unexpected = compareCase({ status: 'failed', error: '/x/' }, ok({ output: { a: 1 } }));
  assert.deepEqual(
    unexpected.map((f) => f.field),
    ['status'],
  );
  assert.match(unexpected[0]!.message, /succeeded and returned \{"a":1\}/);
});

test('state: subset of the final state, with its path', () => {
  const [failure] = compareCase(
    { status: 'ok', state: { timingMarks: { 'build-done': 120 } } },
    ok({ state: { timingMarks: { 'build-done': 121 } } }),
  );
  assert.equal(failure!.path, 'state.timingMarks["build-done"]');
});

test('metrics and logs: each expected item must match some emitted one', () => {
  const outcome = ok({
    metrics: [{ chart: 'throughput', kind: 'line', value: 1, label: 't0' }],
    logs: [{ level: 'info', message: 'hello' }],
  });
  const failures = compareCase(
    {
      status: 'ok',
      metrics: [
        { chart: 'throughput', label: 't0' },
        { chart: 'throughput', label: 't9' },
      ],
      logs: [{ level: 'info', message: 'hello' }, { level: 'warn' }],
    },
    outcome,
  );
  assert.deepEqual(
    failures.map((f) => f.path),
    ['metrics[1]', 'logs[1]'],
  );
  assert.match(failures[0]!.message, /label expected "t9", got "t0"/);
  assert.deepEqual(failures[1]!.actual, outcome.logs);
});
