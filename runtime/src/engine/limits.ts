// Which limit applies to a plugin call: the step's `timeout`, else the pipeline's `settings`, else the
// plugin's own `meta.limits`, else the defaults of spec section 3. The pipeline author has the last word.
import type { Pipeline, PipelineStep } from '../model/pipeline';
import type { PluginMeta } from '../model/plugin';
import type { CallLimits } from '../host/protocol';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_HEAP_MB = 256;

export function heapLimitOf(meta: PluginMeta | undefined, pipeline: Pipeline | undefined): number {
  return pipeline?.settings.heapMb ?? meta?.limits?.heapMb ?? DEFAULT_HEAP_MB;
}

export function callLimitsOf(meta: PluginMeta | undefined, pipeline: Pipeline | undefined, step?: PipelineStep): CallLimits {
  return {
    timeoutMs: step?.timeoutMs ?? pipeline?.settings.timeoutMs ?? meta?.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    heapMb: heapLimitOf(meta, pipeline),
  };
}
