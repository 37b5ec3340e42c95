// The plugin host's main thread: one supervised worker per plugin instance.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { CallLimits, HostReply, HostRequest, PluginFault, WorkerReply, WorkerRequest } from './protocol';

interface PendingCall {
  request: Extract<HostRequest, { type: 'call' | 'bench' }>;
  timer?: ReturnType<typeof setTimeout>;
}

/** One plugin instance: its worker (respawned after a fault) and its calls in flight. */
interface PluginSlot {
  id: number;
  bundleFile: string;
  entry: string;
  heapMb: number;
  loadTimeoutMs: number;
  worker?: Worker;
  /** Resolves when the worker has loaded (and, if asked before, instantiated) the plugin. */
  ready?: Promise<PluginFault | undefined>;
  instantiated: boolean;
  calls: Map<number, PendingCall>;
  /** A fault already reported for the current worker, so its exit is not reported twice. */
  faulted: boolean;
  onLoaded?: (reply: Extract<WorkerReply, { type: 'loaded' }>) => void;
  onInstantiated?: (fault: PluginFault | undefined) => void;
}

const slots = new Map<number, PluginSlot>();

function send(reply: HostReply, onSent?: () => void): void {
  if (!process.connected) return;
  process.send!(reply, undefined, {}, () => onSent?.());
}

function forwardOutput(slot: PluginSlot, stream: Readable, level: 'info' | 'error'): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) send({ type: 'log', pluginId: slot.id, level, message: line });
  });
  stream.on('end', () => {
    if (pending) send({ type: 'log', pluginId: slot.id, level, message: pending });
  });
}

/** Fails every call in flight on `slot` (and a pending load) with `fault`. */
function failSlot(slot: PluginSlot, fault: PluginFault): void {
  slot.faulted = true;
  for (const [callId, call] of slot.calls) {
    clearTimeout(call.timer);
    send({ type: 'result', callId, ok: false, fault });
  }
  slot.calls.clear();
  slot.onLoaded?.({ type: 'loaded', fault });
  slot.onInstantiated?.(fault);
  slot.onLoaded = undefined;
  slot.onInstantiated = undefined;
}

function stopWorker(slot: PluginSlot): void {
  const worker = slot.worker;
  slot.worker = undefined;
  slot.ready = undefined;
  if (worker) void worker.terminate();
}

function spawnWorker(slot: PluginSlot): Worker {
  const worker = new Worker(__filename, {
    resourceLimits: { maxOldGenerationSizeMb: slot.heapMb },
    stdout: true,
    stderr: true,
  });
  slot.worker = worker;
  slot.faulted = false;
  forwardOutput(slot, worker.stdout, 'info');
  forwardOutput(slot, worker.stderr, 'error');
  worker.on('message', (message: WorkerReply) => onWorkerMessage(slot, message));
  worker.on('error', (error: Error & { code?: string }) => {
    if (slot.worker !== worker) return;
    const heap = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const callId = slot.calls.keys().next().value as number | undefined;
    if (heap) send({ type: 'limit', pluginId: slot.id, callId, kind: 'heap', limit: slot.heapMb });
    slot.worker = undefined;
    slot.ready = undefined;
    failSlot(
      slot,
      heap
        ? { kind: 'heap', message: `exceeded its ${slot.heapMb} MB heap limit` }
        : { kind: 'error', message: error.message, stack: error.stack },
    );
  });
  worker.on('exit', (code) => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = undefined;
    if (!slot.faulted) failSlot(slot, { kind: 'exit', message: `ended its thread with exit code ${code} (process.exit)` });
  });
  return worker;
}

function onWorkerMessage(slot: PluginSlot, message: WorkerReply): void {
  switch (message.type) {
    case 'loaded':
      slot.onLoaded?.(message);
      slot.onLoaded = undefined;
      return;
    case 'instantiated':
      slot.onInstantiated?.(message.fault);
      slot.onInstantiated = undefined;
      return;
    case 'result': {
      const call = slot.calls.get(message.callId);
      if (!call) return; // already failed by a limit
      clearTimeout(call.timer);
      slot.calls.delete(message.callId);
      send(message);
      return;
    }
    case 'metrics':
      send({ ...message, pluginId: slot.id }, () => slot.worker?.postMessage({ type: 'metrics-ack' } satisfies WorkerRequest));
      return;
    case 'pong':
      send(message);
      return;
    case 'bench-result': {
      const call = slot.calls.get(message.callId);
      if (!call) return; // already failed by a limit
      clearTimeout(call.timer);
      slot.calls.delete(message.callId);
      send(message);
      return;
    }
    default:
      send({ ...message, pluginId: slot.id });
  }
}

/**
 * Module loads run a few at a time: 50 workers starting at once on two cores would each take
 * seconds, and the load timeout must measure the plugin's own code, not the queue.
 */
const MAX_PARALLEL_LOADS = Math.max(2, availableParallelism());
let loadsRunning = 0;
const loadQueue: Array<() => void> = [];

async function withLoadSlot<T>(work: () => Promise<T>): Promise<T> {
  if (loadsRunning >= MAX_PARALLEL_LOADS) await new Promise<void>((resolve) => loadQueue.push(resolve));
  loadsRunning++;
  try {
    return await work();
  } finally {
    loadsRunning--;
    loadQueue.shift()?.();
  }
}

/** Starts a worker and loads the plugin module in it; the load timeout starts once the thread is up. */
function loadInWorker(slot: PluginSlot): Promise<Extract<WorkerReply, { type: 'loaded' }>> {
  return withLoadSlot(
    () =>
      new Promise((resolve) => {
        const worker = spawnWorker(slot);
        let timer: ReturnType<typeof setTimeout> | undefined;
        worker.once('online', () => {
          timer = setTimeout(() => {
            send({ type: 'limit', pluginId: slot.id, kind: 'timeout', limit: slot.loadTimeoutMs });
            slot.faulted = true;
            stopWorker(slot);
            resolve({ type: 'loaded', fault: { kind: 'timeout', message: `exceeded its ${slot.loadTimeoutMs} ms timeout` } });
          }, slot.loadTimeoutMs);
        });
        slot.onLoaded = (reply) => {
          clearTimeout(timer);
          resolve(reply);
        };
        worker.postMessage({ type: 'load', bundleFile: slot.bundleFile, entry: slot.entry } satisfies WorkerRequest);
      }),
  );
}

function instantiateInWorker(slot: PluginSlot): Promise<PluginFault | undefined> {
  const worker = slot.worker;
  if (!worker) return Promise.resolve({ kind: 'crash', message: 'the plugin worker is not running' });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      send({ type: 'limit', pluginId: slot.id, kind: 'timeout', limit: slot.loadTimeoutMs });
      slot.faulted = true;
      stopWorker(slot);
      resolve({ kind: 'timeout', message: `exceeded its ${slot.loadTimeoutMs} ms timeout` });
    }, slot.loadTimeoutMs);
    slot.onInstantiated = (fault) => {
      clearTimeout(timer);
      if (!fault) slot.instantiated = true;
      resolve(fault);
    };
    worker.postMessage({ type: 'instantiate' } satisfies WorkerRequest);
  });
}

/** A worker ready for calls: respawned, reloaded and re-instantiated after an earlier fault. */
function ensureReady(slot: PluginSlot): Promise<PluginFault | undefined> {
  if (slot.worker && slot.ready) return slot.ready;
  slot.ready = (async () => {
    const loaded = await loadInWorker(slot);
    if (loaded.fault) return loaded.fault;
    return instantiateInWorker(slot);
  })();
  return slot.ready;
}

async function handleCall(request: Extract<HostRequest, { type: 'call' }>): Promise<void> {
  const slot = slots.get(request.pluginId);
  if (!slot) {
    send({ type: 'result', callId: request.callId, ok: false, fault: { kind: 'crash', message: 'unknown plugin instance' } });
    return;
  }
  const fault = await ensureReady(slot);
  if (fault) {
    send({ type: 'result', callId: request.callId, ok: false, fault });
    return;
  }
  const pending: PendingCall = { request };
  slot.calls.set(request.callId, pending);
  pending.timer = armTimeout(slot, request.callId, request.limits);
  slot.worker!.postMessage({
    type: 'call',
    callId: request.callId,
    kind: request.kind,
    event: request.event,
    context: request.context,
    limits: request.limits,
  } satisfies WorkerRequest);
}

/**
 * The watchdog: this timer runs on the host's main thread, so it fires even while the plugin's own
 * thread is blocked in a synchronous loop, and stops that thread.
 */
function armTimeout(slot: PluginSlot, callId: number, limits: CallLimits): ReturnType<typeof setTimeout> {
  return setTimeout(() => {
    if (!slot.calls.has(callId)) return;
    send({ type: 'limit', pluginId: slot.id, callId, kind: 'timeout', limit: limits.timeoutMs });
    const call = slot.calls.get(callId)!;
    slot.calls.delete(callId);
    send({
      type: 'result',
      callId,
      ok: false,
      fault: { kind: 'timeout', message: `exceeded its ${limits.timeoutMs} ms timeout` },
    });
    void call;
    // Other calls on the same worker die with it; they are reported as stopped by this timeout.
    failSlot(slot, { kind: 'timeout', message: `was stopped with another of its calls that exceeded the ${limits.timeoutMs} ms timeout` });
    stopWorker(slot);
  }, limits.timeoutMs);
}

/** Stops `slot`'s worker for a call that outlived its timeout, failing that call and the others with it. */
function stopForTimeout(slot: PluginSlot, callId: number, limits: CallLimits, message: string): void {
  send({ type: 'limit', pluginId: slot.id, callId, kind: 'timeout', limit: limits.timeoutMs });
  const call = slot.calls.get(callId);
  clearTimeout(call?.timer);
  slot.calls.delete(callId);
  send({ type: 'result', callId, ok: false, fault: { kind: 'timeout', message } });
  failSlot(slot, { kind: 'timeout', message: `was stopped with another of its calls that exceeded the ${limits.timeoutMs} ms timeout` });
  stopWorker(slot);
}

/**
 * A benchmark runs many iterations in one request, so its watchdog times each iteration rather than
 * the request: the worker counts iterations in shared memory (odd while one runs) and this thread,
 * which runs no plugin code, stops the worker when one count stays odd longer than the call timeout.
 */
async function handleBench(request: Extract<HostRequest, { type: 'bench' }>): Promise<void> {
  const slot = slots.get(request.pluginId);
  if (!slot) {
    send({ type: 'bench-result', callId: request.callId, ok: false, fault: { kind: 'crash', message: 'unknown plugin instance' } });
    return;
  }
  const fault = await ensureReady(slot);
  if (fault) {
    send({ type: 'bench-result', callId: request.callId, ok: false, fault });
    return;
  }
  const progress = new SharedArrayBuffer(4);
  const counter = new Int32Array(progress);
  const { timeoutMs } = request.limits;
  const pending: PendingCall = { request };
  slot.calls.set(request.callId, pending);
  let seen = 0;
  let seenAt = performance.now();
  pending.timer = setInterval(
    () => {
      const now = Atomics.load(counter, 0);
      if (now !== seen || now % 2 === 0) {
        seen = now;
        seenAt = performance.now();
        return;
      }
      if (performance.now() - seenAt < timeoutMs) return;
      stopForTimeout(slot, request.callId, request.limits, `a benchmark iteration exceeded its ${timeoutMs} ms timeout`);
    },
    Math.max(5, Math.min(100, timeoutMs / 10)),
  );
  slot.worker!.postMessage({
    type: 'bench',
    callId: request.callId,
    context: request.context,
    limits: request.limits,
    plan: request.plan,
    progress,
  } satisfies WorkerRequest);
}

async function handle(request: HostRequest): Promise<void> {
  switch (request.type) {
    case 'load': {
      const slot: PluginSlot = {
        id: request.pluginId,
        bundleFile: request.bundleFile,
        entry: request.entry,
        heapMb: request.heapMb,
        loadTimeoutMs: request.timeoutMs,
        instantiated: false,
        calls: new Map(),
        faulted: false,
      };
      slots.set(slot.id, slot);
      const reply = await loadInWorker(slot);
      if (!reply.fault) slot.ready = Promise.resolve(undefined);
      send({ type: 'loaded', pluginId: slot.id, info: reply.info, fault: reply.fault });
      return;
    }
    case 'instantiate': {
      const slot = slots.get(request.pluginId);
      let fault: PluginFault | undefined = slot ? undefined : { kind: 'crash', message: 'unknown plugin instance' };
      if (slot && slot.heapMb !== request.heapMb) {
        // The plugin's meta asked for another heap cap than the one it was loaded under.
        slot.heapMb = request.heapMb;
        stopWorker(slot);
        fault = (await loadInWorker(slot)).fault;
      }
      if (slot && !fault) fault = await instantiateInWorker(slot);
      if (slot && !fault) slot.ready = Promise.resolve(undefined);
      send({ type: 'instantiated', pluginId: request.pluginId, fault });
      return;
    }
    case 'call':
      return handleCall(request);
    case 'bench':
      return handleBench(request);
    case 'ping':
      slots.get(request.pluginId)?.worker?.postMessage({ type: 'ping', callId: request.callId } satisfies WorkerRequest);
      return;
    case 'abort':
      for (const slot of slots.values()) slot.worker?.postMessage({ type: 'abort', reason: request.reason } satisfies WorkerRequest);
      return;
    case 'shutdown':
      await Promise.all([...slots.values()].map((slot) => slot.worker?.terminate()));
      process.disconnect?.();
      process.exit(0);
  }
}

export function startHost(): void {
  process.on('message', (request: HostRequest) => void handle(request));
  // The runtime went away (crash or kill): never outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}
