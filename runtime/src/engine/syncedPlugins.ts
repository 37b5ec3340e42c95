// A workspace with an `aether.plugins` section loads exactly that list (spec section 2); plugins found
// on disk but not listed are reported, and a listed plugin whose files changed since the sync is an
// error: the list was validated for the files as they were then.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { PluginCandidate } from '../model/catalog';
import type { AetherConfig } from '../config/workspace';
import { digestPluginFiles } from '../trust/digest';
import { fileListDigest } from '../trust/attestation';

/** `sha256-<hex>`: the attestation's subject digest, over every file of the plugin. */
export async function integrityOf(pluginDir: string): Promise<string> {
  const { files } = await digestPluginFiles(pluginDir);
  return `sha256-${fileListDigest(files)}`;
}

export async function candidatesFromConfig(
  workspaceRoot: string,
  config: AetherConfig,
  discovered: PluginCandidate[],
): Promise<{ candidates: PluginCandidate[]; diagnostics: AetherDiagnostic[]; notSynced: string[] }> {
  const diagnostics: AetherDiagnostic[] = [];
  const candidates: PluginCandidate[] = [];
  /** Package (or folder) names of the plugins found on disk but not listed. */
  const notSynced: string[] = [];
  const byEntry = new Map(discovered.map((candidate) => [candidate.entry, candidate]));
  const listed = new Set<string>();
  for (const synced of config.plugins ?? []) {
    const entry = path.resolve(workspaceRoot, synced.entry ?? '');
    listed.add(entry);
    const candidate = byEntry.get(entry);
    if (!candidate || !existsSync(entry)) {
      diagnostics.push({
        code: 'config/plugin-missing',
        severity: 'error',
        file: config.file,
        plugin: synced.name,
        message: `${config.file}: plugin "${synced.name}" is listed in aether.plugins but ${synced.entry} is no longer there; run \`aether plugins sync\``,
      });
      continue;
    }
    if (synced.integrity && (await integrityOf(candidate.dir)) !== synced.integrity) {
      diagnostics.push({
        code: 'config/plugin-changed',
        severity: 'error',
        file: config.file,
        plugin: synced.name,
        message: `${config.file}: the files of plugin "${synced.name}" changed since \`aether plugins sync\` (integrity mismatch); run \`aether plugins sync\` to re-validate it`,
      });
      continue;
    }
    candidates.push(candidate);
  }
  for (const candidate of discovered) {
    if (listed.has(candidate.entry)) continue;
    notSynced.push(candidate.packageName ?? path.basename(candidate.dir));
    diagnostics.push({
      code: 'config/plugin-not-synced',
      severity: 'warning',
      file: candidate.entry,
      message: `${path.relative(workspaceRoot, candidate.entry)}: found a plugin that is not in aether.plugins, so it is not loaded; run \`aether plugins sync\` to add it`,
    });
  }
  return { candidates, diagnostics, notSynced };
}
