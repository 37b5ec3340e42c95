// plugin-bench benchmark (issue 14): how much of what `aether dev plugin-bench` reports is the tool
// itself. A no-op command timed by plugin-bench (tinybench inside the plugin's worker) beside a bare
// loop over the same call in the same worker of the same host; the isolation round trip beside the
// in-worker figure; and what `ctx.spawnWorker` does for heavy work, measured with plugin-bench.
import path from 'node:path';
import { PluginHostClient } from '../runtime/src/host/hostClient';
import { compilePlugin } from '../runtime/src/host/compile';
import type { BenchPlan, ContextSnapshot } from '../runtime/src/host/protocol';
import type { RuntimeBundles } from '../runtime/src/engine/runtimePaths';
import { runBench } from '../runtime/src/pluginBench';
import { fmtMs, median, report, scratchWorkspace } from './benchUtil';

const NOOP = `export default class N { static meta = { name: 'n', version: '1.0.0', commands: { noop: {} } }; async execute() { return null; } }`;

const fmtNs = (ms: number) => `${(ms * 1e6).toFixed(0)} ns`;

/** Four jobs of heavy work (hashing-like arithmetic), inline on the plugin's thread or each in a spawned worker. */
const HEAVY_WORK = `export default function (input) { let x = 0; for (let i = 0; i < input.n; i++) x = (x * 31 + i) % 1000003; return { x }; }`;
const HEAVY = `import crunch from './work.mjs';
export default class Heavy {
  static meta = { name: 'heavy', version: '1.0.0', commands: { inline: {}, offloaded: {} } };
  async execute(ctx) {
    const jobs = [1, 2, 3, 4].map((k) => ({ n: ctx.input.n + k }));
    if (ctx.command === 'inline') return jobs.map((job) => crunch(job));
    return Promise.all(jobs.map((job) => ctx.spawnWorker('./work.mjs', job)));
  }
}`;

export async function pluginBenchBench(bundles: RuntimeBundles): Promise<string[]> {
  const lines: string[] = [];
  const root = scratchWorkspace('plugin-bench', { 'plugins/n/index.mjs': NOOP });
  const entry = path.join(root, 'plugins/n/index.mjs');
  const { bundleFile } = await compilePlugin(entry, path.join(root, '.aether', 'cache'), bundles.apiModule);
  const host = new PluginHostClient({ hostModule: bundles.hostModule, cwd: root, onNotification: () => {}, onCrash: () => {} });
  const limits = { timeoutMs: 5000, heapMb: 256 };
  await host.load(1, bundleFile, entry, limits);
  await host.instantiate(1, 256);
  const context: ContextSnapshot = {
    pipeline: { name: 'bench', file: 'bench' },
    command: 'noop',
    input: {},
    config: {},
    state: {},
    pluginDir: root,
    workspaceRoot: root,
  };
  const tinybench: BenchPlan = { target: 'plugin', timeMs: 500, iterations: 10, warmupMs: 100, warmupIterations: 1, maxSamples: 1000 };
  const bare: BenchPlan = { ...tinybench, bareLoop: true, iterations: 200_000 };
  const measured: number[] = [];
  const loops: number[] = [];
  let batch = 1;
  for (let round = 0; round < 3; round++) {
    // Interleaved rounds, so both see the same machine load.
    const a = await host.bench(1, context, limits, tinybench);
    const b = await host.bench(1, context, limits, bare);
    if (!a.ok || !b.ok) throw new Error(`bench request failed: ${JSON.stringify(a.ok ? b : a)}`);
    measured.push(a.figures.meanMs);
    loops.push(b.figures.meanMs);
    batch = a.figures.batch;
  }
  const tool = median(measured);
  const loop = median(loops);
  lines.push(
    report('plugin-bench on a no-op, mean per call', fmtNs(tool), fmtNs(loop), tool / loop, {
      text: '≤ 1.5x the bare loop',
      met: tool / loop <= 1.5,
    }),
  );
  lines.push(
    `    (tinybench in the plugin's worker, samples of ${batch} calls; bare loop: 200,000 awaited calls timed as a whole, same worker)`,
  );

  const pings: number[] = [];
  const calls: number[] = [];
  for (let i = 0; i < 300; i++) {
    let started = performance.now();
    await host.ping(1);
    pings.push(performance.now() - started);
    started = performance.now();
    await host.call(1, 'execute', undefined, context, limits);
    calls.push(performance.now() - started);
  }
  lines.push(report('isolation round trip of that no-op call', fmtMs(median(calls)), fmtNs(tool), median(calls) / tool));
  lines.push(`    (a whole execute call from the runtime against its in-worker time; a bare ping is ${fmtMs(median(pings))})`);
  await host.shutdown();

  // ctx.spawnWorker: four heavy jobs inline on the plugin's thread, or each in its own worker.
  const heavyRoot = scratchWorkspace('plugin-bench-heavy', {
    'plugins/heavy/index.mjs': HEAVY,
    'plugins/heavy/work.mjs': HEAVY_WORK,
    'plugins/heavy/test/heavy.bench.yaml': `plugin: ../index.mjs
benchmarks:
  - name: small inline
    command: inline
    input: { n: 2000000 }
    time: 500ms
  - name: small offloaded
    command: offloaded
    input: { n: 2000000 }
    time: 500ms
  - name: large inline
    command: inline
    input: { n: 25000000 }
    iterations: 3
  - name: large offloaded
    command: offloaded
    input: { n: 25000000 }
    iterations: 3
`,
  });
  const heavy = await runBench(path.join(heavyRoot, 'plugins/heavy'), { bundles });
  const figures = (name: string) => {
    const result = heavy.results.find((r) => r.benchmark === name);
    if (!result?.figures) throw new Error(`heavy bench "${name}" failed: ${result?.error ?? 'not run'}`);
    return result.figures.medianMs;
  };
  for (const size of ['small', 'large']) {
    const inline = figures(`${size} inline`);
    const offloaded = figures(`${size} offloaded`);
    lines.push(report(`4 ${size} jobs: ctx.spawnWorker vs inline`, fmtMs(offloaded), fmtMs(inline), offloaded / inline));
  }
  lines.push(
    `    (plugin-bench figures; offloaded jobs run in parallel on ${require('node:os').cpus().length} cores and leave the plugin's thread free, each paying a worker start: worth it once a job outweighs that)`,
  );
  return lines;
}
