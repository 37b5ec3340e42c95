// `runPipeline` as a library, twice in one process (the editor case): each run is complete and
// independent (its own run id, record, state and plugin host), the caller's process is left as it was,
// and an AbortSignal cancels a run cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { defaultBundles, runPipeline, type AetherEvent, type RunResult } from '../../../runtime/src/index';
import { createWorkspace, distDir, fixturePlugin, ofType, stepEnd, type Workspace } from './workspace';

const PIPELINE = `name: library
steps:
  - id: before-write
    run: recall
    with: { key: counter }
  - id: write
    run: remember
    needs: [before-write]
    with: { key: counter, value: 1 }
  - id: after-write
    run: recall
    needs: [write]
    with: { key: counter }
`;

const LONG = `name: long
steps:
  - id: nap
    run: sleep
    with: { ms: 20000 }
  - id: later
    run: echo
    needs: [nap]
`;

/** Child processes and pipes the process holds: what a run must not leave behind. */
function processHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'ProcessWrap' || kind === 'PipeWrap').length;
}

/**
 * The handle count once it is back at `baseline`, or after 2 s. runPipeline resolves on the host's
 * `exit`; Node releases the process handle a moment later, when its stdio has closed.
 */
async function settledHandles(baseline: number): Promise<number> {
  for (let waited = 0; waited < 2000 && processHandles() !== baseline; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  return processHandles();
}

describe('runPipeline as a library', () => {
  let ws: Workspace;
  const runs: Array<{ result: RunResult; events: AetherEvent[] }> = [];
  let handlesBefore: number;
  let handlesBetween: number;

  before(async () => {
    ws = await createWorkspace({
      plugins: { probe: fixturePlugin('probe') },
      pipelines: { 'library.pipeline.yaml': PIPELINE, 'long.pipeline.yaml': LONG },
    });
    handlesBefore = processHandles();
    for (let i = 0; i < 2; i++) {
      const events: AetherEvent[] = [];
      const result = await runPipeline({
        file: ws.path('library.pipeline.yaml'),
        bundles: defaultBundles(distDir),
        onEvent: (event) => events.push(event),
      });
      runs.push({ result, events });
      if (i === 0) handlesBetween = await settledHandles(handlesBefore);
    }
  });
  after(() => ws.dispose());

  test('both runs succeed, each with its own run id and a record equal to its events', async () => {
    for (const { result, events } of runs) {
      assert.equal(result.status, 'ok', result.error);
      assert.equal(result.exitCode, 0);
      assert.equal(events[0]!.type, 'run-start');
      assert.equal(events.at(-1)!.type, 'run-end');
      assert.equal(ofType(events, 'run-start')[0]!.runId, result.runId);
      const record = await readFile(result.recordFile!, 'utf8');
      assert.equal(record, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    }
    assert.notEqual(runs[0]!.result.runId, runs[1]!.result.runId);
  });

  test('state does not leak from one run into the next', () => {
    for (const { events } of runs) {
      assert.deepEqual(stepEnd(events, 'before-write').output, { key: 'counter', value: null });
      assert.deepEqual(stepEnd(events, 'after-write').output, { key: 'counter', value: 1 });
    }
  });

  test('both runs report the same plugins and steps', () => {
    const shape = (events: AetherEvent[]) =>
      events.filter((event) => event.type !== 'log').map((event) => `${event.type}:${'stepId' in event ? event.stepId : ''}`);
    assert.deepEqual(shape(runs[1]!.events), shape(runs[0]!.events));
  });

  test('no plugin host process or pipe is left behind', async () => {
    assert.equal(handlesBetween, handlesBefore, 'after the first run');
    assert.equal(await settledHandles(handlesBefore), handlesBefore, 'after the second run');
  });

  test('an AbortSignal cancels the run: the step ends early, its dependents are skipped, run-end says cancelled', async () => {
    const controller = new AbortController();
    const events: AetherEvent[] = [];
    const started = Date.now();
    const result = await runPipeline({
      file: ws.path('long.pipeline.yaml'),
      bundles: defaultBundles(distDir),
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'step-start') setTimeout(() => controller.abort(), 200);
      },
    });
    assert.ok(Date.now() - started < 15_000, 'the 20 s sleep was cut short');
    assert.equal(result.status, 'cancelled');
    assert.equal(result.exitCode, 130);
    assert.equal(events.at(-1)!.type, 'run-end');
    assert.equal(ofType(events, 'run-end')[0]!.status, 'cancelled');
    assert.equal(stepEnd(events, 'later').status, 'skipped');
    assert.equal(await settledHandles(handlesBefore), handlesBefore, 'the host is gone after a cancelled run too');
  });
});
