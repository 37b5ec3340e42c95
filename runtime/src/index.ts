// aetherscript-core as a library: what the language server and the VS Code extension embed.
export * from './model/plugin';
export * from './model/diagnostics';
export type * from './model/events';
export type * from './model/pipeline';
export type * from './model/catalog';
export { RUNTIME_VERSION } from './version';
export { runPipeline, type RunOptions, type RunResult, type ExitCode } from './engine/runPipeline';
export { inspectWorkspacePlugins, type WorkspacePlugins } from './engine/workspacePlugins';
export { syncPlugins, type SyncResult } from './engine/syncPlugins';
export { checkPipelineAgainstPlugins, checkPipeline, catalogOfLoadedPlugins, type PluginCatalogView } from './engine/pipelineCheck';
export { defaultBundles, type RuntimeBundles } from './engine/runtimePaths';
export { findWorkspaceRoot, readConfig } from './config/workspace';
export * as pipelines from './pipeline';
export * as plugins from './plugins';
