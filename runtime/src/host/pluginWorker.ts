// Runs inside one plugin's worker thread: imports the plugin's bundle, owns its one instance, and
// serves calls with an ExecutionContext made only of data and message-passing functions.
import { parentPort, Worker } from 'node:worker_threads';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecutionContext, HookEvent, JsonValue, Plugin, PluginClass, SpawnWorkerOptions, VisualizationPoint } from '../model/plugin';
import type { BenchFigures, ContextSnapshot, PluginFault, WorkerReply, WorkerRequest } from './protocol';
import { VisualizationBuffer } from './visualizationBuffer';

const port = parentPort!;
let pluginClass: PluginClass | undefined;
let instance: Plugin | undefined;
/** Abort controllers of the calls in progress; `abort` cancels them all. */
const activeCalls = new Map<number, AbortController>();

function post(message: WorkerReply): void {
  port.postMessage(message);
}

/** The permission Node's permission model refused, in the words of `meta.permissions`. */
function permissionMessage(error: Error & { permission?: string; resource?: string }): string | undefined {
  if ((error as { code?: string }).code !== 'ERR_ACCESS_DENIED') return undefined;
  const on = error.resource ? ` ${error.resource}` : '';
  switch (error.permission) {
    case 'FileSystemRead':
      return `permission denied: reading${on} needs meta.permissions.fs.read (a plugin reads only its own folder unless it declares more)`;
    case 'FileSystemWrite':
      return `permission denied: writing${on} needs meta.permissions.fs.write (a plugin writes nowhere unless it declares where; never aether.config.json, .aether/, node_modules/ or plugins/)`;
    case 'ChildProcess':
      return 'permission denied: plugins may not start child processes';
    default:
      return `permission denied: ${error.permission ?? 'this API'} is not available to plugins`;
  }
}

function faultOf(error: unknown): PluginFault {
  if (error instanceof Error) {
    return { kind: 'error', message: permissionMessage(error) ?? (error.message || error.name), stack: error.stack };
  }
  return { kind: 'error', message: typeof error === 'string' ? error : `non-Error value thrown: ${safeJson(error)}` };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Copies a value as JSON, so nothing but data crosses the boundary; throws on non-JSON input. */
function toJson(value: unknown, what: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} must be JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
}

const visualization = new VisualizationBuffer((points, dropped) => post({ type: 'metrics', points, dropped }));

// A stray rejected promise inside a plugin must not take its worker down; it is reported instead.
process.on('unhandledRejection', (reason) => {
  post({ type: 'log', level: 'error', message: `unhandled promise rejection: ${faultOf(reason).message}` });
});

async function load(bundleFile: string): Promise<void> {
  try {
    const module = (await import(pathToFileURL(bundleFile).href)) as { default?: unknown };
    const exported = module.default;
    if (typeof exported !== 'function' || !/^class[\s{]/.test(Function.prototype.toString.call(exported))) {
      const found = exported === undefined ? 'no default export' : `a default export of type ${typeof exported}`;
      post({
        type: 'loaded',
        fault: {
          kind: 'invalid',
          message: `has ${found}; a plugin module must default-export a class (export default class MyPlugin { static meta = {…}; async execute(ctx) {…} })`,
        },
      });
      return;
    }
    pluginClass = exported as PluginClass;
    const prototype = (exported as { prototype: Record<string, unknown> }).prototype;
    post({
      type: 'loaded',
      info: {
        meta: toJson(pluginClass.meta, 'static meta') ?? null,
        hasExecute: typeof prototype.execute === 'function',
        hasOnHook: typeof prototype.onHook === 'function',
      },
    });
  } catch (error) {
    post({ type: 'loaded', fault: faultOf(error) });
  }
}

function instantiate(): void {
  try {
    if (!pluginClass) throw new Error('the plugin module is not loaded');
    instance = new pluginClass();
    post({ type: 'instantiated' });
  } catch (error) {
    post({ type: 'instantiated', fault: faultOf(error) });
  }
}

function spawnWorker(
  snapshot: ContextSnapshot,
  callId: number,
  module: string,
  input: JsonValue,
  options: SpawnWorkerOptions = {},
  defaults: { timeoutMs: number; heapMb: number },
  emit: (message: WorkerReply) => void = post,
): Promise<JsonValue> {
  const file = path.resolve(snapshot.pluginDir, module);
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  const heapMb = options.heapMb ?? defaults.heapMb;
  const started = performance.now();
  emit({ type: 'worker', callId, phase: 'start', module: file });
  return new Promise<JsonValue>((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'spawnedWorker.js'), {
      workerData: { file, input: toJson(input, 'spawnWorker input') ?? null },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const finish = (error: Error | undefined, value?: JsonValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      emit({ type: 'worker', callId, phase: 'end', module: file, durationMs, status: error ? 'failed' : 'ok', error: error?.message });
      void worker.terminate();
      if (error) reject(error);
      else resolve(value ?? null);
    };
    const timer = setTimeout(
      () => finish(new Error(`spawnWorker("${module}") exceeded its ${timeoutMs} ms timeout and was stopped`)),
      timeoutMs,
    );
    worker.on('message', (message: { ok: boolean; value?: JsonValue; error?: string }) => {
      finish(message.ok ? undefined : new Error(`spawnWorker("${module}") failed: ${message.error}`), message.value);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const cause = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `exceeded its ${heapMb} MB heap limit` : `failed: ${error.message}`;
      finish(new Error(`spawnWorker("${module}") ${cause}`));
    });
    worker.on('exit', (code) => finish(new Error(`spawnWorker("${module}") exited with code ${code} before returning a result`)));
  });
}

function createContext(
  callId: number,
  snapshot: ContextSnapshot,
  signal: AbortSignal,
  limits: { timeoutMs: number; heapMb: number },
  /** Where logs, state writes and worker traces go: the host, or a benchmark's counters. */
  emit: (message: WorkerReply) => void = post,
  visualize: (point: VisualizationPoint) => void = (point) => visualization.push(point, callId),
): ExecutionContext {
  const state = new Map(Object.entries(snapshot.state));
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, ...args: unknown[]) => {
      const text = [message, ...args].map((part) => (typeof part === 'string' ? part : safeJson(part))).join(' ');
      emit({ type: 'log', callId, level, message: text });
    };
  return {
    pipeline: snapshot.pipeline,
    step: snapshot.step,
    command: snapshot.command,
    input: snapshot.input,
    config: snapshot.config,
    output: snapshot.output,
    error: snapshot.error,
    signal,
    state: {
      get: <T extends JsonValue>(key: string) => state.get(key) as T | undefined,
      set: (key: string, value: JsonValue) => {
        if (typeof key !== 'string' || key === '') throw new TypeError('ctx.state.set: the key must be a non-empty string');
        const json = toJson(value, `ctx.state.set("${key}") value`) ?? null;
        state.set(key, json);
        emit({ type: 'state-set', callId, key, value: json });
      },
    },
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    visualize,
    spawnWorker: <T>(module: string, input: JsonValue, options?: SpawnWorkerOptions) =>
      spawnWorker(snapshot, callId, module, input, options, limits, emit) as Promise<T>,
  };
}

async function call(request: Extract<WorkerRequest, { type: 'call' }>): Promise<void> {
  const controller = new AbortController();
  activeCalls.set(request.callId, controller);
  try {
    if (!instance) throw new Error('the plugin has no instance (it failed to load)');
    const ctx = createContext(request.callId, request.context, controller.signal, request.limits);
    let value: unknown;
    if (request.kind === 'execute') {
      value = await instance.execute(ctx);
    } else {
      if (typeof instance.onHook !== 'function') throw new Error('the plugin subscribes to hooks but has no onHook method');
      value = await instance.onHook(request.event as HookEvent, ctx);
    }
    visualization.flush(true);
    post({ type: 'result', callId: request.callId, ok: true, value: toJson(value, 'the returned value') });
  } catch (error) {
    visualization.flush(true);
    post({ type: 'result', callId: request.callId, ok: false, fault: faultOf(error) });
  } finally {
    activeCalls.delete(request.callId);
  }
}

/** The runtime's reference no-op command: the same call path as a plugin's `execute`, doing nothing. */
class ReferenceNoop {
  async execute(_ctx: ExecutionContext): Promise<JsonValue> {
    return null;
  }
}
const referenceNoop = new ReferenceNoop();

/**
 * A benchmark (spec section 11): tinybench times `execute` here, in the plugin's own thread. One
 * context serves every iteration (state writes carry over, as between steps); what the plugin logs,
 * writes or charts meanwhile is counted rather than forwarded, so a benchmark cannot flood the runtime.
 */
async function bench(request: Extract<WorkerRequest, { type: 'bench' }>): Promise<void> {
  const controller = new AbortController();
  activeCalls.set(request.callId, controller);
  const counts = { logs: 0, stateWrites: 0, points: 0, firstErrorLog: undefined as string | undefined };
  const sinks: VisualizationBuffer[] = [];
  const emit = (message: WorkerReply) => {
    if (message.type === 'log') {
      counts.logs++;
      if (message.level === 'error') counts.firstErrorLog ??= message.message;
    } else if (message.type === 'state-set') counts.stateWrites++;
  };
  try {
    const target = request.plan.target === 'reference' ? referenceNoop : instance;
    if (!target) throw new Error('the plugin has no instance (it failed to load)');
    // A ring buffer of its own, drained as fast as it fills: a point costs what it costs in a run.
    const sink: VisualizationBuffer = new VisualizationBuffer(() => queueMicrotask(() => sink.acknowledge()));
    sinks.push(sink);
    const ctx = createContext(request.callId, request.context, controller.signal, request.limits, emit, (point) => {
      counts.points++;
      sink.push(point, request.callId);
    });
    // Loaded on first use: workers that never benchmark do not evaluate tinybench.
    const { measure } = await import('../pluginBench/measure');
    const measured = await measure(() => target.execute(ctx), request.plan, new Int32Array(request.progress));
    const figures: BenchFigures = {
      ...measured,
      logs: counts.logs,
      stateWrites: counts.stateWrites,
      points: counts.points,
      ...(counts.firstErrorLog !== undefined ? { firstErrorLog: counts.firstErrorLog } : {}),
    };
    post({ type: 'bench-result', callId: request.callId, ok: true, figures });
  } catch (error) {
    const iteration =
      error instanceof Error && error.name === 'BenchIterationError'
        ? (error as Error & { iteration: number; original: unknown })
        : undefined;
    const fault = faultOf(iteration ? iteration.original : error);
    if (iteration) fault.message = `${fault.message} (in iteration ${iteration.iteration}, warm-up included)`;
    post({ type: 'bench-result', callId: request.callId, ok: false, fault });
  } finally {
    for (const sink of sinks) sink.flush(true);
    activeCalls.delete(request.callId);
  }
}

port.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'load':
      void load(request.bundleFile);
      break;
    case 'instantiate':
      instantiate();
      break;
    case 'call':
      void call(request);
      break;
    case 'abort':
      for (const controller of activeCalls.values()) controller.abort(new Error(request.reason));
      break;
    case 'metrics-ack':
      visualization.acknowledge();
      break;
    case 'ping':
      post({ type: 'pong', callId: request.callId });
      break;
    case 'bench':
      void bench(request);
      break;
  }
});
