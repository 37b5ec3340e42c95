// Turns the plugins on disk into running, ordered plugin instances: discover (or read the synced
// list), compile, load each module in its own isolated worker, validate meta, resolve the load order,
// and instantiate in that order.
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { CommandTable, OrderedPlugin, PluginCandidate, PluginRecord } from '../model/catalog';
import type { Pipeline } from '../model/pipeline';
import type { PluginFault } from '../host/protocol';
import type { PluginHostClient } from '../host/hostClient';
import { compilePlugin, PluginCompileError } from '../host/compile';
import { discoverPlugins, validateMeta, checkEngine, resolveLoadOrder, buildCommandTable } from '../plugins';
import type { AetherConfig } from '../config/workspace';
import { readTrustSettings, type TrustSettings } from '../config/trustConfig';
import { applyTrustPolicy, checkPluginTrust, verifyPlugin, type AttestationResult, type TrustPolicy } from '../trust/attestation';
import { candidatesFromConfig } from './syncedPlugins';
import { callLimitsOf, heapLimitOf, type LimitDefaults } from './limits';

/** A plugin instance running in the host. */
export interface LoadedPlugin extends OrderedPlugin {
  pluginId: number;
  hasOnHook: boolean;
  /**
   * What checking its attestation found (`unchecked` under policy `off`, or when not asked to check).
   * Always set by `loadPlugins`; optional so sets built by hand (tests, tools) need not invent one.
   */
  attestation?: AttestationResult;
}

export interface PluginSet {
  plugins: LoadedPlugin[];
  byName: Map<string, LoadedPlugin>;
  byId: Map<number, LoadedPlugin>;
  commands: CommandTable;
}

/** A plugin whose code failed while loading (a run failure, not an input error). */
export interface LoadFault {
  plugin: string;
  entry: string;
  fault: PluginFault;
}

export interface LoadPluginsResult {
  set: PluginSet;
  /** Input errors: the run must not start (exit code 2). */
  diagnostics: AetherDiagnostic[];
  /** Plugin code that threw, hung or crashed while loading (exit code 1). */
  faults: LoadFault[];
  /** Package (or folder) names of plugins on disk that the synced `aether.plugins` list leaves out. */
  notSynced: string[];
}

export interface LoadPluginsOptions {
  workspaceRoot: string;
  config: AetherConfig;
  host: PluginHostClient;
  /** The bundled `api.mjs` that `aetherscript-core` resolves to inside plugins. */
  apiModule: string;
  runtimeVersion: string;
  pipeline?: Pipeline;
  /** Overrides the workspace's `aether.trust.policy` (the editor's setting). */
  trustPolicy?: TrustPolicy;
  /** Limits of plugins that neither meta nor pipeline sets; spec section 3 when absent. */
  defaultLimits?: LimitDefaults;
  /** Filled as plugins are identified, so messages from a module's top level can name it. */
  pluginNames?: Map<number, string>;
  /**
   * Check attestations against `aether.trust` (spec section 7); default true. False only for
   * `aether plugins sign`, which must load a plugin that is not signed yet.
   */
  checkTrust?: boolean;
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadPluginsResult> {
  const { workspaceRoot, host, pipeline } = options;
  const diagnostics: AetherDiagnostic[] = [];
  const faults: LoadFault[] = [];

  host.warmUp();
  const discovered = await discoverPlugins(workspaceRoot);
  let candidates: PluginCandidate[] = discovered.candidates;
  let notSynced: string[] = [];
  diagnostics.push(...discovered.diagnostics);
  if (options.config.plugins) {
    const synced = await candidatesFromConfig(workspaceRoot, options.config, discovered.candidates);
    candidates = synced.candidates;
    diagnostics.push(...synced.diagnostics);
    notSynced = synced.notSynced;
  }

  // `aether.trust`: a bad section is an input error, and no plugin code is loaded when the policy is unknown.
  let trust: TrustSettings | undefined;
  if (options.checkTrust !== false) {
    try {
      trust = readTrustSettings(options.config.raw, options.config.file);
      if (options.trustPolicy) trust = { ...trust, policy: options.trustPolicy };
    } catch (error) {
      const found = (error as { diagnostics?: AetherDiagnostic[] }).diagnostics;
      diagnostics.push(
        ...(found?.length
          ? found
          : [{ code: 'config/trust', severity: 'error' as const, file: options.config.file, message: (error as Error).message }]),
      );
      candidates = [];
    }
  }

  // Compile, load and verify every plugin in parallel: each gets its own worker in the host.
  const cacheDir = path.join(workspaceRoot, '.aether', 'cache', 'plugins');
  const records: Array<PluginRecord & { pluginId: number; hasOnHook: boolean; attestation: AttestationResult }> = [];
  await Promise.all(
    candidates.map(async (candidate, index) => {
      const pluginId = index + 1;
      options.pluginNames?.set(pluginId, candidate.packageName ?? path.basename(candidate.dir));
      // Under `require` no plugin code runs before its signature and files check out; the signed
      // name and version are compared with the meta once the module has told them.
      let verifiedEarly: AttestationResult | undefined;
      if (trust?.policy === 'require') {
        const label = `${candidate.packageName ?? path.basename(candidate.dir)}${candidate.packageVersion ? `@${candidate.packageVersion}` : ''}`;
        const early = await verifyPlugin(candidate.dir, undefined, trust.keys, label).catch((error: Error) => ({
          status: 'malformed' as const,
          message: error.message,
        }));
        if (early.status !== 'verified') {
          const decision = applyTrustPolicy(early, 'require');
          diagnostics.push({
            code: 'plugin/attestation',
            severity: 'error',
            file: candidate.entry,
            plugin: candidate.packageName ?? path.basename(candidate.dir),
            message: `attestation ${early.status}: ${decision.message}`,
          });
          return;
        }
        verifiedEarly = early;
      }
      let bundleFile: string;
      try {
        bundleFile = (await compilePlugin(candidate.entry, cacheDir, options.apiModule)).bundleFile;
      } catch (error) {
        const plugin = candidate.packageName ?? path.basename(candidate.dir);
        if (error instanceof PluginCompileError && error.diagnostics.length > 0) {
          diagnostics.push(...error.diagnostics.map((diagnostic) => ({ ...diagnostic, plugin: diagnostic.plugin ?? plugin })));
        } else
          diagnostics.push({
            code: 'plugin/compile-error',
            severity: 'error',
            file: candidate.entry,
            plugin,
            message: String((error as Error).message),
          });
        return;
      }
      const loadLimits = callLimitsOf(undefined, pipeline, undefined, options.defaultLimits);
      const { info, fault } = await host.load(pluginId, bundleFile, candidate.entry, loadLimits);
      const where = relative(workspaceRoot, candidate.entry);
      if (fault) {
        if (fault.kind === 'invalid') {
          diagnostics.push({
            code: 'plugin/not-a-plugin',
            severity: 'error',
            file: candidate.entry,
            message: `${where}: ${fault.message}`,
          });
        } else {
          faults.push({ plugin: candidate.packageName ?? path.basename(candidate.dir), entry: candidate.entry, fault });
        }
        return;
      }
      const checked = validateMeta(info!.meta, candidate);
      diagnostics.push(...checked.diagnostics);
      if (!checked.meta) return;
      const meta = checked.meta;
      options.pluginNames?.set(pluginId, meta.name);
      if (!info!.hasExecute) {
        diagnostics.push({
          code: 'plugin/missing-execute',
          severity: 'error',
          file: candidate.entry,
          plugin: meta.name,
          message: `${where}: plugin "${meta.name}" has no execute(ctx) method; add \`async execute(ctx) { … }\` to the class`,
        });
        return;
      }
      if ((meta.hooks?.length ?? 0) > 0 && !info!.hasOnHook) {
        diagnostics.push({
          code: 'plugin/hooks-without-onhook',
          severity: 'error',
          file: candidate.entry,
          plugin: meta.name,
          message: `${where}: plugin "${meta.name}" subscribes to ${meta.hooks!.join(', ')} but has no onHook(event, ctx) method`,
        });
        return;
      }
      const engine = checkEngine(meta, candidate, options.runtimeVersion);
      if (engine) {
        diagnostics.push(engine);
        return;
      }
      // Signature and files were verified before loading; only a different subject needs the full
      // check again (which then reports the mismatch), so the files are not hashed twice.
      const attestation =
        verifiedEarly?.subject === `${meta.name}@${meta.version}`
          ? verifiedEarly
          : await verifyTrust(candidate, meta, trust, diagnostics, where);
      if (!attestation) return;
      records.push({ ...candidate, meta, pluginId, hasOnHook: info!.hasOnHook, attestation });
    }),
  );

  records.sort((a, b) => a.pluginId - b.pluginId);
  const order = resolveLoadOrder(records);
  diagnostics.push(...order.diagnostics);
  const idOf = new Map(records.map((record) => [record.entry, record]));

  const plugins: LoadedPlugin[] = [];
  // Instances are created in load order: a plugin's dependencies exist before it does.
  for (const ordered of order.ordered) {
    const record = idOf.get(ordered.entry)!;
    const fault = await host.instantiate(record.pluginId, heapLimitOf(ordered.meta, pipeline, options.defaultLimits));
    if (fault) {
      faults.push({ plugin: ordered.meta.name, entry: ordered.entry, fault });
      continue;
    }
    plugins.push({ ...ordered, pluginId: record.pluginId, hasOnHook: record.hasOnHook, attestation: record.attestation });
  }

  return {
    set: {
      plugins,
      byName: new Map(plugins.map((plugin) => [plugin.meta.name, plugin])),
      byId: new Map(plugins.map((plugin) => [plugin.pluginId, plugin])),
      commands: buildCommandTable(plugins),
    },
    diagnostics,
    faults,
    notSynced,
  };
}

/**
 * Checks a plugin's attestation under the workspace's policy (spec section 7). Returns its result when
 * it may load; undefined when it may not (an error diagnostic says why). Under `warn`, a plugin that is
 * not verified loads with a warning diagnostic, which the run turns into a `warning` event.
 */
async function verifyTrust(
  candidate: PluginCandidate,
  meta: { name: string; version: string },
  trust: TrustSettings | undefined,
  diagnostics: AetherDiagnostic[],
  where: string,
): Promise<AttestationResult | undefined> {
  if (!trust) return { status: 'unchecked', message: `Plugin ${meta.name}@${meta.version} was not checked.` };
  let checked: Awaited<ReturnType<typeof checkPluginTrust>>;
  try {
    checked = await checkPluginTrust(candidate.dir, meta, trust);
  } catch (error) {
    // The folder could not be read: nothing can vouch for it.
    diagnostics.push({
      code: 'plugin/attestation',
      severity: 'error',
      file: candidate.entry,
      plugin: meta.name,
      message: `${where}: the attestation of plugin "${meta.name}" could not be checked: ${(error as Error).message}`,
    });
    return undefined;
  }
  const { result, decision } = checked;
  if (decision.severity && decision.message) {
    diagnostics.push({
      code: 'plugin/attestation',
      severity: decision.severity,
      file: candidate.entry,
      plugin: meta.name,
      message: `attestation ${result.status}: ${decision.message}`,
    });
  }
  return decision.load ? result : undefined;
}
