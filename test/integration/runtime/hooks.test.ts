// Lifecycle hooks through the real CLI (spec section 1): every subscriber runs in load order for the
// five events; pre-execute may replace the input (validated again) or skip the step; post-execute may
// replace the output; post-failure runs after failed steps, and once when the run fails before any step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertRecordMatches,
  assertWellFormedRun,
  createWorkspace,
  fixturePlugin,
  hookTrace,
  ofType,
  pluginModule,
  stepEnd,
  type AetherResult,
  type Workspace,
} from './workspace';

const ALL_EVENTS = ['pipeline-start', 'pre-execute', 'post-execute', 'post-failure', 'pipeline-end'];

/** A hook plugin that logs what each call saw, then applies `rules` (JS statements that may return). */
function hookPlugin(name: string, meta: Record<string, unknown>, rules: string): string {
  return pluginModule(
    { name, version: '1.0.0', hooks: ALL_EVENTS, ...meta },
    {
      onHook: [
        '    const id = ctx.step?.id;',
        `    ctx.log.info(JSON.stringify({ who: ${JSON.stringify(name)}, event, id: id ?? null, input: ctx.input ?? null, output: ctx.output ?? null, error: ctx.error ?? null }));`,
        rules,
        '    return { ignored: true }; // any other return value is ignored',
      ].join('\n'),
    },
  );
}

interface Seen {
  who: string;
  event: string;
  id: string | null;
  input: unknown;
  output: unknown;
  error: string | null;
}

describe('hooks (spec section 1)', () => {
  let ws: Workspace;
  let run: AetherResult;
  let seen: Seen[];
  const seenBy = (who: string, event: string, id: string | null) => seen.find((s) => s.who === who && s.event === event && s.id === id);

  before(async () => {
    ws = await createWorkspace({
      plugins: {
        probe: fixturePlugin('probe'),
        // amp depends on zed, so zed loads (and hooks) first although "amp" sorts first by name.
        zed: hookPlugin(
          'zed',
          {},
          [
            "    if (event === 'pre-execute' && id === 'replaced') return { input: { name: 'by-zed' } };",
            "    if (event === 'pre-execute' && id === 'chained') return { input: { name: 'zed' } };",
            "    if (event === 'pre-execute' && id === 'bad-input') return { input: { name: 42 } };",
            "    if (event === 'post-execute' && id === 'decorated') return { output: { ...ctx.output, zed: true } };",
          ].join('\n'),
        ),
        amp: hookPlugin(
          'amp',
          { dependencies: { zed: '^1.0.0' } },
          [
            "    if (event === 'pre-execute' && id === 'chained') return { input: { name: ctx.input.name + '+amp' } };",
            "    if (event === 'pre-execute' && id === 'skipme') return { skip: 'not today' };",
            "    if (event === 'post-execute' && id === 'decorated') return { output: { ...ctx.output, amp: true } };",
          ].join('\n'),
        ),
      },
      pipelines: {
        'hooks.pipeline.yaml': `name: hooks
steps:
  - id: plain
    run: echo
    with: { n: 1 }
  - id: replaced
    run: greet
    with: { name: original }
  - id: chained
    run: greet
    with: { name: original }
  - id: bad-input
    run: greet
    with: { name: fine }
  - id: skipme
    run: echo
  - id: after-skip
    run: echo
    needs: [skipme]
  - id: decorated
    run: echo
    with: { v: 1 }
  - id: downstream
    run: echo
    needs: [decorated]
    with: { seen: '\${{ steps.decorated.output.amp }}' }
  - id: boom
    run: fail
    with: { message: kaboom }
`,
      },
    });
    run = await ws.run(['run', 'hooks.pipeline.yaml', '--json']);
    seen = ofType(run.events, 'log')
      .filter((event) => event.plugin === 'zed' || event.plugin === 'amp')
      .map((event) => JSON.parse(event.message) as Seen);
  });
  after(() => ws.dispose());

  test('the run is well formed, recorded, and fails with its first failure (exit 1)', async () => {
    assert.equal(run.code, 1, run.stderr);
    assertWellFormedRun(run);
    await assertRecordMatches(ws, run);
    assert.deepEqual(
      ofType(run.events, 'plugin-load').map((event) => event.name),
      ['probe', 'zed', 'amp'],
    );
    const end = ofType(run.events, 'run-end')[0]!;
    assert.equal(end.status, 'failed');
    assert.match(end.error ?? '', /replaced the input of step "bad-input"/);
  });

  test('all five events reach every subscriber, in load order, and only subscribers', () => {
    const trace = hookTrace(run.events);
    assert.deepEqual(new Set(ofType(run.events, 'hook-start').map((event) => event.event)), new Set(ALL_EVENTS));
    assert.ok(
      ofType(run.events, 'hook-start').every((event) => event.plugin !== 'probe'),
      'probe subscribes to nothing',
    );
    assert.deepEqual(trace.slice(0, 2), ['-:pipeline-start:zed', '-:pipeline-start:amp']);
    assert.deepEqual(trace.slice(-2), ['-:pipeline-end:zed', '-:pipeline-end:amp']);
    assert.deepEqual(hookTrace(run.events, 'plain'), [
      'plain:pre-execute:zed',
      'plain:pre-execute:amp',
      'plain:post-execute:zed',
      'plain:post-execute:amp',
    ]);
    assert.deepEqual(hookTrace(run.events, 'boom'), [
      'boom:pre-execute:zed',
      'boom:pre-execute:amp',
      'boom:post-failure:zed',
      'boom:post-failure:amp',
    ]);
    // pipeline-end comes after the last step, and run-end after pipeline-end.
    const lastStepEnd = run.events.findLastIndex((event) => event.type === 'step-end');
    const firstPipelineEnd = run.events.findIndex((event) => event.type === 'hook-start' && event.event === 'pipeline-end');
    assert.ok(lastStepEnd < firstPipelineEnd);
    // Every hook-start has its hook-end, none failed.
    const starts = ofType(run.events, 'hook-start').map((event) => `${event.stepId}:${event.event}:${event.plugin}`);
    const ends = ofType(run.events, 'hook-end').map((event) => `${event.stepId}:${event.event}:${event.plugin}`);
    assert.deepEqual(ends, starts);
    assert.ok(ofType(run.events, 'hook-end').every((event) => event.status === 'ok'));
  });

  test('step hooks sit between step-start and step-end; other return values are ignored', () => {
    const index = (predicate: (event: (typeof run.events)[number]) => boolean) => run.events.findIndex(predicate);
    const start = index((event) => event.type === 'step-start' && event.stepId === 'plain');
    const firstHook = index((event) => event.type === 'hook-start' && event.stepId === 'plain');
    const lastHook = run.events.findLastIndex((event) => event.type === 'hook-end' && event.stepId === 'plain');
    const end = index((event) => event.type === 'step-end' && event.stepId === 'plain');
    assert.ok(start < firstHook && lastHook < end, `step-start ${start} < hooks ${firstHook}..${lastHook} < step-end ${end}`);
    const plain = stepEnd(run.events, 'plain');
    assert.equal(plain.status, 'ok');
    assert.deepEqual(plain.output, { n: 1 }, '{ ignored: true } from the hooks changes nothing');
    assert.ok(
      ofType(run.events, 'hook-end')
        .filter((event) => event.stepId === 'plain')
        .every((event) => event.effect === undefined),
    );
    // Hooks see the step's resolved input and, in post-execute, its output.
    assert.deepEqual(seenBy('zed', 'pre-execute', 'plain')?.input, { n: 1 });
    assert.deepEqual(seenBy('amp', 'post-execute', 'plain')?.output, { n: 1 });
  });

  test('pre-execute { input } replaces the input the command gets', () => {
    const replaced = stepEnd(run.events, 'replaced');
    assert.equal(replaced.status, 'ok', replaced.error);
    assert.deepEqual(replaced.output, { greeting: 'hello by-zed' });
    const effect = ofType(run.events, 'hook-end').find(
      (event) => event.stepId === 'replaced' && event.plugin === 'zed' && event.event === 'pre-execute',
    );
    assert.equal(effect?.effect, 'input');
    // The last handler's replacement is what runs.
    assert.match((stepEnd(run.events, 'chained').output as { greeting: string }).greeting, /\+amp$/);
  });

  test("pre-execute: the next handler sees the earlier handler's { input }", () => {
    assert.deepEqual(seenBy('amp', 'pre-execute', 'chained')?.input, { name: 'zed' });
    assert.deepEqual(stepEnd(run.events, 'chained').output, { greeting: 'hello zed+amp' });
  });

  test('a replaced input is validated again: the step fails, naming the plugin; post-failure runs', () => {
    const bad = stepEnd(run.events, 'bad-input');
    assert.equal(bad.status, 'failed');
    assert.match(bad.error ?? '', /plugin "zed" replaced the input of step "bad-input"/);
    assert.match(bad.error ?? '', /must be string/);
    assert.deepEqual(
      hookTrace(run.events, 'bad-input').filter((entry) => entry.includes('post-')),
      ['bad-input:post-failure:zed', 'bad-input:post-failure:amp'],
    );
    assert.match(seenBy('amp', 'post-failure', 'bad-input')?.error ?? '', /replaced the input/);
  });

  test('pre-execute { skip } skips the step with the reason and the plugin; dependents are skipped', () => {
    const skipped = stepEnd(run.events, 'skipme');
    assert.equal(skipped.status, 'skipped');
    assert.equal(skipped.reason, 'not today');
    assert.equal(skipped.skippedBy, 'amp');
    assert.deepEqual(
      hookTrace(run.events, 'skipme').filter((entry) => !entry.includes('pre-execute')),
      [],
      'a skipped step gets no post-execute or post-failure',
    );
    const effect = ofType(run.events, 'hook-end').find((event) => event.stepId === 'skipme' && event.plugin === 'amp');
    assert.equal(effect?.effect, 'skip');
    const dependent = stepEnd(run.events, 'after-skip');
    assert.equal(dependent.status, 'skipped');
    assert.equal(dependent.reason, 'dependency "skipme" was skipped');
    assert.equal(dependent.skippedBy, undefined);
  });

  test('post-execute { output } replaces the step output, which expressions then see', () => {
    const decorated = stepEnd(run.events, 'decorated');
    assert.equal(decorated.status, 'ok');
    assert.equal((decorated.output as { amp?: boolean }).amp, true);
    assert.equal((decorated.output as { v?: number }).v, 1);
    assert.deepEqual(stepEnd(run.events, 'downstream').output, { seen: true });
    const effects = ofType(run.events, 'hook-end').filter((event) => event.stepId === 'decorated' && event.event === 'post-execute');
    assert.deepEqual(
      effects.map((event) => [event.plugin, event.effect]),
      [
        ['zed', 'output'],
        ['amp', 'output'],
      ],
    );
  });

  test("post-execute: the next handler sees the earlier handler's { output }", () => {
    assert.deepEqual(seenBy('amp', 'post-execute', 'decorated')?.output, { v: 1, zed: true });
    assert.deepEqual(stepEnd(run.events, 'decorated').output, { v: 1, zed: true, amp: true });
  });

  test('post-failure gets the error of the failed step', () => {
    assert.equal(stepEnd(run.events, 'boom').status, 'failed');
    assert.match(seenBy('zed', 'post-failure', 'boom')?.error ?? '', /kaboom/);
    assert.match(seenBy('amp', 'pipeline-end', null)?.error ?? '', /./, 'pipeline-end of a failed run carries its error');
  });
});

describe('a run that fails before any step', () => {
  test('post-failure runs once (no step), then pipeline-end, and run-end is last', async () => {
    const ws = await createWorkspace({
      plugins: {
        probe: fixturePlugin('probe'),
        watch: hookPlugin('watch', {}, ''),
        crashy: pluginModule({ name: 'crashy', version: '1.0.0' }, { header: '// its constructor throws', execute: 'return 1;' }).replace(
          'export default class TestPlugin {',
          'export default class TestPlugin {\n  constructor() { throw new Error("cannot start"); }',
        ),
      },
      pipelines: { 'p.pipeline.yaml': 'name: p\nsteps:\n  - id: one\n    run: echo\n' },
    });
    try {
      const result = await ws.run(['run', 'p.pipeline.yaml', '--json']);
      // pluginSet.ts: plugin code that throws while loading is a run failure (exit 1), not invalid input.
      assert.equal(result.code, 1, result.stderr);
      assertWellFormedRun(result);
      assert.deepEqual(hookTrace(result.events), ['-:post-failure:watch', '-:pipeline-end:watch']);
      assert.deepEqual(ofType(result.events, 'step-start'), []);
      assert.ok(ofType(result.events, 'plugin-error').some((event) => event.plugin === 'crashy' && /cannot start/.test(event.message)));
      const end = ofType(result.events, 'run-end')[0]!;
      assert.equal(end.status, 'failed');
      assert.match(end.error ?? '', /crashy/);
    } finally {
      await ws.dispose();
    }
  });
});
