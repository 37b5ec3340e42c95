// `aether plugins sync` (spec section 2): discover, validate, resolve, and write `aether.plugins` into
// aether.config.json — all or nothing, atomically, keeping every other key.
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import { CONFIG_FILE, type SyncedPlugin } from '../config/workspace';
import { updateJsonFile } from '../config/jsonFile';
import { AetherInputError } from '../model/diagnostics';
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
    diagnostics.push({
      code: 'plugin/load-failed',
      severity: 'error',
      file: fault.entry,
      plugin: fault.plugin,
      message: `plugin "${fault.plugin}" failed while loading: ${fault.fault.message}`,
    });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, file, plugins: [], diagnostics, changed: false };

  // Everything is computed before the file is touched: a failure here leaves it as it was.
  const plugins: SyncedPlugin[] = await Promise.all(
    inspected.set.plugins.map(async (plugin) => ({
      name: plugin.meta.name,
      version: plugin.meta.version,
      package:
        plugin.source === 'node_modules' ? (plugin.packageName ?? plugin.meta.name) : posix(path.relative(workspaceRoot, plugin.dir)),
      entry: posix(path.relative(workspaceRoot, plugin.entry)),
      integrity: await integrityOf(plugin.dir),
      attestation: plugin.attestation?.status ?? 'unchecked',
      order: plugin.order,
    })),
  );
  // Under the file's lock, re-read and written atomically (temp file and rename): a concurrent sync or
  // `keys trust` is never lost or interleaved, and every other key keeps its place.
  const { changed } = await updateJsonFile(file, (json) => {
    if (json.aether === undefined) json.aether = {};
    const aether = json.aether;
    if (typeof aether !== 'object' || aether === null || Array.isArray(aether)) {
      throw new AetherInputError(
        `${file}: "aether" must be an object; fix it before \`aether plugins sync\` writes aether.plugins into it. Nothing was changed.`,
        [{ code: 'config/invalid', severity: 'error', file, message: '"aether" must be an object' }],
      );
    }
    (aether as Record<string, unknown>).plugins = plugins;
  });
  return { ok: true, file, plugins, diagnostics, changed };
}
