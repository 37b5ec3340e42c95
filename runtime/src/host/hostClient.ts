// The runtime's side of the isolation boundary: forks the plugin host process, matches replies to
// calls, and restarts the host when a plugin takes the whole process down.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HookEvent, JsonValue } from '../model/plugin';
import type {
  BenchFigures,
  BenchPlan,
  CallKind,
  CallLimits,
  ContextSnapshot,
  HostReply,
  HostRequest,
  LoadedModuleInfo,
  PluginFault,
} from './protocol';

/**
 * Node 20 calls the permission model `--experimental-permission`; from 22.13 and 23.5 it is
 * `--permission`, and Node 24 (code-server, recent editors) rejects the old name outright.
 */
export function permissionFlag(version: string = process.versions.node): string {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const stable = major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? '--permission' : '--experimental-permission';
}

export type CallOutcome = { ok: true; value: JsonValue | undefined } | { ok: false; fault: PluginFault };

export type BenchOutcome = { ok: true; figures: BenchFigures } | { ok: false; fault: PluginFault };

/** Messages the host relays while plugins run (logs, metrics, state writes, limits, workers). */
export type HostNotification = Extract<HostReply, { type: 'log' | 'metrics' | 'state-set' | 'limit' | 'worker' }>;

export interface HostCrash {
  /** Plugin instances that had a call or a load in flight when the host died. */
  pluginIds: number[];
  /** The calls in flight, with the tag each was started with (the step id). */
  calls: Array<{ pluginId: number; tag?: string }>;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** V8 reported running out of heap (one allocation too large for the worker's own check). */
  outOfMemory: boolean;
}

export interface PluginHostOptions {
  /** The bundled host entry (`runtime/dist/pluginHost.js`). */
  hostModule: string;
  /** Working directory of the host process (the workspace). */
  cwd: string;
  /**
   * What the host's plugins may touch (Node's permission model, process-wide; `PluginHosts` starts
   * one host per plugin so that each gets exactly its own). Without it: reads anywhere, writes in
   * the workspace (`cwd`) alone, the whole environment; for tools and tests that host by hand.
   */
  grant?: HostGrant;
  /** Hands out call ids, shared by the hosts of one run so that ids never collide across them. */
  nextCallId?: () => number;
  /**
   * Opens the Node inspector on 127.0.0.1 (spec section 10). Node's inspector is not available under
   * its permission model, so an inspected host runs without it (and without `grant`), and no call
   * timeout fires: a plugin paused at a breakpoint must not be stopped.
   */
  inspect?: InspectOptions;
  onNotification: (message: HostNotification) => void;
  onCrash: (crash: HostCrash) => void;
}

export interface InspectOptions {
  /** 0: any free port. */
  port: number;
  /** Wait for a debugger before any code runs (`--inspect-brk`). */
  brk: boolean;
  /** The inspector's WebSocket URL, once the host listens. */
  onListening?: (url: string) => void;
}

/** setTimeout's longest delay: a timeout that never fires while a debugger holds the plugin. */
export const SUSPENDED_TIMEOUT_MS = 2 ** 31 - 1;

/** Absolute paths a host may read and write, and the environment variables it is given. */
export interface HostGrant {
  read: string[];
  write: string[];
  env: string[];
}

/** Node's permission flags for a grant. */
export function permissionArgs(grant: HostGrant | undefined, cwd: string): string[] {
  if (!grant) return ['--allow-fs-read=*', `--allow-fs-write=${cwd}`];
  // A path and everything below it. Node grants a folder's contents only for folders that exist when
  // the host starts, so one that does not exist yet (a `dist/` the plugin creates) also gets `dir/*`;
  // Node 20 aborts when given both forms for a folder that exists.
  const below = (dir: string) => (existsSync(dir) ? [dir] : [dir, path.join(dir, '*')]);
  return [
    ...grant.read.flatMap(below).map((dir) => `--allow-fs-read=${dir}`),
    ...grant.write.flatMap(below).map((dir) => `--allow-fs-write=${dir}`),
  ];
}

function environmentOf(grant: HostGrant | undefined): NodeJS.ProcessEnv {
  // NODE_OPTIONS from the user's shell must not reach the host (it could drop the permission flags).
  if (!grant) return { ...process.env, NODE_OPTIONS: '' };
  const env: NodeJS.ProcessEnv = { NODE_OPTIONS: '' };
  for (const name of grant.env) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

interface KnownPlugin {
  load: Extract<HostRequest, { type: 'load' }>;
  instantiated: boolean;
}

type Waiter = (reply: HostReply) => void;

export class PluginHostClient {
  private child: ChildProcess | undefined;
  private starting: Promise<void> | undefined;
  private callCounter = 1;
  private readonly nextCallId: () => number;
  private readonly calls = new Map<number, { pluginId: number; tag?: string; resolve: (outcome: CallOutcome) => void }>();
  private readonly loads = new Map<number, Waiter>();
  private readonly instantiations = new Map<number, Waiter>();
  private readonly known = new Map<number, KnownPlugin>();
  private readonly pings = new Map<number, () => void>();
  private readonly benches = new Map<number, { pluginId: number; resolve: (outcome: BenchOutcome) => void }>();
  private stderrTail = '';
  private closed = false;
  /** Set by `kill()`: the host's exit is ours, not a plugin's fault. */
  private killReason: string | undefined;

  constructor(private readonly options: PluginHostOptions) {
    this.nextCallId = options.nextCallId ?? (() => this.callCounter++);
  }

  /** Process id of the current host, for tests that check nothing is left behind. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const child = fork(this.options.hostModule, [], {
        cwd: this.options.cwd,
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: this.options.inspect
          ? [
              '--enable-source-maps',
              `--inspect${this.options.inspect.brk ? '-brk' : ''}=127.0.0.1:${this.options.inspect.port}`,
              '--no-warnings',
            ]
          : [
              '--enable-source-maps',
              // The permission model: no child processes, no native addons, reads and writes only where
              // granted. Worker threads stay allowed: each plugin runs in one.
              permissionFlag(),
              ...permissionArgs(this.options.grant, this.options.cwd),
              '--allow-worker',
              '--no-warnings',
            ],
        env: environmentOf(this.options.grant),
      });
      this.child = child;
      this.stderrTail = '';
      child.stdout?.resume();
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        this.stderrTail = (this.stderrTail + chunk).slice(-8192);
        const listening = this.options.inspect && /Debugger listening on (ws:\/\/\S+)/.exec(chunk);
        if (listening) this.options.inspect!.onListening?.(listening[1]!);
      });
      child.on('message', (reply: HostReply) => {
        if (reply.type === 'ready') resolve();
        else this.onReply(reply);
      });
      child.on('error', (error) => reject(error));
      child.on('exit', (code, signal) => {
        // A host that dies before saying `ready` must not leave its starters waiting forever.
        reject(
          new Error(
            `the plugin host exited before it was ready (${signal ?? `code ${code}`}): ${this.stderrTail.trim().split('\n').at(-1) ?? ''}`,
          ),
        );
        this.onExit(child, code, signal);
      });
    });
    return this.starting;
  }

  private onReply(reply: HostReply): void {
    switch (reply.type) {
      case 'loaded': {
        const waiter = this.loads.get(reply.pluginId);
        this.loads.delete(reply.pluginId);
        waiter?.(reply);
        return;
      }
      case 'instantiated': {
        const waiter = this.instantiations.get(reply.pluginId);
        this.instantiations.delete(reply.pluginId);
        waiter?.(reply);
        return;
      }
      case 'bench-result': {
        const bench = this.benches.get(reply.callId);
        this.benches.delete(reply.callId);
        bench?.resolve(reply.ok ? { ok: true, figures: reply.figures } : { ok: false, fault: reply.fault });
        return;
      }
      case 'result': {
        const bench = this.benches.get(reply.callId);
        if (bench && !reply.ok) {
          // A limit (timeout, heap, exit) ended the benchmark's worker.
          this.benches.delete(reply.callId);
          bench.resolve({ ok: false, fault: reply.fault });
          return;
        }
        const call = this.calls.get(reply.callId);
        this.calls.delete(reply.callId);
        call?.resolve(reply.ok ? { ok: true, value: reply.value } : { ok: false, fault: reply.fault });
        return;
      }
      case 'pong': {
        const waiter = this.pings.get(reply.callId);
        this.pings.delete(reply.callId);
        waiter?.();
        return;
      }
      case 'ready':
        return;
      default:
        this.options.onNotification(reply);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.starting = undefined;
    if (this.closed || this.killReason !== undefined) {
      this.failEverything({ kind: 'crash', message: this.killReason ?? 'was stopped: the plugin host shut down' });
      this.killReason = undefined;
      return;
    }
    const outOfMemory = /heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail);
    const pluginIds = new Set<number>([
      ...[...this.calls.values()].map((call) => call.pluginId),
      ...[...this.benches.values()].map((bench) => bench.pluginId),
      ...this.loads.keys(),
      ...this.instantiations.keys(),
    ]);
    const calls = [...this.calls.values()].map(({ pluginId, tag }) => ({ pluginId, tag }));
    const crash: HostCrash = { pluginIds: [...pluginIds], calls, code, signal, outOfMemory };
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const fault: PluginFault = outOfMemory
      ? {
          kind: 'heap',
          message: 'exceeded its heap limit (one allocation too large to stop in time took the plugin host down; it was restarted)',
        }
      : { kind: 'crash', message: `crashed the plugin host (the host ${how}: process.abort() or a native crash; it was restarted)` };
    this.options.onCrash(crash);
    this.failEverything(fault);
  }

  /** Settles every call, load and instantiation in flight with `fault`. */
  private failEverything(fault: PluginFault): void {
    for (const [callId, call] of this.calls) {
      this.calls.delete(callId);
      call.resolve({ ok: false, fault });
    }
    for (const [callId, bench] of this.benches) {
      this.benches.delete(callId);
      bench.resolve({ ok: false, fault });
    }
    for (const [pluginId, waiter] of this.loads) {
      this.loads.delete(pluginId);
      waiter({ type: 'loaded', pluginId, fault });
    }
    for (const [pluginId, waiter] of this.instantiations) {
      this.instantiations.delete(pluginId);
      waiter({ type: 'instantiated', pluginId, fault });
    }
  }

  private async request(message: HostRequest): Promise<void> {
    await this.ensureHost();
    this.child?.send(message);
  }

  /** A running host with every plugin loaded so far: a host that died is restarted and reloaded. */
  private async ensureHost(): Promise<void> {
    if (this.child && this.starting) return this.starting;
    await this.start();
    const restored = [...this.known.values()];
    for (const plugin of restored) {
      if (!this.known.has(plugin.load.pluginId)) continue;
      const reply = await this.roundTrip(this.loads, plugin.load.pluginId, plugin.load);
      if (reply.type === 'loaded' && !reply.fault && plugin.instantiated) {
        const { pluginId, heapMb } = plugin.load;
        await this.roundTrip(this.instantiations, pluginId, { type: 'instantiate', pluginId, heapMb });
      }
    }
  }

  private roundTrip(waiters: Map<number, Waiter>, pluginId: number, message: HostRequest): Promise<HostReply> {
    return new Promise((resolve) => {
      if (!this.child) {
        const fault: PluginFault = { kind: 'crash', message: 'the plugin host is not running' };
        resolve(message.type === 'load' ? { type: 'loaded', pluginId, fault } : { type: 'instantiated', pluginId, fault });
        return;
      }
      waiters.set(pluginId, resolve);
      this.child.send(message);
    });
  }

  /** Starts the host process now, so its start-up overlaps discovery and compilation. */
  warmUp(): void {
    this.ensureHost().catch(() => {
      // A host that cannot start fails the first real request, with its reason.
    });
  }

  /** Loads a compiled plugin into its own worker and returns what its module exports. */
  async load(
    pluginId: number,
    bundleFile: string,
    entry: string,
    limits: CallLimits,
  ): Promise<{ info?: LoadedModuleInfo; fault?: PluginFault }> {
    await this.ensureHost();
    const timeoutMs = this.options.inspect ? SUSPENDED_TIMEOUT_MS : limits.timeoutMs;
    const load: HostRequest = { type: 'load', pluginId, bundleFile, entry, heapMb: limits.heapMb, timeoutMs };
    const reply = await this.roundTrip(this.loads, pluginId, load);
    if (reply.type !== 'loaded') throw new Error('unexpected reply from the plugin host');
    if (!reply.fault) this.known.set(pluginId, { load, instantiated: false });
    return { info: reply.info, fault: reply.fault };
  }

  async instantiate(pluginId: number, heapMb: number): Promise<PluginFault | undefined> {
    await this.ensureHost();
    const reply = await this.roundTrip(this.instantiations, pluginId, { type: 'instantiate', pluginId, heapMb });
    if (reply.type !== 'instantiated') throw new Error('unexpected reply from the plugin host');
    const known = this.known.get(pluginId);
    if (known && !reply.fault) {
      known.instantiated = true;
      known.load.heapMb = heapMb;
    }
    return reply.fault;
  }

  async call(
    pluginId: number,
    kind: CallKind,
    event: HookEvent | undefined,
    context: ContextSnapshot,
    limits: CallLimits,
    /** Opaque label returned by `tagOf(callId)` while the call runs (the engine uses the step id). */
    tag?: string,
  ): Promise<CallOutcome> {
    await this.ensureHost();
    const callId = this.nextCallId();
    return new Promise<CallOutcome>((resolve) => {
      if (!this.child) {
        resolve({ ok: false, fault: { kind: 'crash', message: 'the plugin host is not running' } });
        return;
      }
      this.calls.set(callId, { pluginId, tag, resolve });
      const held = this.options.inspect ? { ...limits, timeoutMs: SUSPENDED_TIMEOUT_MS } : limits;
      this.child.send({ type: 'call', callId, pluginId, kind, event, context, limits: held } satisfies HostRequest);
    });
  }

  /** A bare round trip to the plugin's worker: the transport's own cost, for the benchmark. */
  async ping(pluginId: number): Promise<void> {
    await this.ensureHost();
    const callId = this.nextCallId();
    return new Promise((resolve) => {
      this.pings.set(callId, resolve);
      this.child?.send({ type: 'ping', callId, pluginId } satisfies HostRequest);
    });
  }

  /** Benchmarks the instance's `execute` (or the reference no-op) with tinybench inside its worker. */
  async bench(pluginId: number, context: ContextSnapshot, limits: CallLimits, plan: BenchPlan): Promise<BenchOutcome> {
    await this.ensureHost();
    const callId = this.nextCallId();
    return new Promise<BenchOutcome>((resolve) => {
      if (!this.child) {
        resolve({ ok: false, fault: { kind: 'crash', message: 'the plugin host is not running' } });
        return;
      }
      this.benches.set(callId, { pluginId, resolve });
      this.child.send({ type: 'bench', callId, pluginId, context, limits, plan } satisfies HostRequest);
    });
  }

  tagOf(callId: number | undefined): string | undefined {
    return callId === undefined ? undefined : this.calls.get(callId)?.tag;
  }

  /** Aborts `ctx.signal` in every plugin call in flight. */
  abort(reason: string): void {
    if (this.child) void this.request({ type: 'abort', reason });
  }

  /**
   * Stops the host at once (the cancel grace period ran out). Calls in flight fail with `reason`;
   * a later call starts a fresh host, so `pipeline-end` hooks can still run.
   */
  kill(reason: string): void {
    if (!this.child) return;
    this.killReason = reason;
    this.child.kill('SIGKILL');
  }

  /** Stops the host: politely, then by force after `graceMs`. Safe to call twice. */
  async shutdown(graceMs = 2000): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.send({ type: 'shutdown' } satisfies HostRequest);
      else child.kill('SIGKILL');
    });
  }
}
