// Runtime-core benchmark (issue 2): per-step overhead of a 1,000-step pipeline with 10 plugins that
// hook pre-execute and post-execute, and load time for 50 plugins; each beside a bare in-process
// loop that imports and calls the very same plugin classes.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipeline } from '../runtime/src/engine/runPipeline';
import { inspectWorkspacePlugins } from '../runtime/src/engine/workspacePlugins';
import type { RuntimeBundles } from '../runtime/src/engine/runtimePaths';
import type { AetherEvent } from '../runtime/src/model/events';
import type { PluginClass } from '../runtime/src/model/plugin';
import { fmtMs, fmtUs, median, report, scratchWorkspace } from './benchUtil';

function hookedPlugin(index: number): string {
  return `export default class P${index} {
  static meta = { name: 'p${String(index).padStart(2, '0')}', version: '1.0.0', commands: { 'work-${index}': {} }, hooks: ['pre-execute', 'post-execute'] };
  async execute(ctx) { let x = 0; for (let i = 0; i < 100; i++) x += i; return { x, step: ctx.step.id }; }
  async onHook(event, ctx) { return undefined; }
}`;
}

export async function runtimeBench(bundles: RuntimeBundles): Promise<string[]> {
  const lines: string[] = [];
  const files: Record<string, string> = {};
  for (let i = 0; i < 10; i++) files[`plugins/p${i}/index.mjs`] = hookedPlugin(i);
  const steps = Array.from({ length: 1000 }, (_, i) => `  - id: s${i}\n    run: work-${i % 10}`).join('\n');
  files['bench.pipeline.yaml'] = `name: bench-1000\nsteps:\n${steps}\n`;
  const root = scratchWorkspace('steps', files);

  // The runtime: time from the first step-start to the last step-end, over 1,000 steps.
  const events: AetherEvent[] = [];
  const result = await runPipeline({ file: path.join(root, 'bench.pipeline.yaml'), bundles, onEvent: (e) => events.push(e) });
  if (result.exitCode !== 0) throw new Error(`bench run failed: ${result.error}`);
  const first = events.find((e) => e.type === 'step-start')!.time;
  const last = events.filter((e) => e.type === 'step-end').at(-1)!.time;
  const runtimePerStepMs = (last - first) / 1000;

  // The reference: the same classes, imported and called in a plain loop (hooks around execute).
  const classes: PluginClass[] = [];
  for (let i = 0; i < 10; i++) classes.push((await import(pathToFileURL(path.join(root, `plugins/p${i}/index.mjs`)).href)).default);
  const instances = classes.map((Class) => new Class());
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let s = 0; s < 1000; s++) {
      const ctx = { step: { id: `s${s}` } } as never;
      for (const plugin of instances) await plugin.onHook?.('pre-execute', ctx);
      await instances[s % 10]!.execute(ctx);
      for (const plugin of instances) await plugin.onHook?.('post-execute', ctx);
    }
    samples.push((performance.now() - started) / 1000);
  }
  const barePerStepMs = median(samples);
  lines.push(
    report(
      'step, 10 plugins hooked (per step)',
      fmtUs(runtimePerStepMs * 1000),
      fmtUs(barePerStepMs * 1000),
      runtimePerStepMs / barePerStepMs,
    ),
  );
  lines.push(
    `${'  runtime overhead per step (total − plugin work)'.padEnd(44)} ${fmtUs((runtimePerStepMs - barePerStepMs) * 1000).padStart(12)}   (21 calls across the isolation boundary per step)`,
  );

  // Load time for 50 plugins: discovery, compile, isolated load, validation, order, instances.
  const many: Record<string, string> = {};
  for (let i = 0; i < 50; i++) {
    const deps = i > 0 && i % 5 === 0 ? `dependencies: { 'q${String(i - 1).padStart(2, '0')}': '^1.0.0' }, ` : '';
    many[`plugins/q${i}/index.mjs`] =
      `export default class Q${i} { static meta = { name: 'q${String(i).padStart(2, '0')}', version: '1.0.0', ${deps}commands: { 'cmd-${i}': {} } }; async execute() { return ${i}; } }`;
  }
  const manyRoot = scratchWorkspace('load50', many);
  // Cache cold: every plugin compiled again (the compiler itself is already loaded after round one).
  const coldSamples: number[] = [];
  for (let round = 0; round < 3; round++) {
    rmSync(path.join(manyRoot, '.aether', 'cache'), { recursive: true, force: true });
    const started = performance.now();
    await inspectWorkspacePlugins({ workspaceRoot: manyRoot, bundles }); // the last round leaves the cache filled
    coldSamples.push(performance.now() - started);
  }
  const loadSamples: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const inspected = await inspectWorkspacePlugins({ workspaceRoot: manyRoot, bundles });
    if (inspected.set.plugins.length !== 50) throw new Error(`expected 50 plugins, got ${inspected.set.plugins.length}`);
    loadSamples.push(performance.now() - started);
  }
  const bareLoad: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      const url = `${pathToFileURL(path.join(manyRoot, `plugins/q${i}/index.mjs`)).href}?round=${round}`;
      const Class = (await import(url)).default as PluginClass;
      new Class();
    }
    bareLoad.push(performance.now() - started);
  }
  for (const [cache, samples] of [
    ['cold', coldSamples],
    ['warm', loadSamples],
  ] as const) {
    lines.push(
      report(
        `load 50 plugins (isolated, cache ${cache})`,
        fmtMs(median(samples)),
        fmtMs(median(bareLoad)),
        median(samples) / median(bareLoad),
      ),
    );
  }
  return lines;
}
