// The embedded runtime as the extension uses it, built as its own bundle (dist/client/runtime.js) and
// loaded on first use by embeddedRuntime.ts, so activation never parses the runtime's code.
export { runPipeline } from '../../../runtime/src/engine/runPipeline';
export { parsePipeline } from '../../../runtime/src/pipeline';
export { syncPlugins } from '../../../runtime/src/engine/syncPlugins';
export { inspectWorkspacePlugins } from '../../../runtime/src/engine/workspacePlugins';
export { findWorkspaceRoot } from '../../../runtime/src/config/workspace';
export { runSandbox, SANDBOX_CACHE_DIR } from '../../../runtime/src/sandbox/runSandbox';
export { parseSandboxFile } from '../../../runtime/src/sandbox/sandboxFile';
export { runBench, parseBenchFile, readBaseline, latestBenchSummary } from '../../../runtime/src/pluginBench';
export { defaultBundles } from '../../../runtime/src/engine/runtimePaths';
export { AetherDebugSession } from '../../../runtime/src/debug/debugSession';
export { replayStep } from '../../../runtime/src/engine/replayStep';
export { readInstalledPlugins } from '../plugins/installedPlugins';
