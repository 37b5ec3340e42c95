// `aether dev plugin-bench` end to end: the real CLI, the real plugin host, real limits, on plugins
// whose speed is known in advance (they busy-wait a fixed time), so the figures can be checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../../../runtime/src/pluginBench';
import { latestBenchSummary, readBaseline } from '../../../runtime/src/pluginBench';

const repoRoot = path.resolve(__dirname, '../../..');
const cliBin = path.join(repoRoot, 'runtime', 'bin', 'aether.js');

/**
 * How close a busy-wait's measured median must be to the time it waits: never below it, and at most
 * this fraction above (a loaded 2-core machine preempts some samples; the median shrugs most off).
 */
const TOLERANCE = 0.25;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

function aether(args: string[], cwd = repoRoot): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = args.includes('--json')
        ? stdout
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [];
      resolve({ code, stdout, stderr, lines });
    });
  });
}

const benchmarksOf = (result: CliResult) => result.lines.filter((line) => line.type === 'benchmark') as unknown as BenchResult[];

/** A workspace with one plugin folder: `plugin/index.mjs` plus `plugin/test/<name>` files. */
async function workspace(files: Record<string, string>): Promise<{ root: string; dir: string; dispose: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-'));
  await writeFile(path.join(root, 'aether.config.json'), '{}\n');
  const dir = path.join(root, 'plugin');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return { root, dir, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Busy-waits `WAIT_MS` (or `ctx.input.ms`): its speed is known before it runs. */
function busyPlugin(waitMs: number): string {
  return `
const WAIT_MS = ${waitMs};
export default class Busy {
  static meta = {
    name: 'busy',
    version: '1.0.0',
    commands: { wait: { input: { type: 'object', properties: { ms: { type: 'number' } } } }, boom: {}, hang: {} },
    limits: { timeoutMs: 600 },
  };
  calls = 0;
  async execute(ctx) {
    if (ctx.command === 'boom') { if (++this.calls > 3) throw new Error('boom: the plugin broke on purpose'); return 1; }
    if (ctx.command === 'hang') { if (++this.calls > 3) for (;;) {} return 1; }
    const end = performance.now() + (ctx.input.ms ?? WAIT_MS);
    while (performance.now() < end) {}
    return null;
  }
}
`;
}

const TWO_WAITS = `plugin: ../index.mjs
benchmarks:
  - name: waits 1 ms
    command: wait
    input: { ms: 1 }
    time: 300ms
  - name: waits 3 ms
    command: wait
    input: { ms: 3 }
    time: 300ms
`;

test('the figures match what a busy-waiting plugin is known to take, each beside the reference no-op', async () => {
  const ws = await workspace({ 'index.mjs': busyPlugin(1), 'test/busy.bench.yaml': TWO_WAITS });
  try {
    const result = await aether(['dev', 'plugin-bench', ws.dir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [one, three] = benchmarksOf(result);
    for (const [bench, waitMs] of [
      [one, 1],
      [three, 3],
    ] as const) {
      assert.ok(bench?.figures, `no figures for ${waitMs} ms`);
      const f = bench.figures;
      assert.equal(bench.status, 'ok');
      assert.ok(f.medianMs >= waitMs && f.medianMs <= waitMs * (1 + TOLERANCE), `median ${f.medianMs} ms for a ${waitMs} ms wait`);
      // The mean takes every preempted sample in full (a busy-wait that lost the CPU overshoots by a
      // time slice): bounded, but looser than the median.
      assert.ok(f.meanMs >= waitMs && f.meanMs <= waitMs * (1 + 4 * TOLERANCE), `mean ${f.meanMs} ms for a ${waitMs} ms wait`);
      assert.ok(f.p95Ms >= f.medianMs && f.p99Ms >= f.p95Ms, 'percentiles are ordered');
      assert.ok(Math.abs(f.opsPerSec - 1000 / f.meanMs) < 1e-6 * f.opsPerSec, 'ops/s is 1000 / mean');
      // 300 ms of measuring, one call per sample: about 300 / wait samples (at least tinybench's 10).
      assert.equal(f.batch, 1);
      assert.ok(f.samples >= Math.min(10, 300 / waitMs) * 0.5 && f.samples <= 300 / waitMs + 2, `${f.samples} samples`);
      assert.ok(f.moeMs >= 0 && f.rmePercent < 25, `margin of error ${f.rmePercent}%`);
      assert.ok(f.peakHeapBytes > 0 && Number.isFinite(f.heapGrowthBytes));
      // The isolation round trip is a whole call from the runtime: the plugin's time plus the boundary.
      assert.ok(bench.isolation && bench.isolation.roundTripMs >= f.medianMs && bench.isolation.pingMs > 0);
    }
    const reference = result.lines.find((line) => line.type === 'reference') as { figures: { medianMs: number } };
    assert.ok(
      reference.figures.medianMs > 0 && reference.figures.medianMs < 0.05,
      `reference no-op median ${reference.figures.medianMs} ms`,
    );
    assert.ok(Math.abs(one!.relative!.medianMs - one!.figures!.medianMs / reference.figures.medianMs) < 1e-6 * one!.relative!.medianMs);
    const ratio = three!.figures!.medianMs / one!.figures!.medianMs;
    assert.ok(ratio > 3 / (1 + TOLERANCE) && ratio < 3 * (1 + TOLERANCE), `3 ms over 1 ms is ${ratio}`);
    // The latest summary, as plain JSON, for signing.
    const summary = latestBenchSummary(ws.dir, ws.root);
    assert.equal(summary?.source, 'run');
    assert.deepEqual(
      summary?.benchmarks.map((b) => b.name),
      ['waits 1 ms', 'waits 3 ms'],
    );
    assert.equal(JSON.parse(JSON.stringify(summary)).benchmarks[1].medianMs, three!.figures!.medianMs);
  } finally {
    await ws.dispose();
  }
});

test('an unchanged plugin passes against its baseline twice in a row; a slower one fails naming the benchmark, figures and confidence', async () => {
  const ws = await workspace({
    'index.mjs': busyPlugin(1),
    'test/busy.bench.yaml': 'plugin: ../index.mjs\nbenchmarks:\n  - name: waits\n    command: wait\n    time: 300ms\n',
  });
  try {
    const saved = await aether(['dev', 'plugin-bench', ws.dir, '--save-baseline']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /baseline saved to .*bench-baseline\.json/);
    const { baseline } = readBaseline(ws.dir);
    assert.ok(baseline?.benchmarks.waits?.sampleMs && baseline.benchmarks.waits.sampleMs.length >= 10);
    assert.ok(baseline.reference.sampleMs && baseline.benchmarks.waits.ratio! > 1);

    for (const round of [1, 2]) {
      const again = await aether(['dev', 'plugin-bench', ws.dir, '--json']);
      assert.equal(again.code, 0, `round ${round}: ${again.stdout}${again.stderr}`);
      const [bench] = benchmarksOf(again);
      assert.equal(bench?.status, 'ok');
      assert.equal(bench?.comparison?.slower, false);
      assert.equal(bench?.comparison?.test, 'bootstrap-median-ratio');
      assert.ok(bench!.comparison!.ratio < 1.1, `round ${round}: ratio ${bench!.comparison!.ratio}`);
    }

    await writeFile(path.join(ws.dir, 'index.mjs'), busyPlugin(2));
    const slower = await aether(['dev', 'plugin-bench', ws.dir]);
    assert.equal(slower.code, 1, slower.stdout);
    assert.match(
      slower.stderr,
      /slower: "waits": median 2\.\d+ ms against 1\.\d+ ms in the baseline \(\d\.\d+x\); 99% confident it is at least (1\.[5-9]|2\.)\d*x, beyond the 10% threshold/,
    );
    assert.match(slower.stdout, /0 ok, 0 failed, 1 slower than the baseline \(bootstrap on medians, 99% confidence, threshold 10%\)/);
    // A threshold above the slowdown lets it pass.
    const lenient = await aether(['dev', 'plugin-bench', ws.dir, '--threshold', '150%']);
    assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
  } finally {
    await ws.dispose();
  }
});

test('a benchmark that throws or times out fails alone with a clear error; the others still run', async () => {
  const ws = await workspace({
    'index.mjs': busyPlugin(1),
    'test/busy.bench.yaml': `plugin: ../index.mjs
benchmarks:
  - name: throws
    command: boom
    time: 200ms
  - name: hangs
    command: hang
    time: 200ms
  - name: waits
    command: wait
    time: 200ms
`,
  });
  try {
    const started = performance.now();
    const result = await aether(['dev', 'plugin-bench', ws.dir, '--json']);
    assert.equal(result.code, 1);
    const [throws, hangs, waits] = benchmarksOf(result);
    assert.equal(throws?.status, 'failed');
    assert.match(throws!.error!, /^the plugin threw: boom: the plugin broke on purpose \(in iteration 4, warm-up included\)$/);
    assert.equal(hangs?.status, 'failed');
    assert.equal(hangs!.error, 'a benchmark iteration exceeded its 600 ms timeout');
    assert.equal(waits?.status, 'ok');
    assert.ok(waits!.figures!.medianMs >= 1 && waits!.figures!.medianMs <= 1 + TOLERANCE);
    // Stopped at the call timeout, not at the end of some longer budget.
    assert.ok(hangs!.durationMs < 600 + 2000, `the hang took ${hangs!.durationMs} ms to stop`);
    assert.ok(performance.now() - started < 20_000);
    const summary = result.lines.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.failed, 2);
    assert.equal(summary.ok, 1);
  } finally {
    await ws.dispose();
  }
});

test('--json prints the reference, one object per benchmark, then a summary line', async () => {
  const ws = await workspace({ 'index.mjs': busyPlugin(1), 'test/busy.bench.yaml': TWO_WAITS });
  try {
    const result = await aether(['dev', 'plugin-bench', ws.dir, '--json', '--case', 'waits 1 ms']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      result.lines.map((line) => line.type),
      ['reference', 'benchmark', 'summary'],
    );
    const [reference, bench, summary] = result.lines as [Record<string, unknown>, BenchResult, Record<string, unknown>];
    assert.equal(reference.command, 'noop');
    assert.equal(bench.benchmark, 'waits 1 ms');
    assert.equal(bench.file, path.join(ws.dir, 'test', 'busy.bench.yaml'));
    assert.equal(bench.line, 3);
    for (const key of ['samples', 'meanMs', 'medianMs', 'p95Ms', 'p99Ms', 'opsPerSec', 'moeMs', 'peakHeapBytes', 'heapGrowthBytes']) {
      assert.equal(typeof (bench.figures as unknown as Record<string, unknown>)[key], 'number', key);
    }
    for (const key of ['meanMs', 'medianMs', 'p95Ms', 'p99Ms', 'opsPerSec']) {
      assert.equal(typeof (bench.relative as unknown as Record<string, unknown>)[key], 'number', key);
    }
    assert.deepEqual(
      {
        type: summary.type,
        status: summary.status,
        benchmarks: summary.benchmarks,
        ok: summary.ok,
        failed: summary.failed,
        slower: summary.slower,
      },
      { type: 'summary', status: 'passed', benchmarks: 1, ok: 1, failed: 0, slower: 0 },
    );
    assert.equal(summary.test, 'bootstrap-median-ratio');
    assert.equal(summary.confidence, 0.99);
    assert.equal(summary.threshold, 0.1);
    assert.ok(!existsSync(path.join(ws.dir, 'test', 'bench-baseline.json')), 'no baseline without --save-baseline');
  } finally {
    await ws.dispose();
  }
});

test('invalid input exits 2 with the reason: a bad bench file (line:column), an unknown --case, a bad --threshold', async () => {
  const ws = await workspace({
    'index.mjs': busyPlugin(1),
    'test/busy.bench.yaml': 'plugin: ../index.mjs\nbenchmarks:\n  - name: waits\n    command: wait\n    tme: 1s\n',
  });
  try {
    const bad = await aether(['dev', 'plugin-bench', ws.dir]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /busy\.bench\.yaml:5:5: error bench\/unknown-key: unknown key "tme" in "benchmarks\[0\]" \(benchmark "waits"\)\. Did you mean "time"\?/,
    );

    await writeFile(path.join(ws.dir, 'test', 'busy.bench.yaml'), TWO_WAITS);
    const unknown = await aether(['dev', 'plugin-bench', ws.dir, '--case', 'waits 2 ms']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no benchmark is named "waits 2 ms"/);

    const threshold = await aether(['dev', 'plugin-bench', ws.dir, '--threshold', 'lots']);
    assert.equal(threshold.code, 2);
    assert.match(threshold.stderr, /--threshold lots: give a percentage such as 10% or 25/);

    await writeFile(path.join(ws.dir, 'test', 'bench-baseline.json'), '{ "not": "a baseline" }');
    const baseline = await aether(['dev', 'plugin-bench', ws.dir]);
    assert.equal(baseline.code, 2);
    assert.match(baseline.stderr, /is not a plugin-bench baseline/);
    assert.equal(readFileSync(path.join(ws.dir, 'test', 'bench-baseline.json'), 'utf8'), '{ "not": "a baseline" }');
  } finally {
    await ws.dispose();
  }
});
