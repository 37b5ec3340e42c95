// The pure parts of plugin-bench, in memory: bench files with line:column errors, and the
// statistical comparison on synthetic samples (a noisy but unchanged run passes, a real slowdown fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithBaseline, parseBenchFile, parseDuration, parseThreshold } from '../../../runtime/src/pluginBench';

const FILE = '/plugins/p/test/p.bench.yaml';

test('a valid bench file becomes benchmarks with resolved durations and positions', () => {
  const parsed = parseBenchFile(
    `plugin: ../index.ts
benchmarks:
  - name: default time
    command: run
  - name: half a second
    command: p/run
    config: { a: 1 }
    input: { n: 2 }
    state: { s: 3 }
    time: 500ms
    warmup: 0.1s
  - name: counted
    command: run
    iterations: 100
`,
    FILE,
  );
  assert.deepEqual(parsed.diagnostics, []);
  const bench = parsed.bench!;
  assert.equal(bench.plugin, '/plugins/p/index.ts');
  const [first, second, third] = bench.benchmarks;
  assert.deepEqual([first!.timeMs, first!.warmupMs, first!.range.line], [1000, 250, 3]);
  assert.deepEqual(
    [second!.timeMs, second!.warmupMs, second!.config, second!.input, second!.state],
    [500, 100, { a: 1 }, { n: 2 }, { s: 3 }],
  );
  assert.deepEqual([third!.timeMs, third!.iterations], [0, 100]);
  assert.equal(second!.commandRange.line, 6);
});

test('mistakes in a bench file point at their line and column', () => {
  const cases: Array<[string, RegExp, number, number]> = [
    [
      'plugin: ../i.ts\nbenchmarks:\n  - name: a\n    command: x\n    time: soon\n',
      /"benchmarks\[0\]\.time" \(benchmark "a"\) must be a duration/,
      5,
      11,
    ],
    ['plugin: ../i.ts\nbenchmarks:\n  - name: a\n', /is missing the required key "command"/, 3, 5],
    ['plugin: ../i.ts\nbenchmarks: []\n', /"benchmarks" is empty/, 2, 13],
    ['benchmarks:\n  - name: a\n    command: x\n', /the file is missing the required key "plugin"/, 1, 1],
    [
      'plugin: ../i.ts\nbenchmarks:\n  - name: a\n    command: x\n  - name: a\n    command: y\n',
      /duplicate benchmark name "a" \(first used at line 3\)/,
      5,
      11,
    ],
    ['plugin: ../i.ts\nbenchmarks:\n  - name: a\n    command: x\n    time: 1s\n    iterations: 5\n', /both time and iterations/, 6, 17],
    ['plugin: ../i.ts\nbenchmarks:\n  - name: a\n    command: x\n    iterations: 0\n', /must be >= 1/, 5, 17],
    ['plugin: ../i.ts\nbenchmarks:\n  - name: a\n  command: [\n', /YAML syntax error/, 4, 1],
  ];
  for (const [text, message, line, column] of cases) {
    const { diagnostics, bench } = parseBenchFile(text, FILE);
    assert.equal(bench, undefined, text);
    const found = diagnostics.find((d) => message.test(d.message));
    assert.ok(found, `${text}\n→ ${diagnostics.map((d) => d.message).join('\n')}`);
    assert.deepEqual([found.range?.line, found.range?.column], [line, column], `${text}: ${found.message}`);
    assert.equal(found.file, FILE);
  }
});

test('durations and thresholds parse as the spec writes them', () => {
  assert.deepEqual(
    [parseDuration('1s'), parseDuration('250ms'), parseDuration(40), parseDuration('1m'), parseDuration(0)],
    [1000, 250, 40, undefined, undefined],
  );
  assert.deepEqual(
    [parseThreshold('10%'), parseThreshold('25'), parseThreshold('2.5%'), parseThreshold('-1'), parseThreshold('x')],
    [0.1, 0.25, 0.025, undefined, undefined],
  );
});

/** Seeded samples around `median` with a noisy machine's long tail: 10% of samples 2 to 6 times slower. */
function noisySamples(median: number, count: number, seed: number): number[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => (next() < 0.1 ? median * (2 + 4 * next()) : median * (0.97 + 0.06 * next())));
}

test('the bootstrap on medians passes an unchanged but noisy run and fails a slowdown beyond the threshold', () => {
  const baseline = noisySamples(1, 400, 1);
  // Unchanged, noisier: 30% of the samples are outliers now.
  const noisy = [...noisySamples(1, 300, 2), ...noisySamples(1, 100, 3).map((v) => v * 3)];
  const unchanged = compareWithBaseline(noisy, baseline, { threshold: 0.1 });
  assert.equal(unchanged.slower, false, JSON.stringify(unchanged));
  assert.equal(unchanged.confidence, 0.99);

  const slower = compareWithBaseline(noisySamples(1.5, 400, 4), baseline, { threshold: 0.1 });
  assert.equal(slower.slower, true);
  assert.ok(slower.lowerBound > 1.4 && slower.lowerBound <= slower.ratio && slower.ratio <= slower.upperBound, JSON.stringify(slower));
  // A real slowdown inside the threshold does not fail.
  assert.equal(compareWithBaseline(noisySamples(1.05, 400, 5), baseline, { threshold: 0.1 }).slower, false);
  // Deterministic: the same inputs give the same bounds.
  assert.deepEqual(compareWithBaseline(noisySamples(1.5, 400, 4), baseline, { threshold: 0.1 }), slower);
  // Too few samples: not compared.
  assert.match(compareWithBaseline([1, 2], baseline, { threshold: 0.1 }).skipped ?? '', /fewer than 10 samples/);
});

test('across machines the comparison is of ratios to each run reference no-op', () => {
  const baseline = noisySamples(1, 300, 6);
  const referenceThen = noisySamples(0.0001, 300, 7);
  // A machine twice as slow: the plugin and the reference both take twice as long.
  const current = noisySamples(2, 300, 8);
  const referenceNow = noisySamples(0.0002, 300, 9);
  const raw = compareWithBaseline(current, baseline, { threshold: 0.1 });
  assert.equal(raw.slower, true);
  const normalized = compareWithBaseline(current, baseline, {
    threshold: 0.1,
    reference: { current: referenceNow, baseline: referenceThen },
  });
  assert.equal(normalized.normalized, true);
  assert.equal(normalized.slower, false, JSON.stringify(normalized));
  assert.ok(Math.abs(normalized.ratio - 1) < 0.05);
});
