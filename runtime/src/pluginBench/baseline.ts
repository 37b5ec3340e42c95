// `test/bench-baseline.json` (written by `--save-baseline`, committed with the plugin) and the latest
// run's summary (kept outside the plugin folder: a file written into a signed plugin would make it
// `modified`). Both are plain JSON; `latestBenchSummary` is what `aether plugins sign` can record.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findWorkspaceRoot } from '../config/workspace';

export const BASELINE_FILE = path.join('test', 'bench-baseline.json');

/** Where figures were measured; a baseline from another machine is compared through the reference. */
export interface MachineInfo {
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    platform: process.platform,
    arch: process.arch,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
  };
}

export function sameMachine(a: MachineInfo, b: MachineInfo): boolean {
  return a.platform === b.platform && a.arch === b.arch && a.cpu === b.cpu && a.cores === b.cores && a.node === b.node;
}

/** The figures one benchmark keeps in the baseline and the summary (samples only in the baseline). */
export interface BenchRecord {
  samples: number;
  meanMs: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  opsPerSec: number;
  moeMs: number;
  peakHeapBytes: number;
  heapGrowthBytes: number;
  /** Median over the reference no-op's median, measured in the same run. */
  ratio?: number;
  sampleMs?: number[];
}

export interface BenchBaseline {
  version: 1;
  plugin: string;
  pluginVersion: string;
  savedAt: string;
  machine: MachineInfo;
  library: string;
  reference: BenchRecord;
  benchmarks: Record<string, BenchRecord>;
}

/** The latest figures of a plugin, without raw samples: what signing records. */
export interface BenchSummary {
  plugin: string;
  pluginVersion: string;
  /** ISO time the figures were measured. */
  time: string;
  /** `run`: the last `plugin-bench`; `baseline`: the committed test/bench-baseline.json. */
  source: 'run' | 'baseline';
  machine: MachineInfo;
  library: string;
  reference: BenchRecord;
  benchmarks: Array<BenchRecord & { name: string; status: 'ok' | 'failed' | 'slower'; error?: string }>;
}

export function recordOf(
  figures: Omit<BenchRecord, 'ratio' | 'sampleMs'> & { sampleMs?: number[] },
  referenceMedianMs: number | undefined,
  withSamples: boolean,
): BenchRecord {
  return {
    samples: figures.samples,
    meanMs: figures.meanMs,
    medianMs: figures.medianMs,
    p95Ms: figures.p95Ms,
    p99Ms: figures.p99Ms,
    opsPerSec: figures.opsPerSec,
    moeMs: figures.moeMs,
    peakHeapBytes: figures.peakHeapBytes,
    heapGrowthBytes: figures.heapGrowthBytes,
    ...(referenceMedianMs && referenceMedianMs > 0 ? { ratio: figures.medianMs / referenceMedianMs } : {}),
    ...(withSamples && figures.sampleMs ? { sampleMs: figures.sampleMs } : {}),
  };
}

/** Writes a file whole or not at all: a temporary file renamed into place. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

export type BaselineRead = { baseline?: BenchBaseline; error?: string };

export function readBaseline(pluginDir: string): BaselineRead {
  const file = path.join(pluginDir, BASELINE_FILE);
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchBaseline>;
    if (data.version !== 1 || typeof data.benchmarks !== 'object' || data.benchmarks === null || !data.reference || !data.machine) {
      return { error: `${file} is not a plugin-bench baseline (version 1); run with --save-baseline to write a new one` };
    }
    return { baseline: data as BenchBaseline };
  } catch (error) {
    return { error: `${file} cannot be read as JSON (${(error as Error).message}); run with --save-baseline to write a new one` };
  }
}

export function writeBaseline(pluginDir: string, baseline: BenchBaseline): string {
  const file = path.join(pluginDir, BASELINE_FILE);
  writeAtomically(file, `${JSON.stringify(baseline, null, 2)}\n`);
  return file;
}

/** The last run's summary lives in the workspace's `.aether/bench/` (outside the plugin), else in the temp folder. */
export function summaryFile(pluginDir: string, workspaceRoot: string): string {
  const dir = path.resolve(pluginDir);
  const key = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const inside = (parent: string, child: string) => {
    const relative = path.relative(parent, child);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const base = inside(dir, path.join(workspaceRoot, '.aether'))
    ? path.join(os.tmpdir(), 'aetherscript')
    : path.join(workspaceRoot, '.aether');
  return path.join(base, 'bench', `${path.basename(dir)}-${key}.json`);
}

export function writeSummary(pluginDir: string, workspaceRoot: string, summary: BenchSummary): void {
  try {
    writeAtomically(summaryFile(pluginDir, workspaceRoot), `${JSON.stringify(summary, null, 2)}\n`);
  } catch {
    // A read-only workspace loses only the summary; the run's result stands.
  }
}

function summaryOfBaseline(baseline: BenchBaseline): BenchSummary {
  const strip = ({ sampleMs: _samples, ...record }: BenchRecord): BenchRecord => record;
  return {
    plugin: baseline.plugin,
    pluginVersion: baseline.pluginVersion,
    time: baseline.savedAt,
    source: 'baseline',
    machine: baseline.machine,
    library: baseline.library,
    reference: strip(baseline.reference),
    benchmarks: Object.entries(baseline.benchmarks).map(([name, record]) => ({ name, status: 'ok' as const, ...strip(record) })),
  };
}

/**
 * The latest benchmark figures of a plugin as plain JSON: the last `plugin-bench` run's summary, or
 * the committed baseline when that is newer or no run is on record; undefined when neither exists.
 * `workspaceRoot` is the workspace the run found (by default, found from the plugin folder).
 */
export function latestBenchSummary(pluginDir: string, workspaceRoot?: string): BenchSummary | undefined {
  const dir = path.resolve(pluginDir);
  let run: BenchSummary | undefined;
  try {
    const file = summaryFile(dir, workspaceRoot ?? findWorkspaceRoot(dir));
    run = JSON.parse(readFileSync(file, 'utf8')) as BenchSummary;
  } catch {
    run = undefined;
  }
  const { baseline } = readBaseline(dir);
  const fromBaseline = baseline ? summaryOfBaseline(baseline) : undefined;
  if (run && fromBaseline) return Date.parse(run.time) >= Date.parse(fromBaseline.time) ? run : fromBaseline;
  return run ?? fromBaseline;
}
