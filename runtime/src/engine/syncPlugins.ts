// `aether plugins sync` (spec section 2): discover, validate, resolve, and write `aether.plugins` into
// aether.config.json — all or nothing, atomically, keeping every other key.
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import { CONFIG_FILE, type SyncedPlugin } from '../config/workspace';
import { updateJsonFile } from '../config/jsonFile';
import { inspectWorkspacePlugins } from './workspacePlugins';
import { integrityOf } from './syncedPlugins';
import type { RuntimeBundles } from './runtimePaths';

export interface SyncResult {
  ok: boolean;
  file: string;
  plugins: SyncedPlugin[];
  diagnostics: AetherDiagnostic[];
  changed: boolean;
}

function posix(file: string): string {
  return file.split(path.sep).join('/');
}

export async function syncPlugins(workspaceRoot: string, bundles?: RuntimeBundles): Promise<SyncResult> {
  const file = path.join(workspaceRoot, CONFIG_FILE);
  const inspected = await inspectWorkspacePlugins({ workspaceRoot, discover: true, bundles });
  const diagnostics = [...inspected.diagnostics];
  for (const fault of inspected.faults) {
    diagnostics.push({ code: 'plugin/load-failed', severity: 'error', file: fault.entry, plugin: fault.plugin, message: `plugin "${fault.plugin}" failed while loading: ${fault.fault.message}` });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, file, plugins: [], diagnostics, changed: false };

  const plugins: SyncedPlugin[] = [];
  for (const plugin of inspected.set.plugins) {
    plugins.push({
      name: plugin.meta.name,
      version: plugin.meta.version,
      package: plugin.source === 'node_modules' ? (plugin.packageName ?? plugin.meta.name) : posix(path.relative(workspaceRoot, plugin.dir)),
      entry: posix(path.relative(workspaceRoot, plugin.entry)),
      integrity: await integrityOf(plugin.dir),
      attestation: 'unchecked',
      order: plugin.order,
    });
  }
  const { changed } = await updateJsonFile(file, (json) => {
    const aether = (json.aether && typeof json.aether === 'object' && !Array.isArray(json.aether) ? json.aether : (json.aether = {})) as Record<string, unknown>;
    aether.plugins = plugins;
  });
  return { ok: true, file, plugins, diagnostics, changed };
}
