// Plugin benchmarks (spec section 11): bench files, the runner behind `aether dev plugin-bench`, the
// statistical comparison with a baseline, and the latest summary for signing. Imports the host, the
// plugin model and the engine's limits; nothing from the CLI, so the VS Code extension can embed it.
export {
  runBench,
  DEFAULT_THRESHOLD,
  MAX_KEPT_SAMPLES,
  type BenchOptions,
  type BenchReport,
  type BenchResult,
  type BenchFiguresView,
  type IsolationFigures,
  type ReferenceResult,
} from './runBench';
export { parseBenchFile, parseDuration, type ParsedBenchFile, type BenchFile, type BenchCase } from './benchFile';
export { compareWithBaseline, parseThreshold, DEFAULT_CONFIDENCE, type Comparison, type CompareOptions } from './compare';
export {
  latestBenchSummary,
  readBaseline,
  BASELINE_FILE,
  type BenchBaseline,
  type BenchRecord,
  type BenchSummary,
  type MachineInfo,
} from './baseline';
