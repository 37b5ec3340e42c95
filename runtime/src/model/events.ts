// The runtime's one output channel (spec section 6). The CLI prints these, `--json` streams them as
// NDJSON, the run record stores them, and the editor's panels consume the same objects.
import type { JsonValue } from './plugin';

interface EventBase {
  /** ms since epoch */
  time: number;
}

export type StepStatus = 'ok' | 'failed' | 'skipped';
export type RunStatus = 'ok' | 'failed' | 'cancelled';

export interface RunStartEvent extends EventBase {
  type: 'run-start';
  pipeline: string;
  file: string;
  runId: string;
  /** Path of plugins.log when --debug-plugins is on. */
  debugLog?: string;
}
export interface PluginLoadEvent extends EventBase {
  type: 'plugin-load';
  name: string;
  version: string;
  order: number;
  reason: string;
  entry: string;
  attestation?: string;
}
export interface PluginErrorEvent extends EventBase {
  type: 'plugin-error';
  plugin?: string;
  /** The diagnostic's code (`plugin/attestation`, `pipeline/unknown-command`, …), when it is one. */
  code?: string;
  message: string;
  file?: string;
  /** 1-based position in `file`, when the problem has one. */
  line?: number;
  column?: number;
}
export interface HookStartEvent extends EventBase {
  type: 'hook-start';
  event: string;
  plugin: string;
  stepId?: string;
}
export interface HookEndEvent extends EventBase {
  type: 'hook-end';
  event: string;
  plugin: string;
  stepId?: string;
  durationMs: number;
  status: 'ok' | 'failed';
  error?: string;
  /** What the handler changed: `input`, `output` or `skip`. */
  effect?: 'input' | 'output' | 'skip';
}
export interface StepStartEvent extends EventBase {
  type: 'step-start';
  stepId: string;
  command: string;
  plugin: string;
}
export interface StepEndEvent extends EventBase {
  type: 'step-end';
  stepId: string;
  command: string;
  plugin: string;
  status: StepStatus;
  durationMs: number;
  output?: JsonValue;
  error?: string;
  /** For a skip: why, and which plugin asked (absent when a dependency failed). */
  reason?: string;
  skippedBy?: string;
  continueOnError?: boolean;
  /** The input `execute` was called with and the plugin's config block: what a replay needs. */
  input?: JsonValue;
  config?: JsonValue;
}
export interface LogEvent extends EventBase {
  type: 'log';
  plugin: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  stepId?: string;
}
export interface MetricEvent extends EventBase {
  type: 'metric';
  plugin: string;
  chart: string;
  kind: string;
  value: JsonValue;
  unit?: string;
  series?: string;
  label?: string;
  stepId?: string;
}
export interface StateEvent extends EventBase {
  type: 'state';
  key: string;
  plugin: string;
  stepId?: string;
  /** The value written, so that a record knows the state at every step (replay). */
  value?: JsonValue;
}
export interface LimitEvent extends EventBase {
  type: 'limit';
  plugin: string;
  kind: 'timeout' | 'heap';
  limit: number;
  stepId?: string;
}
export interface WarningEvent extends EventBase {
  type: 'warning';
  message: string;
  plugin?: string;
}
export interface RunEndEvent extends EventBase {
  type: 'run-end';
  status: RunStatus;
  durationMs: number;
  runId: string;
  error?: string;
}

export type AetherEvent =
  | RunStartEvent
  | PluginLoadEvent
  | PluginErrorEvent
  | HookStartEvent
  | HookEndEvent
  | StepStartEvent
  | StepEndEvent
  | LogEvent
  | MetricEvent
  | StateEvent
  | LimitEvent
  | WarningEvent
  | RunEndEvent;

export type AetherEventType = AetherEvent['type'];

/** An event as emitted, before the runtime stamps its time. */
export type EventInput = AetherEvent extends infer E ? (E extends AetherEvent ? Omit<E, 'time'> : never) : never;
