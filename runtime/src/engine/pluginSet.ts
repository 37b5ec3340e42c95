// Turns the plugins on disk into running, ordered plugin instances: discover (or read the synced
// list), compile, load each module in its own isolated worker, validate meta, resolve the load order,
// and instantiate in that order.
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { CommandTable, OrderedPlugin, PluginCandidate, PluginRecord } from '../model/catalog';
import type { Pipeline } from '../model/pipeline';
import type { PluginFault } from '../host/protocol';
import type { PluginHosts } from '../host/hostPool';
import { compilePlugin, PluginCompileError } from '../host/compile';
import { discoverPlugins, validateMeta, checkEngine, resolveLoadOrder, buildCommandTable } from '../plugins';
import type { AetherConfig } from '../config/workspace';
import { readTrustSettings, type TrustSettings } from '../config/trustConfig';
import {
  applyTrustPolicy,
  samePermissions,
  signedPermissions,
  subjectName,
  verifyPluginTree,
  type AttestationResult,
  type SignedPermissions,
  type TrustPolicy,
  type VerifiedTree,
} from '../trust/attestation';
import { readPluginTree, type PluginTree } from '../trust/digest';
import { readStaticMeta } from '../plugins/staticMeta';
import { grantOf, permissionProblems } from '../plugins/permissions';
import { packageClosure, unlockedPackages } from '../plugins/dependencies';
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
  /** Where its modules were loaded from (the sealed copy of its files), for `ctx.spawnWorker`. */
  moduleDir?: string;
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
  host: PluginHosts;
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
  /** Check attestations against `aether.trust` (spec section 7); default true. */
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

  // Verify, compile and load every plugin in parallel: each gets its own host and worker.
  const cacheDir = path.join(workspaceRoot, '.aether', 'cache', 'plugins');
  const records: Array<PluginRecord & { pluginId: number; hasOnHook: boolean; attestation: AttestationResult; moduleDir?: string }> = [];
  const policy: TrustPolicy = trust?.policy ?? 'off';
  await Promise.all(
    candidates.map(async (candidate, index) => {
      const pluginId = index + 1;
      const label = candidate.packageName ?? path.basename(candidate.dir);
      options.pluginNames?.set(pluginId, label);
      const where = relative(workspaceRoot, candidate.entry);
      const refuse = (code: string, message: string, plugin = label): void => {
        diagnostics.push({ code, severity: 'error', file: candidate.entry, plugin, message });
      };

      // 1. Nothing of the plugin runs yet: its files are read once, verified, and its meta is read
      //    statically from those very bytes.
      const prepared = await preparePlugin(candidate, trust, label).catch((error: Error) => error);
      if (prepared instanceof Error) {
        refuse('plugin/attestation', `${where}: plugin "${label}" could not be read: ${prepared.message}`);
        return;
      }
      const { checked, tree, identity, permissions } = prepared;
      if ('problem' in permissions) {
        refuse('plugin/permissions', `${where}: ${permissions.problem}`, identity?.name ?? label);
        return;
      }
      const decision = applyTrustPolicy(checked.result, policy);
      if (decision.severity && decision.message) {
        diagnostics.push({
          code: 'plugin/attestation',
          severity: decision.severity,
          file: candidate.entry,
          plugin: identity?.name ?? label,
          message: `attestation ${checked.result.status}: ${decision.message}`,
        });
      }
      if (!decision.load) return;
      const problems = permissionProblems(permissions, workspaceRoot);
      if (problems.length > 0) {
        refuse('plugin/permissions', `${where}: plugin "${identity?.name ?? label}" asks for what it may not have: ${problems.join('; ')}`);
        return;
      }

      // 2. Compile from those bytes. A verified plugin's graph must stay inside its folder.
      const verified = checked.result.status === 'verified';
      const confined = verified || policy === 'require';
      let compiled: Awaited<ReturnType<typeof compilePlugin>>;
      try {
        compiled = await compilePlugin(candidate.entry, cacheDir, options.apiModule, { root: candidate.dir, tree, confined });
      } catch (error) {
        if (error instanceof PluginCompileError && error.diagnostics.length > 0) {
          diagnostics.push(...error.diagnostics.map((diagnostic) => ({ ...diagnostic, plugin: diagnostic.plugin ?? label })));
        } else refuse('plugin/compile-error', String((error as Error).message));
        return;
      }
      for (const file of compiled.outside) {
        diagnostics.push({
          code: 'plugin/outside-module',
          severity: 'warning',
          file: candidate.entry,
          plugin: identity?.name ?? label,
          message: `${where}: plugin "${identity?.name ?? label}" imports ${relative(workspaceRoot, file)}, outside its folder: no attestation covers it, and under aether.trust.policy "require" it is refused. Move it into the plugin folder.`,
        });
      }
      const dependencies = packageClosure(compiled.packageDirs);
      if (policy === 'require') {
        const unlocked = unlockedPackages(workspaceRoot, dependencies);
        if (unlocked.length > 0) {
          refuse(
            'plugin/attestation',
            `${where}: plugin "${identity?.name ?? label}" imports packages its attestation does not cover and the lockfile does not vouch for: ${unlocked.join('; ')}. Not loaded: aether.trust.policy is "require".`,
          );
          return;
        }
      }

      // 3. Load it in a host of its own, granted exactly what it declares.
      const grant = grantOf(permissions, {
        workspaceRoot,
        // A verified plugin reads its own files only as the verified copy: the folder on disk may
        // have changed since, and a module imported from it at run time would be unverified bytes.
        pluginDir: verified && compiled.filesDir ? compiled.filesDir : candidate.dir,
        readable: [compiled.graphDir, path.dirname(options.apiModule), ...dependencies],
      });
      const loadLimits = callLimitsOf(undefined, pipeline, undefined, options.defaultLimits);
      const { info, fault } = await host.load(pluginId, compiled.bundleFile, candidate.entry, loadLimits, grant);
      if (fault) {
        if (fault.kind === 'invalid') {
          diagnostics.push({
            code: 'plugin/not-a-plugin',
            severity: 'error',
            file: candidate.entry,
            message: `${where}: ${fault.message}`,
          });
        } else {
          faults.push({ plugin: label, entry: candidate.entry, fault: withPermissionHint(fault) });
        }
        return;
      }
      const checkedMeta = validateMeta(info!.meta, candidate);
      diagnostics.push(...checkedMeta.diagnostics);
      if (!checkedMeta.meta) return;
      const meta = checkedMeta.meta;
      options.pluginNames?.set(pluginId, meta.name);
      // The meta the module reports must be the one read (and verified) before it ran.
      const drift =
        identity && subjectName(identity) !== subjectName(meta)
          ? `its name and version are ${subjectName(meta)} at run time but ${subjectName(identity)} in its source`
          : !samePermissions(signedPermissions(meta.permissions), permissions)
            ? 'its meta.permissions at run time differ from those written in its source'
            : undefined;
      if (drift) {
        refuse(
          'plugin/meta-changed',
          `${where}: plugin "${meta.name}" was refused: ${drift}. Write meta as a literal \`static meta = { … }\`.`,
          meta.name,
        );
        return;
      }
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
      records.push({
        ...candidate,
        meta,
        pluginId,
        hasOnHook: info!.hasOnHook,
        attestation: checked.result,
        ...(compiled.filesDir ? { moduleDir: compiled.filesDir } : {}),
      });
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
    plugins.push({
      ...ordered,
      pluginId: record.pluginId,
      hasOnHook: record.hasOnHook,
      attestation: record.attestation,
      ...(record.moduleDir ? { moduleDir: record.moduleDir } : {}),
    });
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

/** A plugin as read before any of its code runs. */
interface PreparedPlugin {
  checked: VerifiedTree;
  /** Its files, read once (undefined only when they cannot be read as a tree and nothing is verified). */
  tree?: PluginTree;
  /** Name and version from its source, when they are literals. */
  identity?: { name: string; version: string };
  /** Its declared permissions, or why they cannot be known before it runs. */
  permissions: SignedPermissions | { problem: string };
}

/**
 * Reads a plugin's files once, verifies them (unless the policy is `off`), and reads its meta from the
 * same bytes with the TypeScript parser. The signed subject is compared with that meta here, before
 * any of the plugin's code has run.
 */
async function preparePlugin(candidate: PluginCandidate, trust: TrustSettings | undefined, label: string): Promise<PreparedPlugin> {
  const policy = trust?.policy ?? 'off';
  // Only to name the plugin in messages before anything is verified: what it says is trusted later,
  // once read again from the verified bytes.
  const named = readStaticMeta(await readFile(candidate.entry, 'utf8').catch(() => ''), candidate.entry).meta;
  const labelled =
    typeof named?.name === 'string' && typeof named.version === 'string'
      ? `${named.name}@${named.version}`
      : `${label}${candidate.packageVersion ? `@${candidate.packageVersion}` : ''}`;
  const checked: VerifiedTree =
    trust && policy !== 'off'
      ? await verifyPluginTree(candidate.dir, undefined, trust.keys, labelled)
      : {
          result: { status: 'unchecked', message: `Plugin ${labelled} (${candidate.dir}) was not checked: aether.trust.policy is "off".` },
        };
  // Unverified plugins are read once all the same, so that what is compiled is what was read; a
  // folder that cannot be read as a tree (a link leading outside it) is compiled from disk instead.
  const tree =
    checked.tree ??
    (checked.result.status === 'unchecked' || checked.result.status === 'unsigned'
      ? await readPluginTree(candidate.dir).catch(() => undefined)
      : undefined);
  const entryRel = tree
    ? path
        .relative(tree.root, await realpath(candidate.entry))
        .split(path.sep)
        .join('/')
    : undefined;
  const entryBytes = (entryRel !== undefined ? tree?.contents.get(entryRel) : undefined) ?? (await readFile(candidate.entry));
  const read = readStaticMeta(entryBytes.toString('utf8'), candidate.entry);
  const meta = read.meta ?? {};
  const identity =
    typeof meta.name === 'string' && typeof meta.version === 'string' ? { name: meta.name, version: meta.version } : undefined;
  const permissionsUnknown = read.unknown.find((at) => at.startsWith('meta.permissions'));
  const permissions: PreparedPlugin['permissions'] = permissionsUnknown
    ? {
        problem: `${permissionsUnknown} is not a literal; the runtime reads meta.permissions before the plugin runs, so write it out as a literal object`,
      }
    : signedPermissions(meta.permissions as SignedPermissions | undefined);

  let result = checked.result;
  if (result.subject !== undefined && (result.status === 'verified' || result.status === 'modified')) {
    const who = `Plugin ${identity ? subjectName(identity) : label} (${candidate.dir})`;
    if (!identity) {
      result = {
        ...result,
        status: 'subject-mismatch',
        message: `${who} carries an attestation for ${result.subject}, but its meta.name and meta.version cannot be read from its source without running it (${read.problem ?? 'they are not literals'}).`,
      };
    } else if (result.subject !== subjectName(identity)) {
      result = {
        ...result,
        status: 'subject-mismatch',
        message: `${who} carries an attestation for ${result.subject}, not for ${subjectName(identity)}.`,
      };
    } else if (
      result.status === 'verified' &&
      result.permissions &&
      !('problem' in permissions) &&
      !samePermissions(result.permissions, permissions)
    ) {
      result = { ...result, status: 'modified', message: `${who} declares other permissions than the ones signed.` };
    }
  }
  return { checked: { ...checked, result }, tree, ...(identity ? { identity } : {}), permissions };
}

/** A plugin that tripped over the permission model is told which permission it lacks. */
function withPermissionHint(fault: PluginFault): PluginFault {
  if (!/ERR_ACCESS_DENIED|Access to this API has been restricted/.test(`${fault.message} ${fault.stack ?? ''}`)) return fault;
  return { ...fault, message: `${fault.message} (${PERMISSION_HINT})` };
}

export const PERMISSION_HINT =
  'the plugin lacks a permission: it may read only its own folder and what meta.permissions.fs.read declares, write only what meta.permissions.fs.write declares, and never start processes';
