// The isolation issue's fault matrix: every fault, in `execute`, in `onHook` and at module load, in a
// real run with real plugin hosts. The runtime runs in this test's own process (the editor case), so
// "the runtime survives" and "a second run in the same process succeeds" are checked directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runPipeline, type RunResult } from '../../../runtime/src/index';
import { defaultBundles } from '../../../runtime/src/engine/runtimePaths';
import type { AetherEvent } from '../../../runtime/src/model/events';
import { FAULTS, faultPipeline, faultyPlugin, HEALTHY_PIPELINE, OBSERVER_PLUGIN, type FaultName, type FaultSite } from './faultPlugins';

const repo = path.resolve(__dirname, '../../..');
const bundles = defaultBundles(path.join(repo, 'runtime', 'dist'));
const scratch = mkdtempSync(path.join(tmpdir(), 'aether-faults-'));

before(() => {
  execFileSync('node', ['esbuild.js'], { cwd: repo, stdio: 'ignore' });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function workspace(fault: FaultName, site: FaultSite): string {
  const root = path.join(scratch, `${site}-${fault}`);
  mkdirSync(path.join(root, 'plugins', 'faulty'), { recursive: true });
  mkdirSync(path.join(root, 'plugins', 'observer'), { recursive: true });
  writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
  writeFileSync(path.join(root, 'plugins', 'faulty', 'index.mjs'), faultyPlugin(fault, site));
  writeFileSync(path.join(root, 'plugins', 'observer', 'index.mjs'), OBSERVER_PLUGIN);
  writeFileSync(path.join(root, 'fault.pipeline.yaml'), faultPipeline(fault));
  writeFileSync(path.join(root, 'healthy.pipeline.yaml'), HEALTHY_PIPELINE);
  return root;
}

async function run(file: string, logDir: string): Promise<{ result: RunResult; events: AetherEvent[] }> {
  const events: AetherEvent[] = [];
  const result = await runPipeline({
    file,
    debugPlugins: true,
    env: { ...process.env, AETHER_LOG_DIR: logDir },
    bundles,
    onEvent: (e) => events.push(e),
  });
  return { result, events };
}

const sites: FaultSite[] = ['execute', 'onHook', 'load'];

for (const site of sites) {
  describe(`a plugin that faults ${site === 'load' ? 'at module load' : `in ${site}`}`, () => {
    for (const fault of Object.keys(FAULTS) as FaultName[]) {
      test(fault, async () => {
        const root = workspace(fault, site);
        const logDir = path.join(root, 'logs');
        const { result, events } = await run(path.join(root, 'fault.pipeline.yaml'), logDir);

        // The failure names the plugin and the cause.
        const cause = FAULTS[fault].cause;
        if (site === 'load') {
          const loadError = events.find((e) => e.type === 'plugin-error');
          assert.ok(loadError && loadError.type === 'plugin-error', 'a plugin-error event for the load fault');
          assert.match(loadError.message, /plugin "faulty"/);
          assert.match(loadError.message, cause);
          assert.equal(events.filter((e) => e.type === 'step-start').length, 0, 'no step runs after a load fault');
        } else {
          const target = events.find((e) => e.type === 'step-end' && e.stepId === 'target');
          assert.ok(target && target.type === 'step-end');
          assert.equal(target.status, 'failed');
          assert.match(target.error ?? '', /plugin "faulty"/);
          assert.match(target.error ?? '', cause);
          if (site === 'onHook') assert.match(target.error ?? '', /pre-execute hook/);
          // The step after the fault still runs: the other plugins carry on.
          const afterStep = events.find((e) => e.type === 'step-end' && e.stepId === 'after');
          assert.equal(afterStep?.type === 'step-end' && afterStep.status, 'ok');
        }
        if (/timeout/.test(String(cause)))
          assert.ok(events.some((e) => e.type === 'limit' && e.kind === 'timeout' && e.plugin === 'faulty'));
        if (/heap/.test(String(cause))) assert.ok(events.some((e) => e.type === 'limit' && e.kind === 'heap' && e.plugin === 'faulty'));

        // post-failure and pipeline-end hooks of the other plugins still run.
        const observed = events
          .filter((e) => e.type === 'hook-end' && e.plugin === 'observer' && e.status === 'ok')
          .map((e) => (e.type === 'hook-end' ? e.event : ''));
        assert.ok(observed.includes('post-failure'), `observer's post-failure ran (saw ${observed.join(', ')})`);
        assert.equal(observed.at(-1), 'pipeline-end');

        // The run ends with run-end, failed, exit code 1.
        const last = events.at(-1);
        assert.equal(last?.type, 'run-end');
        assert.equal(last?.type === 'run-end' && last.status, 'failed');
        assert.equal(result.exitCode, 1);

        // The run record holds every event, and plugins.log traces each of them.
        const record = readFileSync(result.recordFile!, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as AetherEvent);
        assert.deepEqual(record, JSON.parse(JSON.stringify(events)));
        const trace = readFileSync(path.join(logDir, 'plugins.log'), 'utf8');
        assert.equal(
          trace.split('\n').filter((line) => line.includes(`[${result.runId}]`) && !/ (worker-|host-crash)/.test(line)).length,
          events.length,
        );

        // The runtime (this process) is alive, and a second run in it succeeds.
        const second = await run(path.join(root, 'healthy.pipeline.yaml'), logDir);
        if (site === 'load') {
          // The faulty plugin still fails to load, so the workspace's runs fail; but they do run and end.
          assert.equal(second.events.at(-1)?.type, 'run-end');
        } else {
          assert.equal(second.result.exitCode, 0, JSON.stringify(second.events.filter((e) => e.type === 'run-end')));
        }
      });
    }
  });
}

test('the CLI exits 1 on a plugin fault and leaves no plugin host behind', () => {
  const root = workspace('sync-loop', 'execute');
  let code = 0;
  try {
    execFileSync('node', [path.join(repo, 'runtime/bin/aether.js'), 'run', 'fault.pipeline.yaml', '--json'], {
      cwd: root,
      env: { ...process.env, AETHER_LOG_DIR: root },
      stdio: 'pipe',
    });
  } catch (error) {
    code = (error as { status: number }).status;
  }
  assert.equal(code, 1);
  const hosts = execFileSync('ps', ['-eo', 'args'])
    .toString()
    .split('\n')
    .filter((line) => line.includes(root));
  assert.deepEqual(hosts, []);
});
