// The workspace's plugins without a pipeline: for `plugins list`, `plugins sync` and `validate`.
// Plugins are still loaded in the isolated host (their meta is a static field of their class).
import { PluginHosts } from '../host/hostPool';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { Pipeline } from '../model/pipeline';
import { readConfig, type AetherConfig } from '../config/workspace';
import { RUNTIME_VERSION } from '../version';
import { loadPlugins, type LoadFault, type PluginSet } from './pluginSet';
import { defaultBundles, type RuntimeBundles } from './runtimePaths';

export interface WorkspacePlugins {
  config: AetherConfig;
  set: PluginSet;
  diagnostics: AetherDiagnostic[];
  faults: LoadFault[];
  /** Plugins on disk that the synced `aether.plugins` list leaves out (not loaded). */
  notSynced: string[];
}

export interface InspectOptions {
  workspaceRoot: string;
  /** Ignore `aether.plugins` and discover (what `sync` does). */
  discover?: boolean;
  pipeline?: Pipeline;
  bundles?: RuntimeBundles;
  /** Check attestations against `aether.trust` (default true; `plugins sign` turns it off). */
  checkTrust?: boolean;
}

export async function inspectWorkspacePlugins(options: InspectOptions): Promise<WorkspacePlugins> {
  const bundles = options.bundles ?? defaultBundles();
  const config = readConfig(options.workspaceRoot);
  const host = new PluginHosts({
    hostModule: bundles.hostModule,
    cwd: options.workspaceRoot,
    onNotification: () => {},
    onCrash: () => {},
  });
  try {
    const loaded = await loadPlugins({
      workspaceRoot: options.workspaceRoot,
      config: options.discover ? { ...config, plugins: undefined } : config,
      host,
      apiModule: bundles.apiModule,
      runtimeVersion: RUNTIME_VERSION,
      pipeline: options.pipeline,
      checkTrust: options.checkTrust,
    });
    return { config, ...loaded };
  } finally {
    await host.shutdown();
  }
}
