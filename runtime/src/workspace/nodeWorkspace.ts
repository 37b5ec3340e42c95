// The workspace model on a real disk, for the server process and `aether validate`: discovery that
// respects the synced `aether.plugins` list, and attestation checks under `aether.trust`. Both only read
// files (package.json, aether.config.json, plugin files for digests); no plugin code is ever loaded.
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import { readConfig } from '../config/workspace';
import { readTrustSettings } from '../config/trustConfig';
import { candidatesFromConfig } from '../engine/syncedPlugins';
import { discoverPlugins, type DiscoveryResult } from '../plugins';
import { checkPluginTrust } from '../trust/attestation';
import { nodeFileSystem } from './nodeFileSystem';
import type { CheckTrust, WorkspaceIndexOptions } from './workspaceIndex';

/** What `aether.config.json` makes of the discovered plugins: the synced list when there is one. */
export async function discoverWithConfig(root: string): Promise<DiscoveryResult> {
  const discovered = await discoverPlugins(root);
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(root);
  } catch (error) {
    return {
      candidates: discovered.candidates,
      diagnostics: [...discovered.diagnostics, ...configErrors(error, path.join(root, 'aether.config.json'))],
    };
  }
  const diagnostics = [...discovered.diagnostics];
  try {
    readTrustSettings(config.raw, config.file);
  } catch (error) {
    // The runtime loads nothing when the trust policy cannot be known; neither does the editor's model.
    return { candidates: [], diagnostics: [...diagnostics, ...configErrors(error, config.file)] };
  }
  if (!config.plugins) return discovered;
  const synced = await candidatesFromConfig(root, config, discovered.candidates);
  return { candidates: synced.candidates, diagnostics: [...diagnostics, ...synced.diagnostics], notSynced: synced.notSynced };
}

function configErrors(error: unknown, file: string): AetherDiagnostic[] {
  const found = (error as { diagnostics?: AetherDiagnostic[] }).diagnostics;
  return found?.length ? found : [{ code: 'config/invalid', severity: 'error', file, message: (error as Error).message }];
}

/** Verifies a plugin's attestation as the runtime would at startup; only a refusal (policy `require`) is reported. */
export const checkTrustOnDisk: CheckTrust = async (root, candidate, meta) => {
  let settings: ReturnType<typeof readTrustSettings>;
  try {
    const config = readConfig(root);
    settings = readTrustSettings(config.raw, config.file);
  } catch {
    return undefined; // reported once by discovery
  }
  if (settings.policy !== 'require') return undefined;
  try {
    const { result, decision } = await checkPluginTrust(candidate.dir, meta, settings);
    if (decision.load) return undefined;
    return {
      code: 'plugin/attestation',
      severity: 'error',
      file: candidate.entry,
      plugin: meta.name,
      message: `attestation ${result.status}: ${decision.message ?? result.message}`,
    };
  } catch (error) {
    return {
      code: 'plugin/attestation',
      severity: 'error',
      file: candidate.entry,
      plugin: meta.name,
      message: `the attestation of plugin "${meta.name}" could not be checked: ${(error as Error).message}`,
    };
  }
};

/** Index options for a workspace on disk. */
export const nodeWorkspaceOptions: WorkspaceIndexOptions = {
  fs: nodeFileSystem,
  discover: discoverWithConfig,
  checkTrust: checkTrustOnDisk,
};
