// `aether debug-adapter` driven by a DAP client over stdio (@vscode/debugadapter-testsupport, no
// editor), on a real pipeline with real plugin hosts (spec section 10): breakpoints on any line of a
// step, conditions and hit counts, scopes, evaluate, setVariable (validated), next, stop on entry, the
// `failed-steps` filter, terminate (a cancelled run) and restart.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createWorkspace, pluginModule, type Workspace } from '../runtime/workspace';

const TOOLS = pluginModule(
  {
    name: 'tools',
    version: '1.0.0',
    commands: {
      echo: { input: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'], additionalProperties: false } },
      fail: {},
    },
  },
  {
    execute: `if (ctx.command === 'fail') throw new Error('boom on purpose');
      ctx.log.info('echo ' + ctx.input.message);
      ctx.state.set('last', ctx.input.message);
      return { message: ctx.input.message, seen: ctx.state.get('flag') ?? null };`,
  },
);

const PIPELINE = `name: dbg
steps:
  - id: first
    run: echo
    with: { message: hello }
  - id: second
    run: echo
    needs: [first]
    with:
      message: \${{ steps.first.output.message }}
  - id: boom
    run: fail
    needs: [second]
  - id: later
    run: echo
    needs: [boom]
    with: { message: never }
`;
/** 1-based lines of PIPELINE. */
const LINE = { firstId: 3, secondId: 6, secondRun: 7, secondWith: 10, boomId: 11, nowhere: 1 };

describe('aether debug-adapter over stdio', () => {
  let ws: Workspace;
  let dc: DebugClient;
  let file: string;
  let stops: DebugProtocol.StoppedEvent[] = [];
  let waiting: ((event: DebugProtocol.StoppedEvent) => void) | undefined;

  function nextStop(): Promise<DebugProtocol.StoppedEvent> {
    const queued = stops.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no event 'stopped' received after 20000 ms")), 20_000);
      waiting = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }

  before(async () => {
    ws = await createWorkspace({ plugins: { tools: TOOLS }, pipelines: { 'dbg.pipeline.yaml': PIPELINE } });
    file = ws.path('dbg.pipeline.yaml');
  });
  after(() => ws.dispose());
  beforeEach(async () => {
    dc = new DebugClient('node', path.join(__dirname, 'adapterLauncher.js'), 'aether', {
      cwd: ws.root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    dc.defaultTimeout = 20_000;
    // Every stop is queued as it arrives: one can come in the same chunk as the response to the
    // request that caused it, before a listener added after that response would exist.
    stops = [];
    dc.on('stopped', (event: DebugProtocol.StoppedEvent) => {
      const waiter = waiting;
      waiting = undefined;
      if (waiter) waiter(event);
      else stops.push(event);
    });
    await dc.start();
  });
  afterEach(() => dc.stop());

  /** initialize, launch, breakpoints and filters, configurationDone; resolves once the run has started. */
  async function launch(
    args: Record<string, unknown>,
    breakpoints: DebugProtocol.SourceBreakpoint[] = [],
    filters: string[] = [],
  ): Promise<DebugProtocol.SetBreakpointsResponse> {
    const initialized = dc.waitForEvent('initialized');
    await dc.launch({ pipeline: file, workspace: ws.root, ...args });
    await initialized;
    const set = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints });
    await dc.setExceptionBreakpointsRequest({ filters });
    await dc.configurationDoneRequest();
    return set;
  }

  async function stopped(reason: string): Promise<{ threadId: number; frame: DebugProtocol.StackFrame }> {
    const event = await nextStop();
    assert.equal(event.body.reason, reason);
    const threadId = event.body.threadId!;
    const trace = await dc.stackTraceRequest({ threadId });
    return { threadId, frame: trace.body.stackFrames[0]! };
  }

  async function scope(frameId: number, name: string): Promise<Record<string, DebugProtocol.Variable>> {
    const scopes = await dc.scopesRequest({ frameId });
    const found = scopes.body.scopes.find((s) => s.name === name);
    assert.ok(found, `scope ${name} in ${scopes.body.scopes.map((s) => s.name).join(', ')}`);
    const variables = await dc.variablesRequest({ variablesReference: found.variablesReference });
    return Object.fromEntries(variables.body.variables.map((v) => [v.name, v]));
  }

  test('a breakpoint on any line of a step stops before it, shown on its id line; scopes, evaluate and setVariable', async () => {
    const set = await launch({}, [{ line: LINE.secondWith }, { line: LINE.nowhere }], ['failed-steps']);
    assert.equal(set.body.breakpoints[0]!.verified, true);
    assert.equal(set.body.breakpoints[0]!.line, LINE.secondId);
    assert.equal(set.body.breakpoints[1]!.verified, false);

    const { threadId, frame } = await stopped('breakpoint');
    assert.equal(frame.source?.path, file);
    assert.equal(frame.line, LINE.secondId);
    assert.match(frame.name, /^second: echo \(tools\)/);
    const threads = await dc.threadsRequest();
    assert.deepEqual(
      threads.body.threads.map((t) => t.name),
      ['step second'],
    );

    const step = await scope(frame.id, 'Step');
    assert.equal(step.id?.value, '"second"');
    assert.equal(step.plugin?.value, '"tools"');
    const input = await dc.variablesRequest({ variablesReference: step.input!.variablesReference });
    assert.deepEqual(
      input.body.variables.map((v) => [v.name, v.value]),
      [['message', '"hello"']],
    );
    assert.equal((await scope(frame.id, 'State')).last?.value, '"hello"');
    assert.ok((await scope(frame.id, 'Outputs')).first, 'the finished step is in Outputs');
    assert.ok(Object.keys(await scope(frame.id, 'Env')).length > 0);

    const evaluated = await dc.evaluateRequest({ expression: 'steps.first.output.message', frameId: frame.id, context: 'repl' });
    assert.equal(evaluated.body.result, '"hello"');
    const braces = await dc.evaluateRequest({ expression: '${{ state.last }}', frameId: frame.id, context: 'hover' });
    assert.equal(braces.body.result, '"hello"');

    // The input is re-validated against the command's schema: a number is refused, a string goes in.
    await assert.rejects(
      dc.setVariableRequest({ variablesReference: step.input!.variablesReference, name: 'message', value: '42' }),
      /rejects that input/,
    );
    await dc.setVariableRequest({ variablesReference: step.input!.variablesReference, name: 'message', value: '"changed"' });
    const stateScope = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((s) => s.name === 'State')!;
    await dc.setVariableRequest({ variablesReference: stateScope.variablesReference, name: 'flag', value: 'true' });

    await dc.continueRequest({ threadId });
    // failed-steps: stops after boom failed, before `later` is skipped; what second did is visible.
    const failure = await stopped('exception');
    assert.match(failure.frame.name, /^boom: fail/);
    const second = await dc.evaluateRequest({ expression: 'steps.second.output', frameId: failure.frame.id });
    assert.deepEqual(JSON.parse(second.body.result), { message: 'changed', seen: true });
    const boom = await scope(failure.frame.id, 'Step');
    assert.match(boom.error?.value ?? '', /boom on purpose/);

    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: failure.threadId });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 1);
    await terminated;
  });

  test('conditions and hit counts decide whether a breakpoint stops', async () => {
    await launch({}, [
      { line: LINE.firstId, condition: 'state.missing' },
      { line: LINE.secondRun, condition: '${{ steps.first.output.message }}', hitCondition: '== 1' },
    ]);
    const { frame, threadId } = await stopped('breakpoint');
    assert.equal(frame.line, LINE.secondId, 'the falsy condition on first did not stop');
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 1);
    await terminated;
  });

  test('stopOnEntry, then next: one step at a time; terminate cancels the run', async () => {
    await launch({ stopOnEntry: true });
    const entry = await stopped('entry');
    assert.equal(entry.frame.line, LINE.firstId);
    await dc.nextRequest({ threadId: entry.threadId });
    const next = await stopped('step');
    assert.equal(next.frame.line, LINE.secondId);

    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 130);
    await terminated;
    // The run's own record says it was cancelled, as a normal run's would.
    const runs = ws.path('.aether', 'runs');
    // The newest record: run ids of one second sort by their random part, so go by modification time.
    const names = await readdir(runs);
    const times = await Promise.all(names.map(async (name) => (await stat(path.join(runs, name))).mtimeMs));
    const newest = names[times.indexOf(Math.max(...times))]!;
    const last = (await readFile(path.join(runs, newest), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    assert.equal(last.at(-1)?.type, 'run-end');
    assert.equal(last.at(-1)?.status, 'cancelled');
  });

  test('restart runs the pipeline again from the top', async () => {
    await launch({ stopOnEntry: true });
    await stopped('entry');
    await dc.send('restart', {});
    const again = await stopped('entry');
    assert.equal(again.frame.line, LINE.firstId);
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await terminated;
  });

  test('logs are output events; noDebug runs straight through with the exit code', async () => {
    const outputs: string[] = [];
    dc.on('output', (event: DebugProtocol.OutputEvent) => outputs.push(event.body.output));
    const ended = Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
    await launch({ noDebug: true }, [{ line: LINE.secondId }]);
    const [exited] = (await ended) as [DebugProtocol.ExitedEvent, DebugProtocol.Event];
    assert.equal(exited.body.exitCode, 1);
    assert.ok(
      outputs.some((line) => /\[tools · first\] echo hello/.test(line)),
      outputs.join(''),
    );
    assert.ok(outputs.some((line) => /boom on purpose/.test(line)));
  });
});
