// The debug adapter's cost (spec section 10): a pipeline run under `aether debug-adapter` with no
// breakpoints beside the same pipeline run by `aether run`, both fresh processes from the same
// bundles, interleaved in this run (goal ≤ 1.1x); and the time from a step reaching its breakpoint to
// the `stopped` event leaving the adapter.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AetherDebugSession } from '../runtime/src/debug/debugSession';
import type { PausedStep } from '../runtime/src/engine/runner';
import type { RuntimeBundles } from '../runtime/src/engine/runtimePaths';
import { fmtMs, median, report, scratchWorkspace } from './benchUtil';

const STEPS = 10;
const PLUGIN = `export default class T { static meta = { name: 't', version: '1.0.0', commands: { noop: {} } }; async execute() { return 1; } }`;
const PIPELINE = `name: dbg\nsteps:\n${Array.from({ length: STEPS }, (_, i) => `  - id: s${i}\n    run: noop\n`).join('')}`;

export async function debugBench(bundles: RuntimeBundles): Promise<string[]> {
  const root = scratchWorkspace('debug', { 'plugins/t/index.mjs': PLUGIN, 'p.pipeline.yaml': PIPELINE });
  const file = path.join(root, 'p.pipeline.yaml');
  const cli = path.join(path.dirname(bundles.hostModule), '..', 'bin', 'aether.js');
  const launcher = path.resolve(__dirname, '../test/integration/debug/adapterLauncher.js');

  const plain = (): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [cli, 'run', file, '--json'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`aether run failed: ${result.stderr}`);
    return performance.now() - started;
  };
  const underAdapter = async (): Promise<number> => {
    const started = performance.now();
    const dc = new DebugClient(process.execPath, launcher, 'aether', { cwd: root });
    await dc.start();
    const exited = dc.waitForEvent('exited', 60_000);
    await Promise.all([dc.configurationSequence(), dc.launch({ pipeline: file })]);
    const code = ((await exited) as DebugProtocol.ExitedEvent).body.exitCode;
    // The run is over when `exited` arrives, as `aether run` is over when its process ends.
    const ms = performance.now() - started;
    await dc.stop();
    if (code !== 0) throw new Error(`the run under the adapter exited with ${code}`);
    return ms;
  };
  const plainMs: number[] = [];
  const adapterMs: number[] = [];
  for (let round = 0; round < 5; round++) {
    plainMs.push(plain());
    adapterMs.push(await underAdapter());
  }
  const adapter = median(adapterMs);
  const reference = median(plainMs);

  // Breakpoint hit → stopped: stamped inside the adapter, on every step of the pipeline.
  const latencies: number[] = [];
  class Timed extends AetherDebugSession {
    private hitAt = 0;
    override beforeStep(paused: PausedStep): Promise<void> {
      this.hitAt = performance.now();
      return super.beforeStep(paused);
    }
    override sendEvent(event: DebugProtocol.Event): void {
      if (event.event === 'stopped') {
        latencies.push(performance.now() - this.hitAt);
        // Let the run go on at once, as a client pressing Continue would.
        queueMicrotask(() => this.dispatchRequest({ seq: 0, type: 'request', command: 'continue', arguments: { threadId: 0 } }));
      }
      if (event.event === 'terminated') this.done();
      super.sendEvent(event);
    }
    done: () => void = () => {};
  }
  const session = new Timed({ bundles });
  session.sendResponse = () => {};
  const finished = new Promise<void>((resolve) => (session.done = resolve));
  const send = (command: string, args: unknown) => session['dispatchRequest']({ seq: 0, type: 'request', command, arguments: args });
  send('initialize', { adapterID: 'aether' });
  send('launch', { pipeline: file });
  send('setBreakpoints', { source: { path: file }, breakpoints: Array.from({ length: STEPS }, (_, i) => ({ line: 3 + i * 2 })) });
  send('configurationDone', {});
  await finished;

  return [
    report(`run of ${STEPS} steps under the adapter, no breakpoints`, fmtMs(adapter), fmtMs(reference), adapter / reference, {
      text: '≤ 1.1x',
      met: adapter / reference <= 1.1,
    }),
    `breakpoint hit → stopped event                  median ${fmtMs(median(latencies))} over ${latencies.length} stops (max ${fmtMs(Math.max(...latencies))})`,
  ];
}
