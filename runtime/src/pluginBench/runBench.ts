// `aether dev plugin-bench` as a library (spec section 11): finds a plugin's `test/*.bench.yaml`, runs
// each benchmark in a fresh instance in its own plugin host (the grant and limits of a real run), with
// tinybench timing `execute` inside the plugin's worker after a warm-up; measures the runtime's
// reference no-op the same way in the same run; and compares with `test/bench-baseline.json`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic, SourceRange } from '../model/diagnostics';
import type { BenchFigures, BenchPlan, ContextSnapshot, PluginFault } from '../host/protocol';
import { PluginHosts } from '../host/hostPool';
import { findWorkspaceRoot, readConfig } from '../config/workspace';
import { readTrustSettings } from '../config/trustConfig';
import { verifyPluginTree, type AttestationResult, type VerifiedTree } from '../trust/attestation';
import { callLimitsOf, SPEC_DEFAULT_LIMITS, type LimitDefaults } from '../engine/limits';
import { validateAgainst } from '../engine/schemaValidator';
import { defaultBundles, type RuntimeBundles } from '../engine/runtimePaths';
import { didYouMean } from '../pipeline/suggestions';
import { parseBenchFile, type BenchCase, type BenchFile } from './benchFile';
import { commandName, preparePlugin, type PreparedPlugin } from './preparePlugin';
import { compareWithBaseline, DEFAULT_CONFIDENCE, type Comparison } from './compare';
import {
  machineInfo,
  readBaseline,
  recordOf,
  sameMachine,
  writeBaseline,
  writeSummary,
  type BenchBaseline,
  type BenchSummary,
  type MachineInfo,
} from './baseline';

/** Samples a benchmark keeps (quantiles of all it took) for the baseline and the comparison. */
export const MAX_KEPT_SAMPLES = 1000;
export const DEFAULT_THRESHOLD = 0.1;
/** Full `execute` calls from the runtime for the isolation round trip: this long, within these counts. */
const ROUND_TRIP_BUDGET_MS = 250;
const ROUND_TRIP_CALLS = { min: 5, max: 200 };

/** The figures of one benchmark, each also as a ratio to the reference no-op's. */
export interface BenchFiguresView {
  samples: number;
  /** Calls per sample (more than 1 for calls under 50 µs: each sample is then a batch's mean). */
  batch: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  opsPerSec: number;
  moeMs: number;
  rmePercent: number;
  peakHeapBytes: number;
  heapGrowthBytes: number;
}

/** The isolation boundary's cost beside the in-worker figures, measured from the runtime's side. */
export interface IsolationFigures {
  /** Median of full `execute` calls from the runtime (IPC, host, worker, context, the plugin). */
  roundTripMs: number;
  calls: number;
  /** Median of a bare ping to the same worker and back. */
  pingMs: number;
  /** Round trip minus the in-worker median: what isolation adds to one call. */
  overheadMs: number;
}

/** One benchmark's result; also the `--json` line. */
export interface BenchResult {
  type: 'benchmark';
  plugin: string;
  file: string;
  benchmark: string;
  /** 1-based line where the benchmark starts. */
  line: number;
  /** `slower`: measured, and significantly slower than its baseline beyond the threshold. */
  status: 'ok' | 'failed' | 'slower';
  error?: string;
  figures?: BenchFiguresView;
  /** Each figure over the reference no-op's same figure (opsPerSec: reference over this). */
  relative?: { meanMs: number; medianMs: number; p95Ms: number; p99Ms: number; opsPerSec: number };
  isolation?: IsolationFigures;
  comparison?: Comparison;
  /** What the plugin did during the measured iterations (counted, not forwarded). */
  activity?: { logs: number; stateWrites: number; points: number; firstErrorLog?: string };
  durationMs: number;
}

export interface ReferenceResult {
  figures: BenchFiguresView;
  pingMs: number;
}

export interface BenchOptions {
  /** Run only the benchmark with exactly this name (an unknown name is invalid input). */
  caseName?: string;
  /** Write `test/bench-baseline.json` from this run instead of comparing with it. */
  saveBaseline?: boolean;
  /** Allowed slowdown as a fraction (default 0.1). */
  threshold?: number;
  signal?: AbortSignal;
  onReference?: (reference: ReferenceResult) => void;
  onBenchmarkStart?: (started: { plugin: string; file: string; benchmark: string; line: number }) => void;
  onBenchmark?: (result: BenchResult) => void;
  bundles?: RuntimeBundles;
  defaultLimits?: Partial<LimitDefaults>;
  /** Overrides every benchmark's measuring time (tests and `npm run bench`). */
  timeMs?: number;
}

export interface BenchReport {
  pluginDir: string;
  status: 'passed' | 'failed' | 'invalid' | 'cancelled';
  exitCode: 0 | 1 | 2 | 130;
  files: string[];
  plugin?: string;
  reference?: ReferenceResult;
  results: BenchResult[];
  diagnostics: AetherDiagnostic[];
  /** How results were compared, when a baseline was found. */
  baseline?: { file: string; action: 'compared' | 'saved'; sameMachine: boolean; machine: MachineInfo };
  threshold: number;
  confidence: number;
  /** Things the user should know that are not failures (a baseline replaced, benchmarks without one). */
  notes: string[];
  summary?: BenchSummary;
  /** The plugin's attestation: the figures are of the code on disk, which may not be what was signed. */
  attestation?: AttestationResult;
}

export async function runBench(pluginDir: string, options: BenchOptions = {}): Promise<BenchReport> {
  const dir = path.resolve(pluginDir);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const report: BenchReport = {
    pluginDir: dir,
    status: 'invalid',
    exitCode: 2,
    files: [],
    results: [],
    diagnostics: [],
    threshold,
    confidence: DEFAULT_CONFIDENCE,
    notes: [],
  };
  const invalid = (code: string, message: string, file?: string, range?: SourceRange): BenchReport => {
    report.diagnostics.push({ code, severity: 'error', message, ...(file ? { file } : {}), ...(range ? { range } : {}) });
    return report;
  };

  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return invalid(
      'bench/no-plugin-dir',
      `${pluginDir} is not a folder: pass the plugin's folder (the one holding test/*.bench.yaml)`,
      dir,
    );
  }
  const testDir = path.join(dir, 'test');
  report.files = existsSync(testDir)
    ? readdirSync(testDir)
        .filter((name) => name.endsWith('.bench.yaml'))
        .sort()
        .map((name) => path.join(testDir, name))
    : [];
  if (report.files.length === 0) {
    return invalid(
      'bench/no-files',
      `${pluginDir} has no benchmarks: add test/<name>.bench.yaml with \`plugin:\` and \`benchmarks:\``,
      testDir,
    );
  }

  const files: BenchFile[] = [];
  for (const file of report.files) {
    const parsed = parseBenchFile(readFileSync(file, 'utf8'), file);
    report.diagnostics.push(...parsed.diagnostics);
    if (parsed.bench) files.push(parsed.bench);
  }
  if (report.diagnostics.length > 0) return report;
  // The baseline keys figures by name, so names are unique across the plugin's bench files.
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const entry of file.benchmarks) {
      const first = seen.get(entry.name);
      if (first !== undefined) {
        invalid(
          'bench/duplicate-benchmark',
          `benchmark name "${entry.name}" is also used in ${path.basename(first)}: names must be unique across the plugin's bench files`,
          file.file,
          entry.range,
        );
      } else seen.set(entry.name, file.file);
    }
  }
  if (report.diagnostics.length > 0) return report;

  let selected = files.map((file) => ({ file, benchmarks: file.benchmarks }));
  if (options.caseName !== undefined) {
    const wanted = options.caseName;
    selected = selected
      .map(({ file, benchmarks }) => ({ file, benchmarks: benchmarks.filter((b) => b.name === wanted) }))
      .filter((s) => s.benchmarks.length > 0);
    if (selected.length === 0) {
      const names = [...seen.keys()];
      return invalid(
        'bench/unknown-case',
        `no benchmark is named "${wanted}".${didYouMean(wanted, names)} Benchmarks: ${names.map((name) => JSON.stringify(name)).join(', ')}`,
      );
    }
  }

  const baselineRead = options.saveBaseline ? { baseline: readBaseline(dir).baseline } : readBaseline(dir);
  if ('error' in baselineRead && baselineRead.error)
    return invalid('bench/bad-baseline', baselineRead.error, path.join(dir, 'test', 'bench-baseline.json'));
  const previous = baselineRead.baseline;

  const workspaceRoot = findWorkspaceRoot(dir);
  const bundles = options.bundles ?? defaultBundles();
  const limitDefaults: LimitDefaults = { ...SPEC_DEFAULT_LIMITS, ...options.defaultLimits };
  const verified = await benchAttestation(dir, workspaceRoot);
  report.attestation = verified.result;
  const newHost = () =>
    new PluginHosts({ hostModule: bundles.hostModule, cwd: workspaceRoot, onNotification: () => {}, onCrash: () => {} });
  let host = newHost();
  let nextPluginId = 1;
  const signal = options.signal;
  const onAbort = () => host.kill('was stopped: the benchmark run was cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const prepared = new Map<string, PreparedPlugin>();
    for (const { file, benchmarks } of selected) {
      let plugin = prepared.get(file.plugin);
      if (!plugin) {
        const result = await preparePlugin(
          file.plugin,
          { file: file.file, range: file.pluginRange },
          dir,
          workspaceRoot,
          bundles,
          host,
          nextPluginId++,
          limitDefaults,
          verified,
        );
        report.diagnostics.push(...result.diagnostics);
        if (!result.plugin) continue;
        plugin = result.plugin;
        prepared.set(file.plugin, plugin);
      }
      for (const entry of benchmarks) {
        if (commandName(entry.command, plugin) !== undefined) continue;
        const known = Object.keys(plugin.commands);
        invalid(
          'bench/unknown-command',
          `benchmark "${entry.name}": plugin "${plugin.meta.name}" has no command "${entry.command}".${didYouMean(entry.command, known)} Its commands: ${known.join(', ')}`,
          file.file,
          entry.commandRange,
        );
      }
    }
    if (report.diagnostics.some((d) => d.severity === 'error')) return report;
    const first = prepared.values().next().value!;
    report.plugin = first.meta.name;

    // The reference no-op, in the same kind of host and worker as the benchmarks, before them.
    const allSelected = selected.flatMap((s) => s.benchmarks);
    const referenceTime = options.timeMs ?? Math.min(1000, Math.max(200, ...allSelected.map((b) => b.timeMs)));
    const reference = await measureReference(host, nextPluginId++, first, referenceTime, workspaceRoot, limitDefaults);
    await host.shutdown();
    if ('fault' in reference) {
      report.notes.push(`the reference no-op could not be measured (${reference.fault.message}); no ratios`);
    } else {
      report.reference = reference;
      options.onReference?.(reference);
    }
    const referenceFigures = 'fault' in reference ? undefined : reference.figures;
    const referenceSamples = 'fault' in reference ? undefined : reference.sampleMs;
    const machine = machineInfo();
    const same = previous ? sameMachine(previous.machine, machine) : true;
    if (previous && !options.saveBaseline) {
      report.baseline = {
        file: path.join(dir, 'test', 'bench-baseline.json'),
        action: 'compared',
        sameMachine: same,
        machine: previous.machine,
      };
      if (!same)
        report.notes.push(
          `the baseline was measured on another machine (${describeMachine(previous.machine)}): comparing ratios to the reference no-op`,
        );
    }

    const measured = new Map<string, BenchFigures>();
    for (const { file, benchmarks } of selected) {
      const plugin = prepared.get(file.plugin)!;
      for (const entry of benchmarks) {
        if (signal?.aborted) break;
        // A fresh host per benchmark: nothing an earlier benchmark left running competes for the CPU.
        host = newHost();
        options.onBenchmarkStart?.({ plugin: plugin.meta.name, file: file.file, benchmark: entry.name, line: entry.range.line });
        const started = performance.now();
        const outcome = await runOne(host, nextPluginId++, plugin, file, entry, workspaceRoot, limitDefaults, options.timeMs).finally(() =>
          host.shutdown(),
        );
        const result: BenchResult = {
          type: 'benchmark',
          plugin: plugin.meta.name,
          file: file.file,
          benchmark: entry.name,
          line: entry.range.line,
          status: 'ok',
          durationMs: 0,
        };
        if ('error' in outcome) {
          result.status = 'failed';
          result.error = outcome.error;
        } else {
          measured.set(entry.name, outcome.figures);
          result.figures = view(outcome.figures);
          if (referenceFigures) result.relative = relativeTo(outcome.figures, referenceFigures);
          result.isolation = outcome.isolation;
          result.activity = {
            logs: outcome.figures.logs,
            stateWrites: outcome.figures.stateWrites,
            points: outcome.figures.points,
            ...(outcome.figures.firstErrorLog !== undefined ? { firstErrorLog: outcome.figures.firstErrorLog } : {}),
          };
          const recorded = previous?.benchmarks[entry.name];
          if (previous && !options.saveBaseline) {
            if (!recorded?.sampleMs) report.notes.push(`"${entry.name}" has no baseline yet; run with --save-baseline to record one`);
            else if (!same && (!referenceSamples || !previous.reference.sampleMs)) {
              report.notes.push(`"${entry.name}" not compared: the reference no-op is missing from this run or the baseline`);
            } else {
              result.comparison = compareWithBaseline(outcome.figures.sampleMs, recorded.sampleMs, {
                threshold,
                ...(same ? {} : { reference: { current: referenceSamples!, baseline: previous.reference.sampleMs! } }),
              });
              if (result.comparison.slower) result.status = 'slower';
            }
          }
        }
        result.durationMs = Math.round(performance.now() - started);
        report.results.push(result);
        options.onBenchmark?.(result);
      }
    }

    if (options.saveBaseline && !signal?.aborted) {
      if (!referenceFigures) {
        report.notes.push('no baseline written: the reference no-op could not be measured');
      } else if (measured.size === 0) {
        report.notes.push('no baseline written: no benchmark completed');
      } else {
        const keep = previous && sameMachine(previous.machine, machine) && options.caseName !== undefined ? previous.benchmarks : {};
        if (previous && options.caseName !== undefined && !sameMachine(previous.machine, machine)) {
          report.notes.push('the previous baseline came from another machine: it was replaced, not merged');
        }
        const baseline: BenchBaseline = {
          version: 1,
          plugin: first.meta.name,
          pluginVersion: first.meta.version,
          savedAt: new Date().toISOString(),
          machine,
          library: 'tinybench',
          reference: recordOf(referenceFigures, undefined, true),
          benchmarks: { ...keep },
        };
        // Samples are kept as thinned, sorted quantiles; enough for the bootstrap, small enough to commit.
        if (reference && !('fault' in reference)) baseline.reference.sampleMs = reference.sampleMs;
        for (const [name, figures] of measured) baseline.benchmarks[name] = recordOf(figures, referenceFigures.medianMs, true);
        const written = writeBaseline(dir, baseline);
        report.baseline = { file: written, action: 'saved', sameMachine: true, machine };
      }
    }

    report.summary = {
      plugin: first.meta.name,
      pluginVersion: first.meta.version,
      time: new Date().toISOString(),
      source: 'run',
      machine,
      library: 'tinybench',
      reference: referenceFigures ? recordOf(referenceFigures, undefined, false) : recordOf(emptyFigures(), undefined, false),
      benchmarks: report.results.map((result) => {
        const figures = measured.get(result.benchmark);
        return {
          name: result.benchmark,
          status: result.status,
          ...(result.error !== undefined ? { error: result.error } : {}),
          ...recordOf(figures ?? emptyFigures(), referenceFigures?.medianMs, false),
        };
      }),
    };
    if (!signal?.aborted) writeSummary(dir, workspaceRoot, report.summary);

    if (signal?.aborted) Object.assign(report, { status: 'cancelled', exitCode: 130 });
    else if (report.results.some((r) => r.status !== 'ok')) Object.assign(report, { status: 'failed', exitCode: 1 });
    else Object.assign(report, { status: 'passed', exitCode: 0 });
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await host.shutdown();
  }
}

function emptyFigures(): BenchFigures {
  return {
    samples: 0,
    batch: 1,
    meanMs: 0,
    medianMs: 0,
    p95Ms: 0,
    p99Ms: 0,
    minMs: 0,
    maxMs: 0,
    sdMs: 0,
    moeMs: 0,
    rmePercent: 0,
    opsPerSec: 0,
    peakHeapBytes: 0,
    heapGrowthBytes: 0,
    sampleMs: [],
    logs: 0,
    stateWrites: 0,
    points: 0,
    library: 'tinybench',
  };
}

function view(figures: BenchFigures): BenchFiguresView {
  const { samples, batch, meanMs, medianMs, p95Ms, p99Ms, minMs, maxMs, opsPerSec, moeMs, rmePercent, peakHeapBytes, heapGrowthBytes } =
    figures;
  return { samples, batch, meanMs, medianMs, p95Ms, p99Ms, minMs, maxMs, opsPerSec, moeMs, rmePercent, peakHeapBytes, heapGrowthBytes };
}

function relativeTo(figures: BenchFigures, reference: BenchFiguresView): NonNullable<BenchResult['relative']> {
  const over = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    meanMs: over(figures.meanMs, reference.meanMs),
    medianMs: over(figures.medianMs, reference.medianMs),
    p95Ms: over(figures.p95Ms, reference.p95Ms),
    p99Ms: over(figures.p99Ms, reference.p99Ms),
    opsPerSec: over(reference.opsPerSec, figures.opsPerSec),
  };
}

function describeMachine(machine: MachineInfo): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.platform}-${machine.arch}, node ${machine.node}`;
}

function planOf(timeMs: number, iterations: number | undefined, warmupMs: number): BenchPlan {
  return iterations !== undefined
    ? {
        target: 'plugin',
        timeMs: 0,
        iterations,
        warmupMs: 0,
        warmupIterations: Math.min(iterations, Math.max(1, Math.round(iterations / 10))),
        maxSamples: MAX_KEPT_SAMPLES,
      }
    : { target: 'plugin', timeMs, iterations: 10, warmupMs, warmupIterations: 1, maxSamples: MAX_KEPT_SAMPLES };
}

function contextFor(
  plugin: PreparedPlugin,
  file: string,
  command: string,
  entry: Pick<BenchCase, 'config' | 'input' | 'state'>,
  workspaceRoot: string,
  stepId: string,
): ContextSnapshot {
  return {
    pipeline: { name: `bench: ${path.basename(file)}`, file },
    step: { id: stepId, command, input: entry.input },
    command,
    input: entry.input,
    config: entry.config,
    state: structuredClone(entry.state),
    pluginDir: plugin.moduleDir,
    workspaceRoot,
  };
}

async function loadInstance(
  host: PluginHosts,
  pluginId: number,
  plugin: PreparedPlugin,
  limitDefaults: LimitDefaults,
): Promise<string | undefined> {
  const limits = callLimitsOf(plugin.meta, undefined, undefined, limitDefaults);
  const loaded = await host.load(
    pluginId,
    plugin.bundleFile,
    plugin.entry,
    { timeoutMs: limitDefaults.timeoutMs, heapMb: limits.heapMb },
    plugin.grant,
  );
  if (loaded.fault) return `could not load the plugin: ${faultText(loaded.fault, limits.heapMb)}`;
  const instantiated = await host.instantiate(pluginId, limits.heapMb);
  if (instantiated) return `its constructor failed: ${faultText(instantiated, limits.heapMb)}`;
  return undefined;
}

async function pingMedian(host: PluginHosts, pluginId: number, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await host.ping(pluginId);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function measureReference(
  host: PluginHosts,
  pluginId: number,
  plugin: PreparedPlugin,
  timeMs: number,
  workspaceRoot: string,
  limitDefaults: LimitDefaults,
): Promise<(ReferenceResult & { sampleMs: number[] }) | { fault: PluginFault }> {
  const failed = await loadInstance(host, pluginId, plugin, limitDefaults);
  if (failed) return { fault: { kind: 'error', message: failed } };
  const limits = callLimitsOf(plugin.meta, undefined, undefined, limitDefaults);
  const context = contextFor(plugin, 'reference', 'noop', { config: {}, input: {}, state: {} }, workspaceRoot, 'reference-noop');
  const plan: BenchPlan = { ...planOf(timeMs, undefined, Math.min(250, timeMs / 4)), target: 'reference' };
  const outcome = await host.bench(pluginId, context, limits, plan);
  if (!outcome.ok) return { fault: outcome.fault };
  return { figures: view(outcome.figures), sampleMs: outcome.figures.sampleMs, pingMs: await pingMedian(host, pluginId, 100) };
}

/** Runs one benchmark in its own plugin instance; never throws for anything the plugin does. */
async function runOne(
  host: PluginHosts,
  pluginId: number,
  plugin: PreparedPlugin,
  file: BenchFile,
  entry: BenchCase,
  workspaceRoot: string,
  limitDefaults: LimitDefaults,
  timeOverride: number | undefined,
): Promise<{ figures: BenchFigures; isolation: IsolationFigures } | { error: string }> {
  const { meta } = plugin;
  const command = commandName(entry.command, plugin)!;
  // The same checks a run makes before calling the plugin, with the same words.
  const configProblems = validateAgainst(meta.config, entry.config);
  if (configProblems.length > 0) {
    return { error: `config does not fit plugin "${meta.name}"'s config schema: ${configProblems.map((p) => p.message).join('; ')}` };
  }
  const inputProblems = validateAgainst(plugin.commands[command]?.input, entry.input);
  if (inputProblems.length > 0) {
    return { error: `input does not fit command "${command}" (plugin "${meta.name}"): ${inputProblems.map((p) => p.message).join('; ')}` };
  }
  const failed = await loadInstance(host, pluginId, plugin, limitDefaults);
  if (failed) return { error: failed };
  const limits = callLimitsOf(meta, undefined, undefined, limitDefaults);
  const stepId =
    entry.name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || `benchmark-${entry.index + 1}`;
  const context = contextFor(plugin, file.file, command, entry, workspaceRoot, stepId);
  const timeMs = entry.iterations !== undefined ? 0 : (timeOverride ?? entry.timeMs);
  const warmupMs = timeOverride !== undefined ? Math.min(entry.warmupMs, timeOverride / 4) : entry.warmupMs;
  const outcome = await host.bench(pluginId, context, limits, planOf(timeMs, entry.iterations, warmupMs));
  if (!outcome.ok) return { error: benchFaultText(outcome.fault, limits) };

  // The isolation round trip: whole `execute` calls from this process, beside the in-worker figures.
  const calls = Math.max(
    ROUND_TRIP_CALLS.min,
    Math.min(ROUND_TRIP_CALLS.max, Math.floor(ROUND_TRIP_BUDGET_MS / Math.max(outcome.figures.medianMs, 0.001))),
  );
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    const result = await host.call(
      pluginId,
      'execute',
      undefined,
      contextFor(plugin, file.file, command, entry, workspaceRoot, stepId),
      limits,
    );
    if (!result.ok) return { error: `failed in a round-trip call after the benchmark: ${benchFaultText(result.fault, limits)}` };
    times.push(performance.now() - started);
  }
  const roundTripMs = median(times);
  const pingMs = await pingMedian(host, pluginId, 50);
  return {
    figures: outcome.figures,
    isolation: { roundTripMs, calls, pingMs, overheadMs: roundTripMs - outcome.figures.medianMs },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function faultText(fault: PluginFault, heapMb: number): string {
  return fault.kind === 'heap' ? `exceeded its ${heapMb} MB heap limit` : fault.message;
}

/** The benchmark's error: the plugin's own words when it threw, the limit otherwise. */
function benchFaultText(fault: PluginFault, limits: { timeoutMs: number; heapMb: number }): string {
  switch (fault.kind) {
    case 'timeout':
      return fault.message.includes('benchmark iteration')
        ? fault.message
        : `exceeded its ${limits.timeoutMs} ms timeout (${fault.message})`;
    case 'heap':
      return `exceeded its ${limits.heapMb} MB heap limit`;
    case 'error':
      return `the plugin threw: ${fault.message}`;
    default:
      return fault.message;
  }
}

/** The plugin folder checked against the workspace's trusted keys (read once; what was measured is what is on disk). */
async function benchAttestation(dir: string, workspaceRoot: string): Promise<VerifiedTree> {
  let keys: Parameters<typeof verifyPluginTree>[2] = [];
  try {
    let configRoot = workspaceRoot;
    for (let at = dir; ; at = path.dirname(at)) {
      if (existsSync(path.join(at, 'aether.config.json'))) {
        configRoot = at;
        break;
      }
      if (path.dirname(at) === at) break;
    }
    keys = readTrustSettings(readConfig(configRoot).raw).keys;
  } catch {
    // A broken aether.trust section: no key vouches for anything.
  }
  return verifyPluginTree(dir, undefined, keys).catch((error: Error) => ({
    result: { status: 'malformed' as const, message: `The plugin in ${dir} cannot be read as a tree: ${error.message}` },
  }));
}
