// `predicate.benchmarks` is read leniently: figures are for people, so a member this runtime cannot
// read is left out instead of making the attestation malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatement, parseSignedBenchmarks, parseStatement } from '../../../runtime/src/trust/attestation';

const figures = {
  samples: 10,
  meanMs: 1,
  medianMs: 1,
  p95Ms: 1.2,
  p99Ms: 1.3,
  opsPerSec: 1000,
  moeMs: 0.01,
  peakHeapBytes: 5,
  heapGrowthBytes: 0,
};
const signed = {
  time: '2026-12-01T00:00:00.000Z',
  source: 'run',
  library: 'tinybench 2.9.0',
  machine: { platform: 'linux', arch: 'x64', cpu: 'cpu', cores: 2, node: 'v20.0.0' },
  reference: figures,
  benchmarks: [{ name: 'one', status: 'ok', ...figures, ratio: 3 }],
};

test('a statement built with benchmarks parses back to the same figures', () => {
  const statement = buildStatement({ name: 'p', version: '1.0.0', benchmarks: signed }, []);
  assert.deepEqual(parseStatement(Buffer.from(JSON.stringify(statement))).predicate.benchmarks, signed);
});

test('a statement without benchmarks has none, and the member is optional', () => {
  const statement = buildStatement({ name: 'p', version: '1.0.0' }, []);
  assert.equal('benchmarks' in statement.predicate, false);
  assert.equal(parseStatement(Buffer.from(JSON.stringify(statement))).predicate.benchmarks, undefined);
});

test('an unreadable benchmarks member is left out; the statement still parses', () => {
  for (const bad of [
    42,
    'x',
    [],
    {},
    { benchmarks: [] },
    { reference: figures },
    { reference: { ...figures, medianMs: 'fast' }, benchmarks: [] },
  ]) {
    const statement = { ...buildStatement({ name: 'p', version: '1.0.0' }, []) } as { predicate: Record<string, unknown> };
    statement.predicate.benchmarks = bad;
    assert.equal(parseStatement(Buffer.from(JSON.stringify(statement))).predicate.benchmarks, undefined, JSON.stringify(bad));
  }
});

test('entries without a name or with a non-number figure are dropped, the rest kept; strings are bounded', () => {
  const parsed = parseSignedBenchmarks({
    ...signed,
    machine: 'nope',
    benchmarks: [
      { status: 'ok', ...figures },
      { name: 'bad', status: 'ok', ...figures, p99Ms: null },
      { name: 'x'.repeat(1000), status: 'failed', ...figures, error: 'boom' },
      ...Array.from({ length: 2000 }, (_, i) => ({ name: `n${i}`, status: 'ok', ...figures })),
    ],
  });
  assert.ok(parsed);
  assert.equal(parsed.machine.cpu, 'unknown');
  assert.equal(parsed.benchmarks[0]?.name.length, 200);
  assert.equal(parsed.benchmarks[0]?.error, 'boom');
  assert.equal(
    parsed.benchmarks.some((b) => b.name === 'bad'),
    false,
  );
  assert.ok(parsed.benchmarks.length <= 1000);
});
