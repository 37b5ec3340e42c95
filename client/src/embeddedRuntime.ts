// The embedded runtime, evaluated on first use. esbuild turns these require() calls into lazy module
// initialisers, so activation only parses the runtime's code; ajv schemas, yaml and the host client
// are set up when the first run, sync or sandbox test needs them.
import path from 'node:path';
import type * as RunPipelineModule from '../../runtime/src/engine/runPipeline';
import type * as RuntimePathsModule from '../../runtime/src/engine/runtimePaths';
import type * as PipelineModule from '../../runtime/src/pipeline';
import type * as SyncModule from '../../runtime/src/engine/syncPlugins';
import type * as InspectModule from '../../runtime/src/engine/workspacePlugins';
import type * as WorkspaceModule from '../../runtime/src/config/workspace';
import type * as RunSandboxModule from '../../runtime/src/sandbox/runSandbox';
import type * as SandboxFileModule from '../../runtime/src/sandbox/sandboxFile';
import type { RuntimeBundles } from '../../runtime/src/engine/runtimePaths';

export const embeddedRuntime = {
  get runPipeline(): typeof RunPipelineModule.runPipeline {
    return (require('../../runtime/src/engine/runPipeline') as typeof RunPipelineModule).runPipeline;
  },
  get parsePipeline(): typeof PipelineModule.parsePipeline {
    return (require('../../runtime/src/pipeline') as typeof PipelineModule).parsePipeline;
  },
  get syncPlugins(): typeof SyncModule.syncPlugins {
    return (require('../../runtime/src/engine/syncPlugins') as typeof SyncModule).syncPlugins;
  },
  get inspectWorkspacePlugins(): typeof InspectModule.inspectWorkspacePlugins {
    return (require('../../runtime/src/engine/workspacePlugins') as typeof InspectModule).inspectWorkspacePlugins;
  },
  get findWorkspaceRoot(): typeof WorkspaceModule.findWorkspaceRoot {
    return (require('../../runtime/src/config/workspace') as typeof WorkspaceModule).findWorkspaceRoot;
  },
  get runSandbox(): typeof RunSandboxModule.runSandbox {
    return (require('../../runtime/src/sandbox/runSandbox') as typeof RunSandboxModule).runSandbox;
  },
  get parseSandboxFile(): typeof SandboxFileModule.parseSandboxFile {
    return (require('../../runtime/src/sandbox/sandboxFile') as typeof SandboxFileModule).parseSandboxFile;
  },
};

/** The plugin host and the `aetherscript-core` module plugins import, as shipped in the .vsix. */
export function runtimeBundles(extensionPath: string): RuntimeBundles {
  return (require('../../runtime/src/engine/runtimePaths') as typeof RuntimePathsModule).defaultBundles(
    path.join(extensionPath, 'runtime', 'dist'),
  );
}
