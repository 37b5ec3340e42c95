// `aether plugins sign DIR`: reads the plugin statically (its files once, its meta with the parser,
// its module graph with the compiler's resolver) and signs exactly those bytes. No plugin code runs:
// signing an unsigned plugin from an unknown source must be as safe as opening it in the editor.
import path from 'node:path';
import { AetherInputError, type AetherDiagnostic } from '../model/diagnostics';
import { discoverPlugins, validateMeta } from '../plugins';
import { readStaticMeta } from '../plugins/staticMeta';
import { permissionProblems } from '../plugins/permissions';
import { checkPluginGraph, PluginCompileError } from '../host/compile';
import { readPluginTree } from '../trust/digest';
import { signedPermissions, signPlugin, type SignedBenchmarks, type SignedPermissions } from '../trust/attestation';
import { latestBenchSummary, type BenchSummary } from '../pluginBench/baseline';

export interface SignedPlugin {
  file: string;
  keyid: string;
  subject: string;
  permissions: SignedPermissions;
  files: number;
  /** The benchmark figures recorded in the predicate, or why none were (no summary, another version). */
  benchmarks: { recorded: SignedBenchmarks } | { skipped: string };
}

/**
 * The latest `plugin-bench` summary as the predicate records it, when it is this plugin's at this
 * version: figures of another version say nothing about the code being signed.
 */
export function benchmarksToSign(
  summary: BenchSummary | undefined,
  meta: { name: string; version: string },
): { recorded: SignedBenchmarks } | { skipped: string } {
  if (!summary) return { skipped: 'no benchmark figures on record (run `aether dev plugin-bench` first to sign them too)' };
  if (summary.plugin !== meta.name || summary.pluginVersion !== meta.version) {
    return {
      skipped: `the latest benchmark figures are for ${summary.plugin}@${summary.pluginVersion}, not ${meta.name}@${meta.version}; run \`aether dev plugin-bench\` again to sign current ones`,
    };
  }
  const figures = ({
    samples,
    meanMs,
    medianMs,
    p95Ms,
    p99Ms,
    opsPerSec,
    moeMs,
    peakHeapBytes,
    heapGrowthBytes,
    ratio,
  }: BenchSummary['reference']) => ({
    samples,
    meanMs,
    medianMs,
    p95Ms,
    p99Ms,
    opsPerSec,
    moeMs,
    peakHeapBytes,
    heapGrowthBytes,
    ...(ratio === undefined ? {} : { ratio }),
  });
  return {
    recorded: {
      time: summary.time,
      source: summary.source,
      library: summary.library,
      machine: { ...summary.machine },
      reference: figures(summary.reference),
      benchmarks: summary.benchmarks.map((b) => ({
        name: b.name,
        status: b.status,
        ...figures(b),
        ...(b.error === undefined ? {} : { error: b.error }),
      })),
    },
  };
}

function refused(message: string, diagnostics: AetherDiagnostic[] = []): AetherInputError {
  return new AetherInputError(message, diagnostics);
}

export async function signPluginFolder(pluginDir: string, keyFile: string, workspaceRoot: string): Promise<SignedPlugin> {
  const dir = path.resolve(pluginDir);
  const discovered = await discoverPlugins(workspaceRoot);
  const candidate = discovered.candidates.find((c) => path.resolve(c.dir) === dir);
  if (!candidate) {
    const problem = discovered.diagnostics.find((d) => d.file?.startsWith(dir) && d.severity === 'error');
    throw refused(
      `${pluginDir} is not a plugin folder${problem ? `: ${problem.message}` : ' (no plugin with its entry in this folder was found under plugins/ or node_modules/)'}`,
    );
  }
  const tree = await readPluginTree(dir);
  const entryRel = path
    .relative(tree.root, path.resolve(tree.root, path.relative(dir, candidate.entry)))
    .split(path.sep)
    .join('/');
  const entryBytes = tree.contents.get(entryRel);
  if (!entryBytes) throw refused(`${candidate.entry} is not a file of the plugin folder ${dir}`);
  const read = readStaticMeta(entryBytes.toString('utf8'), candidate.entry);
  if (!read.meta) throw refused(`cannot sign ${candidate.entry}: ${read.problem ?? 'no meta'}`);
  const meta = read.meta;
  const notLiteral = read.unknown.filter((at) => /^meta\.(name|version|permissions)\b/.test(at));
  if (typeof meta.name !== 'string' || typeof meta.version !== 'string' || notLiteral.length > 0) {
    throw refused(
      `cannot sign ${candidate.entry}: meta.name, meta.version and meta.permissions must be literals (${notLiteral.join(', ') || 'name or version missing'}), since they are checked before the plugin runs`,
    );
  }
  const checked = validateMeta(meta, candidate);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw refused(`cannot sign ${candidate.entry}: ${errors.map((d) => d.message).join('; ')}`, errors);
  const permissions = signedPermissions(checked.meta?.permissions);
  const problems = permissionProblems(permissions, workspaceRoot);
  if (problems.length > 0) throw refused(`cannot sign ${candidate.entry}: ${problems.join('; ')}`);
  try {
    checkPluginGraph(candidate.entry, { root: dir, tree, confined: true });
  } catch (error) {
    if (error instanceof PluginCompileError) throw refused(`cannot sign ${dir}: ${error.message}`, error.diagnostics);
    throw error;
  }
  // Plain JSON read from the workspace's .aether/bench/ or the plugin's committed baseline: no plugin code.
  const benchmarks = benchmarksToSign(latestBenchSummary(dir, workspaceRoot), { name: meta.name, version: meta.version });
  const signed = await signPlugin(
    dir,
    keyFile,
    { name: meta.name, version: meta.version, permissions, ...('recorded' in benchmarks ? { benchmarks: benchmarks.recorded } : {}) },
    tree,
  );
  return { ...signed, permissions, files: tree.files.length, benchmarks };
}
