// Which limit applies to a plugin call: the step's `timeout`, else the pipeline's `settings`, else the
// plugin's own `meta.limits`, else the defaults (spec section 3, or the editor's `aether.limits.*`
// settings through RunOptions.defaultLimits). The pipeline author has the last word.
import type { Pipeline, PipelineStep } from '../model/pipeline';
import type { PluginMeta } from '../model/plugin';
import type { CallLimits } from '../host/protocol';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_HEAP_MB = 256;

/** The limits of a plugin that neither its meta nor the pipeline sets. */
export interface LimitDefaults {
  timeoutMs: number;
  heapMb: number;
}

export const SPEC_DEFAULT_LIMITS: LimitDefaults = { timeoutMs: DEFAULT_TIMEOUT_MS, heapMb: DEFAULT_HEAP_MB };

export function heapLimitOf(
  meta: PluginMeta | undefined,
  pipeline: Pipeline | undefined,
  defaults: LimitDefaults = SPEC_DEFAULT_LIMITS,
): number {
  return pipeline?.settings.heapMb ?? meta?.limits?.heapMb ?? defaults.heapMb;
}

export function callLimitsOf(
  meta: PluginMeta | undefined,
  pipeline: Pipeline | undefined,
  step?: PipelineStep,
  defaults: LimitDefaults = SPEC_DEFAULT_LIMITS,
): CallLimits {
  return {
    timeoutMs: step?.timeoutMs ?? pipeline?.settings.timeoutMs ?? meta?.limits?.timeoutMs ?? defaults.timeoutMs,
    heapMb: heapLimitOf(meta, pipeline, defaults),
  };
}
