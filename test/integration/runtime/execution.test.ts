// Step execution through the real CLI (spec sections 4 and 5): skips after failed dependencies,
// continue-on-error, expressions over step outputs, state and env, shared state with `state` events,
// and `settings.concurrency` observed through event times.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  assertRecordMatches,
  assertWellFormedRun,
  createWorkspace,
  fixturePlugin,
  ofType,
  stepEnd,
  type AetherResult,
  type Workspace,
} from './workspace';

const FLOW = `name: flow
env:
  GREETING: hi from the pipeline
  OVERRIDDEN: from the pipeline
steps:
  - id: seed
    run: remember
    with: { key: color, value: { name: teal, rgb: [0, 128, 128] } }
  - id: produce
    run: echo
    with: { v: 41, nested: { list: [1, 2, 3] }, label: answer }
  - id: consume
    run: echo
    needs: [produce, seed]
    with:
      number: \${{ steps.produce.output.v }}
      element: \${{ steps.produce.output.nested.list[1] }}
      object: \${{ steps.produce.output.nested }}
      text: "\${{ steps.produce.output.label }} is \${{ steps.produce.output.v }}!"
      stateValue: \${{ state.color.name }}
      stateBracket: \${{ state.color['rgb'][2] }}
      env: \${{ env.GREETING }}
      processEnv: \${{ env.AETHER_TEST_MARK }}
      overridden: \${{ env.OVERRIDDEN }}
  - id: recall
    run: recall
    needs: [seed]
    with: { key: color }
  - id: broken
    run: fail
    with: { message: kaboom }
  - id: child
    run: echo
    needs: [broken]
  - id: grandchild
    run: echo
    needs: [child, produce]
  - id: tolerated
    run: fail
    continue-on-error: true
    with: { message: meh }
  - id: after-tolerated
    run: echo
    needs: [tolerated]
    with: { ran: true }
  - id: independent
    run: echo
    with: { ran: true }
`;

const TOLERANT = `name: tolerant
steps:
  - id: flaky
    run: fail
    continue-on-error: true
    with: { message: tolerated failure }
  - id: next
    run: echo
    needs: [flaky]
    with: { ok: true }
`;

/** Two 800 ms sleeps with no needs, then a step that needs both. */
const sleeps = (concurrency: number) => `name: sleeps-${concurrency}
settings:
  concurrency: ${concurrency}
steps:
  - id: first
    run: sleep
    with: { ms: 800 }
  - id: second
    run: sleep
    with: { ms: 800 }
  - id: join
    run: echo
    needs: [first, second]
`;

describe('step execution (spec sections 4 and 5)', () => {
  let ws: Workspace;
  let flow: AetherResult;
  let tolerant: AetherResult;

  before(async () => {
    ws = await createWorkspace({
      plugins: { probe: fixturePlugin('probe') },
      pipelines: {
        'flow.pipeline.yaml': FLOW,
        'tolerant.pipeline.yaml': TOLERANT,
        'sleeps-1.pipeline.yaml': sleeps(1),
        'sleeps-2.pipeline.yaml': sleeps(2),
      },
    });
    flow = await ws.run(['run', 'flow.pipeline.yaml', '--json'], {
      env: { AETHER_TEST_MARK: 'from the process', OVERRIDDEN: 'from the process' },
    });
    tolerant = await ws.run(['run', 'tolerant.pipeline.yaml', '--json']);
  });
  after(() => ws.dispose());

  test('a failed step fails the run: exit 1, run-end failed with its error, last line', async () => {
    assert.equal(flow.code, 1, flow.stderr);
    assertWellFormedRun(flow);
    await assertRecordMatches(ws, flow);
    const end = ofType(flow.events, 'run-end')[0]!;
    assert.equal(end.status, 'failed');
    assert.match(end.error ?? '', /plugin "probe" failed in step "broken": kaboom/);
    assert.equal(stepEnd(flow.events, 'broken').status, 'failed');
    assert.match(stepEnd(flow.events, 'broken').error ?? '', /kaboom/);
    assert.equal(stepEnd(flow.events, 'independent').status, 'ok', 'a step that does not need the failed one still runs');
    // Without --debug-plugins there is no trace.
    assert.equal(ofType(flow.events, 'run-start')[0]!.debugLog, undefined);
    assert.ok(!existsSync(path.join(ws.logDir, 'plugins.log')));
  });

  test('expressions over step outputs, state and env are resolved before the command runs', () => {
    const consume = stepEnd(flow.events, 'consume');
    assert.equal(consume.status, 'ok', consume.error);
    assert.deepEqual(consume.output, {
      number: 41,
      element: 2,
      object: { list: [1, 2, 3] },
      text: 'answer is 41!',
      stateValue: 'teal',
      stateBracket: 128,
      env: 'hi from the pipeline',
      processEnv: 'from the process',
      overridden: 'from the pipeline',
    });
  });

  test('state is shared between steps, and each write is a `state` event', () => {
    assert.deepEqual(stepEnd(flow.events, 'recall').output, { key: 'color', value: { name: 'teal', rgb: [0, 128, 128] } });
    const writes = ofType(flow.events, 'state');
    assert.deepEqual(
      writes.map((event) => [event.key, event.plugin, event.stepId]),
      [['color', 'probe', 'seed']],
    );
    const seedEnd = flow.events.indexOf(stepEnd(flow.events, 'seed'));
    assert.ok(flow.events.indexOf(writes[0]!) < seedEnd, 'the state event comes before its step ends');
  });

  test('a failed dependency skips its dependents, transitively, without starting them', () => {
    const child = stepEnd(flow.events, 'child');
    assert.equal(child.status, 'skipped');
    assert.equal(child.reason, 'dependency "broken" failed');
    assert.equal(child.skippedBy, undefined);
    const grandchild = stepEnd(flow.events, 'grandchild');
    assert.equal(grandchild.status, 'skipped');
    assert.equal(grandchild.reason, 'dependency "child" was skipped');
    const started = ofType(flow.events, 'step-start').map((event) => event.stepId);
    assert.ok(!started.includes('child') && !started.includes('grandchild'), `started: ${started.join(', ')}`);
  });

  test('continue-on-error: reported as failed, dependents run', () => {
    const tolerated = stepEnd(flow.events, 'tolerated');
    assert.equal(tolerated.status, 'failed');
    assert.equal(tolerated.continueOnError, true);
    assert.match(tolerated.error ?? '', /meh/);
    assert.equal(stepEnd(flow.events, 'after-tolerated').status, 'ok');
  });

  test('continue-on-error does not fail the run: exit 0, run-end ok', async () => {
    assert.equal(tolerant.code, 0, tolerant.stderr);
    assertWellFormedRun(tolerant);
    await assertRecordMatches(ws, tolerant);
    assert.equal(stepEnd(tolerant.events, 'flaky').status, 'failed');
    assert.deepEqual(stepEnd(tolerant.events, 'next').output, { ok: true });
    const end = ofType(tolerant.events, 'run-end')[0]!;
    assert.equal(end.status, 'ok');
    assert.equal(end.error, undefined);
  });

  test('settings.concurrency: two sleeps overlap with 2, not with 1', async () => {
    // Sequential runs: a concurrent CLI would distort the timings.
    const one = await ws.run(['run', 'sleeps-1.pipeline.yaml', '--json']);
    const two = await ws.run(['run', 'sleeps-2.pipeline.yaml', '--json']);
    for (const result of [one, two]) {
      assert.equal(result.code, 0, result.stderr);
      assertWellFormedRun(result);
    }
    const window = (result: AetherResult, id: string) => {
      const start = ofType(result.events, 'step-start').find((event) => event.stepId === id)!;
      return { start: start.time, end: stepEnd(result.events, id).time };
    };
    const [a1, b1, join1] = ['first', 'second', 'join'].map((id) => window(one, id)) as [Window, Window, Window];
    const [a2, b2, join2] = ['first', 'second', 'join'].map((id) => window(two, id)) as [Window, Window, Window];
    // concurrency 1: the second starts only when the first has ended.
    assert.ok(b1.start >= a1.end, `concurrency 1: second started at ${b1.start}, first ended at ${a1.end}`);
    // concurrency 2: both run at once (the second starts well before the first's 800 ms are over).
    assert.ok(b2.start < a2.end && a2.start < b2.end, `concurrency 2: ${JSON.stringify({ a2, b2 })}`);
    assert.ok(b2.start - a2.start < 400, `concurrency 2: the second started ${b2.start - a2.start} ms after the first`);
    // In both, the join waits for both sleeps.
    for (const [join, a, b] of [
      [join1, a1, b1],
      [join2, a2, b2],
    ] as const) {
      assert.ok(join.start >= Math.max(a.end, b.end));
    }
    // And the total shows it: about 1.6 s of sleeping against about 0.8 s.
    const span = (result: AetherResult, a: Window, b: Window) => Math.max(a.end, b.end) - Math.min(a.start, b.start);
    assert.ok(span(one, a1, b1) >= 1600, `concurrency 1 took ${span(one, a1, b1)} ms`);
    assert.ok(span(two, a2, b2) < 1500, `concurrency 2 took ${span(two, a2, b2)} ms`);
  });
});

interface Window {
  start: number;
  end: number;
}
