// Isolation benchmark (issue 3): dispatch cost across the boundary against a raw round trip of the
// same transport, cold start of 20 isolated plugins against 20 bare worker starts, and visualize
// throughput against the same loop without it. All measured in this run.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PluginHostClient } from '../runtime/src/host/hostClient';
import { compilePlugin } from '../runtime/src/host/compile';
import type { ContextSnapshot } from '../runtime/src/host/protocol';
import type { RuntimeBundles } from '../runtime/src/engine/runtimePaths';
import { runPipeline } from '../runtime/src/engine/runPipeline';
import type { AetherEvent } from '../runtime/src/model/events';
import { fmtMs, fmtUs, median, report, scratchWorkspace } from './benchUtil';

const TRIVIAL = `export default class T { static meta = { name: 't', version: '1.0.0', hooks: ['pre-execute'] }; async execute() { return 1; } async onHook() { return undefined; } }`;

function snapshot(root: string): ContextSnapshot {
  return { pipeline: { name: 'bench', file: 'bench' }, input: null, config: {}, state: {}, pluginDir: root, workspaceRoot: root };
}

export async function isolationBench(bundles: RuntimeBundles): Promise<string[]> {
  const lines: string[] = [];
  const root = scratchWorkspace('dispatch', { 'plugins/t/index.mjs': TRIVIAL });
  const cache = path.join(root, '.aether', 'cache');
  const { bundleFile } = await compilePlugin(path.join(root, 'plugins/t/index.mjs'), cache, bundles.apiModule);

  // 1. Dispatch: a hook call (context, limits, watchdog) vs a bare ping over the same IPC + worker path.
  const host = new PluginHostClient({ hostModule: bundles.hostModule, cwd: root, onNotification: () => {}, onCrash: () => {} });
  await host.load(1, bundleFile, path.join(root, 'plugins/t/index.mjs'), { timeoutMs: 5000, heapMb: 256 });
  await host.instantiate(1, 256);
  const ctx = snapshot(root);
  const N = 3000;
  const callRounds: number[] = [];
  const pingRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    // Interleaved rounds, so both see the same machine load.
    let started = performance.now();
    for (let i = 0; i < N; i++) await host.ping(1);
    pingRounds.push(((performance.now() - started) / N) * 1000);
    started = performance.now();
    for (let i = 0; i < N; i++) await host.call(1, 'hook', 'pre-execute', ctx, { timeoutMs: 5000, heapMb: 256 });
    callRounds.push(((performance.now() - started) / N) * 1000);
  }
  const call = median(callRounds);
  const ping = median(pingRounds);
  lines.push(report('hook dispatch per call', fmtUs(call), fmtUs(ping), call / ping, { text: '≤ 1.5x', met: call / ping <= 1.5 }));
  await host.shutdown();

  // 2. Cold start: a fresh host, 20 plugins loaded (compile cache warm) and instantiated.
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`plugins/c${i}/index.mjs`] = TRIVIAL.replace("name: 't'", `name: 'c${i}'`);
  const coldRoot = scratchWorkspace('cold', files);
  const bundlesOf = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      compilePlugin(path.join(coldRoot, `plugins/c${i}/index.mjs`), path.join(coldRoot, '.aether/cache'), bundles.apiModule),
    ),
  );
  const coldSamples: number[] = [];
  const bareSamples: number[] = [];
  for (let round = 0; round < 3; round++) {
    let started = performance.now();
    const cold = new PluginHostClient({ hostModule: bundles.hostModule, cwd: coldRoot, onNotification: () => {}, onCrash: () => {} });
    await Promise.all(bundlesOf.map((b, i) => cold.load(i + 1, b.bundleFile, b.bundleFile, { timeoutMs: 5000, heapMb: 256 })));
    for (let i = 0; i < 20; i++) await cold.instantiate(i + 1, 256);
    coldSamples.push(performance.now() - started);
    await cold.shutdown();

    started = performance.now();
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve) => {
            const worker = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
            worker.once('message', () => void worker.terminate().then(() => resolve()));
          }),
      ),
    );
    bareSamples.push(performance.now() - started);
  }
  const coldMs = median(coldSamples);
  lines.push(
    report('cold start, 20 isolated plugins', fmtMs(coldMs), fmtMs(median(bareSamples)), coldMs / median(bareSamples), {
      text: '< 400 ms',
      met: coldMs < 400,
    }),
  );

  // 3. visualize: a plugin loop paced at ~100,000 iterations/s of its own work (about 10 µs each),
  //    pushing one point per iteration, against the same loop without visualize.
  const vizRoot = scratchWorkspace('viz', {
    'plugins/v/index.mjs': `export default class V {
  static meta = { name: 'v', version: '1.0.0', commands: { push: {} } };
  async execute(ctx) {
    const n = ctx.input.points;
    const work = () => { let x = 0; for (let j = 0; j < 4000; j++) x += Math.sqrt(j); return x; };
    const loop = (send) => { const t = performance.now(); let acc = 0; for (let i = 0; i < n; i++) { acc += work(); if (send) ctx.visualize({ chart: 'load', kind: 'line', value: i % 100 }); } return { ms: performance.now() - t, acc }; };
    loop(false); loop(true);
    const bare = [], viz = [];
    for (let r = 0; r < 5; r++) { bare.push(loop(false).ms); viz.push(loop(true).ms); }
    const med = (a) => a.sort((x, y) => x - y)[2];
    return { bareMs: med(bare), vizMs: med(viz), points: n, runs: 11 };
  }
}`,
    'v.pipeline.yaml': 'name: viz\nsettings: { timeout: 120s }\nsteps:\n  - id: push\n    run: push\n    with: { points: 20000 }\n',
  });
  const events: AetherEvent[] = [];
  await runPipeline({ file: path.join(vizRoot, 'v.pipeline.yaml'), bundles, onEvent: (e) => events.push(e) });
  const end = events.find((e) => e.type === 'step-end');
  const output = (end?.type === 'step-end' ? end.output : undefined) as
    { bareMs: number; vizMs: number; points: number; runs: number } | undefined;
  if (!output) throw new Error(`visualize bench failed: ${JSON.stringify(end)}`);
  const rate = output.points / (output.vizMs / 1000);
  const slowdown = output.vizMs / output.bareMs - 1;
  const delivered = events.filter((e) => e.type === 'metric').length;
  const dropped = events
    .filter((e) => e.type === 'log' && /dropped (\d+)/.test(e.message))
    .reduce((n, e) => n + Number((e as { message: string }).message.match(/dropped (\d+)/)![1]), 0);
  lines.push(
    report('visualize: points/s from one plugin loop', `${Math.round(rate).toLocaleString('en')}/s`, '100,000/s', rate / 100_000, {
      text: '≥ 100,000/s',
      met: rate >= 100_000,
    }),
  );
  lines.push(
    report('  that loop with visualize vs without', fmtMs(output.vizMs), fmtMs(output.bareMs), output.vizMs / output.bareMs, {
      text: '≤ 10% slower',
      met: slowdown <= 0.1,
    }),
  );
  lines.push(
    `    ${(output.points * output.runs).toLocaleString('en')} points pushed; ${delivered.toLocaleString('en')} delivered as metric events, ${dropped.toLocaleString('en')} dropped (oldest first) while the loop held the thread`,
  );
  return lines;
}
