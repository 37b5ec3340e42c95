// PipelineRunner against an in-memory plugin host: hook chains, skips and continue-on-error without
// processes, so a failure points at the runner itself. The CLI-level counterparts live in
// test/integration/runtime/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HookEvent, JsonValue, PluginMeta } from '../../../runtime/src/model/plugin';
import type { AetherEvent } from '../../../runtime/src/model/events';
import type { ContextSnapshot } from '../../../runtime/src/host/protocol';
import type { CallOutcome } from '../../../runtime/src/host/hostClient';
import type { PluginHosts } from '../../../runtime/src/host/hostPool';
import type { LoadedPlugin, PluginSet } from '../../../runtime/src/engine/pluginSet';
import { PipelineRunner } from '../../../runtime/src/engine/runner';
import { EventStream } from '../../../runtime/src/engine/eventStream';
import { buildCommandTable } from '../../../runtime/src/plugins';
import { parsePipeline } from '../../../runtime/src/pipeline';

/** A plugin as the fake host runs it: plain functions over the context snapshot. */
interface FakePlugin {
  meta: PluginMeta;
  execute?: (ctx: ContextSnapshot) => JsonValue | undefined;
  onHook?: (event: HookEvent, ctx: ContextSnapshot) => JsonValue | undefined;
}

/** Every call the host received, with the snapshot it was given. */
interface Call {
  plugin: string;
  kind: string;
  event?: HookEvent;
  stepId?: string;
  context: ContextSnapshot;
}

async function run(pipelineYaml: string, fakes: FakePlugin[]): Promise<{ status: string; events: AetherEvent[]; calls: Call[] }> {
  const parsed = parsePipeline(pipelineYaml, '/ws/p.pipeline.yaml');
  assert.ok(parsed.pipeline, JSON.stringify(parsed.diagnostics));
  const plugins: LoadedPlugin[] = fakes.map((fake, order) => ({
    entry: `/ws/plugins/${fake.meta.name}/index.ts`,
    dir: `/ws/plugins/${fake.meta.name}`,
    source: 'local',
    meta: fake.meta,
    order,
    reason: 'test',
    pluginId: order + 1,
    hasOnHook: fake.onHook !== undefined,
  }));
  const set: PluginSet = {
    plugins,
    byName: new Map(plugins.map((p) => [p.meta.name, p])),
    byId: new Map(plugins.map((p) => [p.pluginId, p])),
    commands: buildCommandTable(plugins),
  };
  const calls: Call[] = [];
  const host = {
    async call(
      pluginId: number,
      kind: string,
      event: HookEvent | undefined,
      context: ContextSnapshot,
      _limits: unknown,
      tag?: string,
    ): Promise<CallOutcome> {
      const fake = fakes[pluginId - 1]!;
      // Deep copy: what the plugin saw at call time, whatever the runner does later.
      calls.push({ plugin: fake.meta.name, kind, event, stepId: tag, context: structuredClone(context) });
      try {
        const value = kind === 'hook' ? fake.onHook!(event!, context) : fake.execute!(context);
        return { ok: true, value };
      } catch (error) {
        return { ok: false, fault: { kind: 'error', message: (error as Error).message } };
      }
    },
    tagOf: () => undefined,
  } as unknown as PluginHosts;
  const events: AetherEvent[] = [];
  const stream = new EventStream();
  stream.on((event) => events.push(event));
  const runner = new PipelineRunner({
    pipeline: parsed.pipeline,
    plugins: set,
    host,
    events: stream,
    workspaceRoot: '/ws',
    signal: new AbortController().signal,
    state: new Map(),
  });
  const outcome = await runner.run();
  return { status: outcome.status, events, calls };
}

const tools: FakePlugin = {
  meta: {
    name: 'tools',
    version: '1.0.0',
    commands: { echo: {}, greet: { input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }, fail: {} },
  },
  execute: (ctx) => {
    if (ctx.command === 'fail') throw new Error('boom');
    if (ctx.command === 'greet') return { greeting: `hello ${(ctx.input as { name: string }).name}` };
    return ctx.input;
  },
};

/** A hook plugin subscribed to every event; `rule` decides its return value. */
function hooks(name: string, rule: (event: HookEvent, ctx: ContextSnapshot) => JsonValue | undefined): FakePlugin {
  return {
    meta: { name, version: '1.0.0', hooks: ['pipeline-start', 'pre-execute', 'post-execute', 'post-failure', 'pipeline-end'] },
    execute: () => null,
    onHook: rule,
  };
}

const stepEnd = (events: AetherEvent[], id: string) =>
  events.find((e): e is Extract<AetherEvent, { type: 'step-end' }> => e.type === 'step-end' && e.stepId === id)!;
const hookCalls = (calls: Call[], stepId: string, event: HookEvent) =>
  calls.filter((c) => c.kind === 'hook' && c.stepId === stepId && c.event === event);

test('hooks run in load order for all five events', async () => {
  const { status, calls } = await run('name: p\nsteps:\n  - id: a\n    run: echo\n  - id: b\n    run: fail\n', [
    tools,
    hooks('zed', () => undefined),
    hooks('amp', () => undefined),
  ]);
  assert.equal(status, 'failed');
  assert.deepEqual(
    calls.map((c) => `${c.stepId ?? '-'}:${c.kind === 'hook' ? c.event : 'execute'}:${c.plugin}`),
    [
      '-:pipeline-start:zed',
      '-:pipeline-start:amp',
      'a:pre-execute:zed',
      'a:pre-execute:amp',
      'a:execute:tools',
      'a:post-execute:zed',
      'a:post-execute:amp',
      'b:pre-execute:zed',
      'b:pre-execute:amp',
      'b:execute:tools',
      'b:post-failure:zed',
      'b:post-failure:amp',
      '-:pipeline-end:zed',
      '-:pipeline-end:amp',
    ],
  );
});

test('pre-execute: each handler sees the input the earlier ones set (spec section 1)', async () => {
  const { events, calls } = await run('name: p\nsteps:\n  - id: a\n    run: greet\n    with: { name: original }\n', [
    tools,
    hooks('zed', (event) => (event === 'pre-execute' ? { input: { name: 'zed' } } : undefined)),
    hooks('amp', (event, ctx) =>
      event === 'pre-execute' ? { input: { name: `${(ctx.input as { name: string }).name}+amp` } } : undefined,
    ),
  ]);
  assert.deepEqual(hookCalls(calls, 'a', 'pre-execute')[1]!.context.input, { name: 'zed' });
  assert.deepEqual(hookCalls(calls, 'a', 'pre-execute')[1]!.context.step?.input, { name: 'zed' });
  assert.deepEqual(stepEnd(events, 'a').output, { greeting: 'hello zed+amp' });
});

test('post-execute: each handler sees the output the earlier ones set (spec section 1)', async () => {
  const add = (key: string) => (event: HookEvent, ctx: ContextSnapshot) =>
    event === 'post-execute' ? { output: { ...(ctx.output as object), [key]: true } } : undefined;
  const { events, calls } = await run('name: p\nsteps:\n  - id: a\n    run: echo\n    with: { v: 1 }\n', [
    tools,
    hooks('zed', add('zed')),
    hooks('amp', add('amp')),
  ]);
  assert.deepEqual(hookCalls(calls, 'a', 'post-execute')[1]!.context.output, { v: 1, zed: true });
  assert.deepEqual(stepEnd(events, 'a').output, { v: 1, zed: true, amp: true });
});

test('a single handler’s replacements are applied and validated', async () => {
  const { events } = await run(
    'name: p\nsteps:\n  - id: ok\n    run: greet\n    with: { name: x }\n  - id: bad\n    run: greet\n    with: { name: x }\n  - id: out\n    run: echo\n    with: { v: 1 }\n',
    [
      tools,
      hooks('zed', (event, ctx): JsonValue | undefined => {
        if (event === 'pre-execute' && ctx.step?.id === 'ok') return { input: { name: 'zed' } };
        if (event === 'pre-execute' && ctx.step?.id === 'bad') return { input: { name: 7 } };
        if (event === 'post-execute' && ctx.step?.id === 'out') return { output: 'replaced' };
        return undefined;
      }),
    ],
  );
  assert.deepEqual(stepEnd(events, 'ok').output, { greeting: 'hello zed' });
  assert.equal(stepEnd(events, 'bad').status, 'failed');
  assert.match(stepEnd(events, 'bad').error ?? '', /plugin "zed" replaced the input of step "bad"/);
  assert.equal(stepEnd(events, 'out').output, 'replaced');
});

test('a skip names the reason and the plugin; later pre-execute handlers and the command do not run', async () => {
  const { events, calls } = await run('name: p\nsteps:\n  - id: a\n    run: echo\n  - id: b\n    run: echo\n    needs: [a]\n', [
    tools,
    hooks('zed', (event) => (event === 'pre-execute' ? { skip: 'not now' } : undefined)),
    hooks('amp', () => undefined),
  ]);
  assert.deepEqual(
    [stepEnd(events, 'a').status, stepEnd(events, 'a').reason, stepEnd(events, 'a').skippedBy],
    ['skipped', 'not now', 'zed'],
  );
  assert.deepEqual([stepEnd(events, 'b').status, stepEnd(events, 'b').reason], ['skipped', 'dependency "a" was skipped']);
  assert.equal(calls.filter((c) => c.kind === 'execute').length, 0);
  assert.equal(hookCalls(calls, 'a', 'pre-execute').length, 1);
});

test('continue-on-error: the failed step is reported, its dependents run, the run is ok', async () => {
  const { status, events } = await run(
    'name: p\nsteps:\n  - id: a\n    run: fail\n    continue-on-error: true\n  - id: b\n    run: echo\n    needs: [a]\n    with: { ran: true }\n',
    [tools],
  );
  assert.equal(status, 'ok');
  assert.equal(stepEnd(events, 'a').status, 'failed');
  assert.equal(stepEnd(events, 'a').continueOnError, true);
  assert.deepEqual(stepEnd(events, 'b').output, { ran: true });
});
