// What `import … from 'aetherscript-core'` gives a plugin at run time (the runtime aliases the
// package to this module when it loads a plugin). Types come from the same files, type-only.
export { HOOK_EVENTS } from './model/plugin';
export type {
  Plugin,
  PluginClass,
  PluginMeta,
  CommandMeta,
  PluginLimits,
  ExecutionContext,
  HookEvent,
  HookResult,
  JsonValue,
  JsonSchema,
  PluginLogger,
  PipelineState,
  VisualizationPoint,
  SpawnWorkerOptions,
} from './model/plugin';
