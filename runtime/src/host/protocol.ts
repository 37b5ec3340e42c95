// The typed message protocol across the isolation boundary (spec section 3).
//
//   runtime process  ──IPC──▶  plugin host process  ──MessagePort──▶  one worker per plugin instance
//
// The runtime sends `HostRequest`s to the host; the host's main thread supervises the plugin
// workers (limits, crashes) and relays `HostReply`s back. Worker messages reuse the same shapes,
// without `pluginId` routing. Everything crossing is structured-cloneable data: plugins never get
// a reference to a runtime object.
import type { HookEvent, JsonValue, VisualizationPoint } from '../model/plugin';

/** What a plugin call sees of the run, copied into the plugin's context. */
export interface ContextSnapshot {
  pipeline: { name: string; file: string };
  step?: { id: string; command: string; input: JsonValue };
  command?: string;
  input: JsonValue;
  config: JsonValue;
  /** Pipeline state at the start of the call; the plugin's own writes apply locally at once. */
  state: Record<string, JsonValue>;
  output?: JsonValue;
  error?: string;
  /** Directory the plugin's relative `spawnWorker` modules resolve against. */
  pluginDir: string;
  workspaceRoot: string;
}

/** Why a plugin call or load failed. */
export interface PluginFault {
  /** `invalid`: the module is not a plugin (no default-exported class): the author's input, not a crash. */
  kind: 'invalid' | 'error' | 'timeout' | 'heap' | 'exit' | 'crash';
  message: string;
  stack?: string;
}

export interface CallLimits {
  timeoutMs: number;
  heapMb: number;
}

export type CallKind = 'execute' | 'hook';

export type HostRequest =
  | { type: 'load'; pluginId: number; bundleFile: string; entry: string; heapMb: number; timeoutMs: number }
  /** Creates the instance; a `heapMb` other than the load's restarts the worker under that cap first. */
  | { type: 'instantiate'; pluginId: number; heapMb: number }
  | {
      type: 'call';
      callId: number;
      pluginId: number;
      kind: CallKind;
      event?: HookEvent;
      context: ContextSnapshot;
      limits: CallLimits;
    }
  | { type: 'abort'; reason: string }
  /** A bare round trip to a plugin's worker and back, the reference the benchmark compares calls with. */
  | { type: 'ping'; callId: number; pluginId: number }
  /** Benchmarks the instance's `execute` (or the reference no-op) inside its worker (spec section 11). */
  | {
      type: 'bench';
      callId: number;
      pluginId: number;
      context: ContextSnapshot;
      limits: CallLimits;
      plan: BenchPlan;
    }
  | { type: 'shutdown' };

/** How one benchmark is measured inside the plugin's worker. */
export interface BenchPlan {
  /** `plugin`: the instance's `execute`; `reference`: the runtime's no-op command on the same path. */
  target: 'plugin' | 'reference';
  /** Measuring time in ms (tinybench `time`); with `iterations`, whichever ends later. */
  timeMs: number;
  /** Minimum measured iterations. */
  iterations: number;
  warmupMs: number;
  warmupIterations: number;
  /** At most this many samples come back (quantiles of the sorted samples, so the distribution is kept). */
  maxSamples: number;
  /**
   * A bare loop of `iterations` calls timed as a whole, without tinybench: the yardstick `npm run bench`
   * holds plugin-bench's own measurement against (one sample, the mean).
   */
  bareLoop?: boolean;
}

/** What a benchmark measured inside the worker: the plugin's own figures (milliseconds, bytes). */
export interface BenchFigures {
  samples: number;
  /** Calls per sample: 1, or more for calls too fast to time one by one (each sample is then a batch's mean). */
  batch: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  sdMs: number;
  /** Half-width of tinybench's 95% confidence interval of the mean, and the same relative to it (%). */
  moeMs: number;
  rmePercent: number;
  opsPerSec: number;
  /** Largest V8 heap seen after an iteration, and heap after the run minus before it (no forced GC). */
  peakHeapBytes: number;
  heapGrowthBytes: number;
  /** The retained samples, sorted (at most `plan.maxSamples`). */
  sampleMs: number[];
  /** What the plugin did meanwhile; counted, not forwarded (a benchmark would flood the runtime). */
  logs: number;
  stateWrites: number;
  points: number;
  /** The first error-level log line, if any. */
  firstErrorLog?: string;
  library: string;
}

/** What a module load tells the runtime about the plugin class it found. */
export interface LoadedModuleInfo {
  meta: unknown;
  hasExecute: boolean;
  hasOnHook: boolean;
}

export type HostReply =
  | { type: 'ready' }
  | { type: 'loaded'; pluginId: number; info?: LoadedModuleInfo; fault?: PluginFault }
  | { type: 'instantiated'; pluginId: number; fault?: PluginFault }
  | { type: 'result'; callId: number; ok: true; value: JsonValue | undefined }
  | { type: 'result'; callId: number; ok: false; fault: PluginFault }
  | { type: 'pong'; callId: number }
  | { type: 'bench-result'; callId: number; ok: true; figures: BenchFigures }
  | { type: 'bench-result'; callId: number; ok: false; fault: PluginFault }
  | { type: 'log'; pluginId: number; callId?: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'metrics'; pluginId: number; callId?: number; points: VisualizationPoint[]; dropped: number }
  | { type: 'state-set'; pluginId: number; callId?: number; key: string; value: JsonValue }
  | { type: 'limit'; pluginId: number; callId?: number; kind: 'timeout' | 'heap'; limit: number }
  | {
      type: 'worker';
      pluginId: number;
      callId?: number;
      phase: 'start' | 'end';
      module: string;
      durationMs?: number;
      status?: 'ok' | 'failed';
      error?: string;
    };

/** Messages a plugin worker posts to the host's main thread (routing added by the host). */
export type WorkerReply = DistributiveOmit<Exclude<HostReply, { type: 'ready' | 'limit' }>, 'pluginId'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Messages the host's main thread posts to a plugin worker. */
export type WorkerRequest =
  | { type: 'load'; bundleFile: string; entry: string }
  | { type: 'instantiate' }
  | { type: 'call'; callId: number; kind: CallKind; event?: HookEvent; context: ContextSnapshot; limits: CallLimits }
  | { type: 'abort'; reason: string }
  /** The host relayed a metrics batch; the worker may send the next one (back-pressure). */
  | { type: 'metrics-ack' }
  | { type: 'ping'; callId: number }
  /** `progress` holds one Int32: odd while an iteration runs, so the host's watchdog can time each one. */
  | { type: 'bench'; callId: number; context: ContextSnapshot; limits: CallLimits; plan: BenchPlan; progress: SharedArrayBuffer };
