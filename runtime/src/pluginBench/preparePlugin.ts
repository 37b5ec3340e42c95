// Compiles, probes and validates the plugin a bench file names, exactly as the sandbox does for its
// cases (sandbox/runSandbox.ts keeps its own copy private): the same compile cache outside the plugin
// folder, the same grant as a run, the same checks and words.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AetherDiagnostic, SourceRange } from '../model/diagnostics';
import type { PluginCandidate } from '../model/catalog';
import type { CommandMeta, PluginMeta } from '../model/plugin';
import type { HostGrant } from '../host/hostClient';
import type { PluginHosts } from '../host/hostPool';
import { compilePlugin, PluginCompileError } from '../host/compile';
import { signedPermissions, type VerifiedTree } from '../trust/attestation';
import { readStaticMeta } from '../plugins/staticMeta';
import { grantOf } from '../plugins/permissions';
import { packageClosure } from '../plugins/dependencies';
import { validateMeta, checkEngine, commandsOf } from '../plugins';
import { callLimitsOf, type LimitDefaults } from '../engine/limits';
import type { RuntimeBundles } from '../engine/runtimePaths';
import { RUNTIME_VERSION } from '../version';

/** A plugin entry compiled, probed and validated once; every benchmark loads it into a fresh worker. */
export interface PreparedPlugin {
  entry: string;
  bundleFile: string;
  meta: PluginMeta;
  commands: Record<string, CommandMeta>;
  grant: HostGrant;
  /** Where its modules load from (`ctx.spawnWorker` resolves against it). */
  moduleDir: string;
}

function packageInfo(dir: string): Pick<PluginCandidate, 'packageName' | 'packageVersion' | 'packageEngine'> {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
      engines?: { aetherscript?: unknown };
    };
    return {
      ...(typeof pkg.name === 'string' ? { packageName: pkg.name } : {}),
      ...(typeof pkg.version === 'string' ? { packageVersion: pkg.version } : {}),
      ...(typeof pkg.engines?.aetherscript === 'string' ? { packageEngine: pkg.engines.aetherscript } : {}),
    };
  } catch {
    return {};
  }
}

export async function preparePlugin(
  entry: string,
  where: { file: string; range: SourceRange },
  dir: string,
  workspaceRoot: string,
  bundles: RuntimeBundles,
  host: PluginHosts,
  probeId: number,
  limitDefaults: LimitDefaults,
  verified: VerifiedTree,
): Promise<{ plugin?: PreparedPlugin; diagnostics: AetherDiagnostic[] }> {
  const at = (code: string, message: string): { diagnostics: AetherDiagnostic[] } => ({
    diagnostics: [{ code, severity: 'error', message, file: where.file, range: where.range }],
  });
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    return at(
      'bench/plugin-not-found',
      `plugin: ${path.relative(path.dirname(where.file), entry)} does not exist (${entry}); \`plugin:\` is relative to the bench file`,
    );
  }
  let compiled: Awaited<ReturnType<typeof compilePlugin>>;
  try {
    // Never into the plugin's own folder: files written there would count as changes to a signed plugin.
    compiled = await compilePlugin(entry, path.join(tmpdir(), 'aetherscript', 'plugin-cache'), bundles.apiModule, {
      root: dir,
      tree: verified.tree,
      confined: false,
    });
  } catch (error) {
    if (error instanceof PluginCompileError && error.diagnostics.length > 0) return { diagnostics: error.diagnostics };
    return at('plugin/compile-error', (error as Error).message);
  }
  const bundleFile = compiled.bundleFile;
  const source = readStaticMeta(readFileSync(entry, 'utf8'), entry);
  const grant = grantOf(signedPermissions(source.meta?.permissions as PluginMeta['permissions']), {
    workspaceRoot,
    pluginDir: dir,
    readable: [compiled.graphDir, path.dirname(bundles.apiModule), ...packageClosure(compiled.packageDirs)],
  });
  const { info, fault } = await host.load(probeId, bundleFile, entry, callLimitsOf(undefined, undefined, undefined, limitDefaults), grant);
  if (fault || !info) {
    const why = fault?.kind === 'invalid' ? fault.message : `failed while loading: ${fault?.message ?? 'no reply from the plugin host'}`;
    return at(fault?.kind === 'invalid' ? 'plugin/not-a-plugin' : 'plugin/load-failed', `${path.relative(workspaceRoot, entry)} ${why}`);
  }
  const candidate: PluginCandidate = { entry, dir, source: 'local', ...packageInfo(dir) };
  const checked = validateMeta(info.meta, candidate);
  const diagnostics = checked.diagnostics.filter((d) => d.severity === 'error');
  if (!checked.meta || diagnostics.length > 0) return { diagnostics };
  const meta = checked.meta;
  if (!info.hasExecute)
    return at('plugin/missing-execute', `plugin "${meta.name}" has no execute(ctx) method; add \`async execute(ctx) { … }\` to the class`);
  const engine = checkEngine(meta, candidate, RUNTIME_VERSION);
  if (engine) return { diagnostics: [engine] };
  return {
    plugin: { entry, bundleFile, meta, commands: commandsOf(meta), grant, moduleDir: compiled.filesDir ?? dir },
    diagnostics: [],
  };
}

/** The bare command a benchmark's `command` names in this plugin (`name` or `plugin-name/name`), if any. */
export function commandName(command: string, plugin: PreparedPlugin): string | undefined {
  if (Object.hasOwn(plugin.commands, command)) return command;
  const prefix = `${plugin.meta.name}/`;
  if (command.startsWith(prefix) && Object.hasOwn(plugin.commands, command.slice(prefix.length))) return command.slice(prefix.length);
  return undefined;
}
