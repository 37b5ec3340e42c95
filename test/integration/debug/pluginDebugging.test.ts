// Debugging plugin code (spec section 10): with `debugPlugins`, the adapter has the plugin host open
// the Node inspector and asks the client, through the reverse request `startDebugging`, to attach its
// JavaScript debugger. Here the client is this test: it answers the request, attaches with a real CDP
// client (chrome-remote-interface), sets a breakpoint in the plugin's compiled TypeScript, holds the
// plugin there well past its timeout, and resumes: the step still succeeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import CDP from 'chrome-remote-interface';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createWorkspace, type Workspace } from '../runtime/workspace';

const SLOW = `import type { ExecutionContext } from 'aetherscript-core';
export default class Slow {
  static meta = { name: 'slow', version: '1.0.0', commands: { wait: {} }, limits: { timeoutMs: 500 } };
  async execute(ctx: ExecutionContext) {
    const answer: number = 42; // BREAK HERE
    return { answer, input: ctx.input };
  }
}
`;

/** The CDP calls used here, by name (the library's own types are per domain). */
interface LooseCdp {
  send(method: string, params?: object): Promise<unknown>;
  on(event: string, listener: (params: never) => void): void;
  close(): Promise<void>;
}

describe('debugging plugin code through the adapter', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace({
      plugins: { slow: SLOW },
      pipelines: { 'p.pipeline.yaml': 'name: p\nsteps:\n  - id: go\n    run: wait\n    with: { n: 1 }\n' },
    });
  });
  after(() => ws.dispose());

  /** The compiled copy of the plugin in the compile cache, and the 0-based line of the marker in it. */
  function compiledMarker(): { file: string; line: number } {
    const cache = ws.path('.aether', 'cache', 'plugins');
    for (const entry of readdirSync(cache).filter((n) => n.startsWith('slow-') && !n.endsWith('.json'))) {
      const file = path.join(cache, entry, 'index.mjs');
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((text) => text.includes('BREAK HERE'));
      if (line >= 0) return { file, line };
    }
    throw new Error('no compiled copy of the plugin');
  }

  test('startDebugging is requested with a working attach configuration; a breakpoint in the .ts plugin holds past its timeout', async () => {
    const dc = new DebugClient('node', path.join(__dirname, 'adapterLauncher.js'), 'aether', { cwd: ws.root });
    dc.defaultTimeout = 30_000;
    await dc.start();
    const attached: Array<Record<string, unknown>> = [];
    const paused: Array<{ url: string; line: number; sourceMap?: string }> = [];
    const done: Promise<void>[] = [];
    const outputs: string[] = [];
    dc.on('output', (event: DebugProtocol.OutputEvent) => outputs.push(event.body.output));

    // DebugClient ignores reverse requests: answer `startDebugging` ourselves, as an editor would.
    const client = dc as unknown as { dispatch(body: string): void; outputStream: NodeJS.WritableStream };
    const dispatch = client.dispatch.bind(dc);
    client.dispatch = (body: string) => {
      const message = JSON.parse(body) as DebugProtocol.ProtocolMessage & Partial<DebugProtocol.Request>;
      if (message.type !== 'request') return dispatch(body);
      assert.equal(message.command, 'startDebugging');
      const args = message.arguments as DebugProtocol.StartDebuggingRequestArguments;
      attached.push(args.configuration);
      done.push(debugPlugin(Number(args.configuration.port)));
      const reply = JSON.stringify({ type: 'response', seq: 0, request_seq: message.seq, success: true, command: message.command });
      client.outputStream.write(`Content-Length: ${Buffer.byteLength(reply)}\r\n\r\n${reply}`);
    };

    /** What js-debug does, by hand: follow worker threads, break at the marker, hold, resume. */
    async function debugPlugin(port: number): Promise<void> {
      const cdp = (await CDP({ host: '127.0.0.1', port })) as unknown as LooseCdp;
      /** scriptId → URL and source map, from Debugger.scriptParsed (Node leaves a frame's url empty). */
      const scripts = new Map<string, { url: string; sourceMapURL?: string }>();
      let id = 1;
      const toWorker = (sessionId: string, method: string, params: object = {}) =>
        cdp.send('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: id++, method, params }) });
      const finished = new Promise<void>((resolve) => {
        cdp.on('NodeWorker.attachedToWorker', (event: { sessionId: string }) => {
          void (async () => {
            const marker = compiledMarker();
            await toWorker(event.sessionId, 'Debugger.enable');
            await toWorker(event.sessionId, 'Debugger.setBreakpointByUrl', {
              url: `file://${marker.file}`,
              lineNumber: marker.line,
            });
            await toWorker(event.sessionId, 'Runtime.runIfWaitingForDebugger');
          })();
        });
        cdp.on('NodeWorker.receivedMessageFromWorker', (event: { sessionId: string; message: string }) => {
          const message = JSON.parse(event.message) as { method?: string; params?: Record<string, unknown> };
          if (message.method === 'Debugger.scriptParsed') {
            const { scriptId, url, sourceMapURL } = message.params as { scriptId: string; url: string; sourceMapURL?: string };
            scripts.set(scriptId, { url, sourceMapURL });
          }
          if (message.method === 'Debugger.paused') {
            const frame = (message.params!.callFrames as Array<{ location: { scriptId: string; lineNumber: number } }>)[0]!;
            const script = scripts.get(frame.location.scriptId);
            // --inspect-brk also stops each thread on its first line: go on to the plugin's breakpoint.
            if (!script?.url.endsWith('/index.mjs')) {
              void toWorker(event.sessionId, 'Debugger.resume');
              return;
            }
            paused.push({ url: script.url, line: frame.location.lineNumber, sourceMap: script.sourceMapURL });
            // Held well past the plugin's 500 ms timeout, then let go.
            setTimeout(() => void toWorker(event.sessionId, 'Debugger.resume').then(() => resolve()), 1500);
          }
        });
      });
      await cdp.send('NodeWorker.enable', { waitForDebuggerOnStart: true });
      await cdp.send('Runtime.runIfWaitingForDebugger');
      await finished;
      await cdp.close();
    }

    try {
      await dc.initializeRequest({
        adapterID: 'aether',
        supportsStartDebuggingRequest: true,
        linesStartAt1: true,
        columnsStartAt1: true,
        pathFormat: 'path',
      });
      const exited = dc.waitForEvent('exited');
      await dc.launchRequest({ pipeline: ws.path('p.pipeline.yaml'), debugPlugins: true } as DebugProtocol.LaunchRequestArguments);
      await dc.configurationDoneRequest();
      const code = ((await exited) as DebugProtocol.ExitedEvent).body.exitCode;
      const stuck = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the plugin breakpoint was never hit')), 20_000).unref(),
      );
      await Promise.race([Promise.all(done), stuck]);

      assert.equal(attached.length, 1);
      assert.deepEqual(
        { ...attached[0], port: undefined, outFiles: undefined },
        {
          type: 'pwa-node',
          request: 'attach',
          name: 'AetherScript plugins',
          address: '127.0.0.1',
          port: undefined,
          continueOnAttach: true,
          pauseForSourceMap: true,
          outFiles: undefined,
          resolveSourceMapLocations: null,
          skipFiles: ['<node_internals>/**'],
        },
      );
      assert.deepEqual(attached[0]!.outFiles, [path.join(ws.root, '.aether', 'cache', 'plugins', '**', '*.mjs')]);
      assert.equal(paused.length, 1, 'the breakpoint was hit once');
      assert.match(paused[0]!.url, /\/\.aether\/cache\/plugins\/slow-[^/]+\/index\.mjs$/);
      const map = JSON.parse(
        Buffer.from(paused[0]!.sourceMap!.replace(/^data:application\/json;base64,/, ''), 'base64').toString('utf8'),
      ) as { sources: string[] };
      assert.deepEqual(map.sources, [`file://${ws.path('plugins/slow/index.ts')}`], 'the paused code maps to the TypeScript source');
      assert.equal(code, 0, `the step was not stopped by its 500 ms timeout while paused: ${outputs.join('')}`);
      assert.ok(
        outputs.some((line) => /timeouts are suspended/.test(line)),
        'the run says the limits are suspended',
      );
    } finally {
      await dc.stop();
    }
  });

  test('aether run --inspect=0 prints the inspector URL and runs', async () => {
    const run = await ws.run(['run', 'p.pipeline.yaml', '--inspect=0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /plugin inspector ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+: open chrome:\/\/inspect/);
    const refused = await ws.run(['run', 'p.pipeline.yaml', '--inspect=port']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--inspect=port is not a port/);
  });
});
