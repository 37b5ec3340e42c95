// The plugin contract of spec section 1: what a plugin module exports and what it receives.
// Plugins import these types from 'aetherscript-core'; type-only imports cost nothing at run time.

/** JSON Schema (draft-07 / 2019-09 subset understood by ajv). */
export type JsonSchema = Record<string, unknown> | boolean;

/** A JSON value: what state, inputs and outputs may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The five lifecycle events a plugin may subscribe to, in the order a run meets them. */
export const HOOK_EVENTS = ['pipeline-start', 'pre-execute', 'post-execute', 'post-failure', 'pipeline-end'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** One command a plugin adds; steps call it by name (`run: upload`) or qualified (`run: s3-upload/upload`). */
export interface CommandMeta {
  description?: string;
  /** JSON Schema of the step's `with`. */
  input?: JsonSchema;
}

/** Resource limits for one plugin instance (spec section 3). */
export interface PluginLimits {
  /** Longest a single synchronous operation may block (default 5000). */
  timeoutMs?: number;
  /** Heap cap of the plugin instance (default 256). */
  heapMb?: number;
}

/**
 * What a plugin may touch beyond its own folder (spec section 7), paths relative to the workspace.
 * A plugin that declares nothing reads only its own folder and writes nowhere. Enforced by the
 * plugin host's process-wide permission model, one host per plugin.
 */
export interface PluginPermissions {
  fs?: {
    /** Files or folders (a trailing `/` is optional) the plugin may read. */
    read?: string[];
    /** Files or folders the plugin may write (and read). */
    write?: string[];
  };
  /** Environment variables the plugin sees in `process.env`; no other is passed to its host. */
  env?: string[];
}

/** `static meta` of a plugin class. */
export interface PluginMeta {
  name: string;
  version: string;
  description?: string;
  engines?: { aetherscript?: string };
  dependencies?: Record<string, string>;
  commands?: Record<string, CommandMeta>;
  hooks?: HookEvent[];
  config?: JsonSchema;
  limits?: PluginLimits;
  permissions?: PluginPermissions;
}

/** What a `pre-execute` or `post-execute` handler may return to change the run. */
export type HookResult = { input?: JsonValue; skip?: string; output?: JsonValue } | undefined | void;

export interface PluginLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** A point for the real-time dashboard. */
export interface VisualizationPoint {
  chart: string;
  kind: 'line' | 'bar' | 'gauge' | 'table';
  value: JsonValue;
  unit?: string;
  series?: string;
  label?: string;
}

export interface SpawnWorkerOptions {
  timeoutMs?: number;
  heapMb?: number;
}

/** Pipeline state shared by all steps of a run; values are JSON. */
export interface PipelineState {
  get<T extends JsonValue = JsonValue>(key: string): T | undefined;
  set(key: string, value: JsonValue): void;
}

/** Everything a plugin can reach of the runtime (spec section 4). */
export interface ExecutionContext {
  readonly pipeline: { name: string; file: string };
  /** The step being run, or the step a hook is about; absent for run-level hooks. */
  readonly step?: { id: string; command: string; input: JsonValue };
  readonly command?: string;
  /** The step's `with`, expressions resolved. */
  readonly input: JsonValue;
  /** This plugin's block under `plugins:` in the pipeline. */
  readonly config: JsonValue;
  readonly state: PipelineState;
  readonly log: PluginLogger;
  /** For hooks: the step's output (`post-execute`) or error message (`post-failure`). */
  readonly output?: JsonValue;
  readonly error?: string;
  visualize(point: VisualizationPoint): void;
  spawnWorker<T = JsonValue>(module: string, input: JsonValue, options?: SpawnWorkerOptions): Promise<T>;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
}

/** The interface a plugin's default-exported class implements. */
export interface Plugin {
  execute(ctx: ExecutionContext): unknown;
  onHook?(event: HookEvent, ctx: ExecutionContext): HookResult | Promise<HookResult>;
}

/** The class itself, as the module default-exports it. */
export interface PluginClass {
  new (): Plugin;
  meta: PluginMeta;
}
