// `aether dev plugin-bench <plugin-dir> [--case NAME] [--json] [--save-baseline] [--threshold P]`
// (spec section 11). Exit codes: 0 every benchmark ran (and none is significantly slower than its
// baseline); 1 a benchmark failed or is slower; 2 a bench file, the plugin, --case, --threshold or the
// baseline is invalid (reasons on stderr). `--json` prints NDJSON: one `reference` object, one
// `benchmark` object per benchmark as it finishes, then one `summary`.
import path from 'node:path';
import { runBench, parseThreshold, DEFAULT_THRESHOLD, type BenchResult, type ReferenceResult } from '../../pluginBench';
import { colorsFor, formatDiagnostic, type Colors } from '../terminal';

export interface PluginBenchOptions {
  case?: string;
  json?: boolean;
  saveBaseline?: boolean;
  threshold?: string;
}

export async function pluginBenchCommand(pluginDir: string, options: PluginBenchOptions): Promise<number> {
  const out = process.stdout;
  const colors = colorsFor(out);
  const errColors = colorsFor(process.stderr);
  let threshold = DEFAULT_THRESHOLD;
  if (options.threshold !== undefined) {
    const parsed = parseThreshold(options.threshold);
    if (parsed === undefined) {
      process.stderr.write(`${errColors.red('error')}: --threshold ${options.threshold}: give a percentage such as 10% or 25\n`);
      return 2;
    }
    threshold = parsed;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${colors.yellow('cancelling: the running benchmark is stopped (Ctrl-C again to stop now)')}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let lastFile: string | undefined;
  let reference: ReferenceResult | undefined;
  const onReference = (measured: ReferenceResult) => {
    reference = measured;
    if (options.json) out.write(`${JSON.stringify({ type: 'reference', command: 'noop', ...measured })}\n`);
    else
      out.write(
        `${colors.dim('reference no-op'.padEnd(28))} ${formatFigures(measured.figures, colors)}  ${colors.dim(`ping ${ms(measured.pingMs)}`)}\n`,
      );
  };
  const onBenchmark = (result: BenchResult) => {
    if (options.json) {
      out.write(`${JSON.stringify(result)}\n`);
      return;
    }
    if (result.file !== lastFile) {
      lastFile = result.file;
      out.write(`${colors.bold(result.plugin)}  ${colors.dim(relative(result.file))}\n`);
    }
    out.write(formatResult(result, reference, threshold, colors));
  };

  try {
    const report = await runBench(pluginDir, {
      caseName: options.case,
      saveBaseline: options.saveBaseline,
      threshold,
      signal: controller.signal,
      onReference,
      onBenchmark,
    });
    if (report.status === 'invalid') {
      process.stderr.write(`${errColors.red('error')}: ${pluginDir}: the benchmarks cannot run; nothing was measured\n`);
      for (const diagnostic of report.diagnostics) process.stderr.write(`  ${formatDiagnostic(diagnostic, errColors)}\n`);
      if (options.json) {
        for (const diagnostic of report.diagnostics) {
          out.write(
            `${JSON.stringify({ type: 'diagnostic', code: diagnostic.code, message: diagnostic.message, file: diagnostic.file, line: diagnostic.range?.line, column: diagnostic.range?.column })}\n`,
          );
        }
      }
    }
    const counts = {
      ok: report.results.filter((r) => r.status === 'ok').length,
      failed: report.results.filter((r) => r.status === 'failed').length,
      slower: report.results.filter((r) => r.status === 'slower').length,
    };
    if (options.json) {
      out.write(
        `${JSON.stringify({
          type: 'summary',
          status: report.status,
          benchmarks: report.results.length,
          ...counts,
          ...(report.status === 'invalid' ? { errors: report.diagnostics.length } : {}),
          test: 'bootstrap-median-ratio',
          confidence: report.confidence,
          threshold: report.threshold,
          ...(report.reference
            ? { reference: { medianMs: report.reference.figures.medianMs, meanMs: report.reference.figures.meanMs } }
            : {}),
          ...(report.baseline
            ? { baseline: { action: report.baseline.action, file: report.baseline.file, sameMachine: report.baseline.sameMachine } }
            : {}),
          notes: report.notes,
          ...(report.attestation ? { attestation: { status: report.attestation.status, message: report.attestation.message } } : {}),
        })}\n`,
      );
    } else if (report.status !== 'invalid') {
      for (const note of report.notes) out.write(`${colors.yellow('note')}: ${note}\n`);
      if (report.attestation && report.attestation.status !== 'verified') {
        out.write(
          `${colors.yellow(`attestation ${report.attestation.status}`)}: ${report.attestation.message} These figures are of code no trusted attestation vouches for.\n`,
        );
      }
      for (const result of report.results.filter((r) => r.status === 'slower')) {
        const c = result.comparison!;
        process.stderr.write(
          `${errColors.red('slower')}: "${result.benchmark}": median ${ms(c.currentMedianMs)} against ${ms(c.baselineMedianMs)} in the baseline (${c.ratio.toFixed(2)}x${c.normalized ? ' as ratios to the reference no-op' : ''}); ${Math.round(c.confidence * 100)}% confident it is at least ${c.lowerBound.toFixed(2)}x, beyond the ${pct(c.threshold)} threshold\n`,
        );
      }
      if (report.baseline?.action === 'saved') out.write(`baseline saved to ${relative(report.baseline.file)} (commit it)\n`);
      const compared = report.baseline?.action === 'compared';
      out.write(
        `\n${counts.ok} ok, ${counts.failed} failed${compared ? `, ${counts.slower} slower than the baseline (bootstrap on medians, ${Math.round(report.confidence * 100)}% confidence, threshold ${pct(report.threshold)})` : ''}\n`,
      );
    }
    return report.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** A duration in the unit that reads best: ns, µs, ms or s. */
export function ms(value: number): string {
  if (value < 0.001) return `${(value * 1e6).toFixed(0)} ns`;
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} µs`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

function bytes(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs < 1024) return `${sign}${abs} B`;
  if (abs < 1024 * 1024) return `${sign}${(abs / 1024).toFixed(1)} kB`;
  return `${sign}${(abs / 1024 / 1024).toFixed(1)} MB`;
}

function ops(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M ops/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k ops/s`;
  return `${value.toFixed(1)} ops/s`;
}

function pct(fraction: number): string {
  return `${+(fraction * 100).toFixed(1)}%`;
}

function formatFigures(figures: NonNullable<BenchResult['figures']>, colors: Colors): string {
  return [
    `median ${colors.bold(ms(figures.medianMs))}`,
    `mean ${ms(figures.meanMs)} ±${figures.rmePercent.toFixed(1)}%`,
    `p95 ${ms(figures.p95Ms)}`,
    `p99 ${ms(figures.p99Ms)}`,
    ops(figures.opsPerSec),
    `${figures.samples} samples${figures.batch > 1 ? ` of ${figures.batch} calls` : ''}`,
    `heap peak ${bytes(figures.peakHeapBytes)} (${figures.heapGrowthBytes >= 0 ? '+' : ''}${bytes(figures.heapGrowthBytes)})`,
  ].join('  ');
}

function formatResult(result: BenchResult, reference: ReferenceResult | undefined, threshold: number, colors: Colors): string {
  const name = result.benchmark.length > 26 ? `${result.benchmark.slice(0, 25)}…` : result.benchmark;
  if (result.status === 'failed' || !result.figures) {
    return `  ${colors.red('✗')} ${name}  ${colors.dim(`${relative(result.file)}:${result.line}`)}\n      ${colors.red(result.error ?? 'failed')}\n`;
  }
  const mark = result.status === 'slower' ? colors.red('✗') : colors.green('✓');
  let text = `  ${mark} ${name.padEnd(26)} ${formatFigures(result.figures, colors)}\n`;
  const extras: string[] = [];
  if (result.relative && reference) extras.push(`${result.relative.medianMs.toFixed(1)}x the reference no-op`);
  if (result.isolation) {
    extras.push(
      `round trip from the runtime ${ms(result.isolation.roundTripMs)} (isolation +${ms(Math.max(0, result.isolation.overheadMs))}, ping ${ms(result.isolation.pingMs)})`,
    );
  }
  if (extras.length > 0) text += `      ${colors.dim(extras.join('; '))}\n`;
  const comparison = result.comparison;
  if (comparison && !comparison.skipped) {
    const what = comparison.normalized ? 'ratio to the reference' : 'median';
    const line = `baseline ${ms(comparison.baselineMedianMs)} → ${ms(comparison.currentMedianMs)} (${what} ${comparison.ratio.toFixed(2)}x; ${Math.round(comparison.confidence * 100)}% confident ≥ ${comparison.lowerBound.toFixed(2)}x)`;
    text +=
      result.status === 'slower'
        ? `      ${colors.red(`slower: ${line}, beyond the ${pct(threshold)} threshold`)}\n`
        : `      ${colors.dim(`${line}: within the ${pct(threshold)} threshold`)}\n`;
  } else if (comparison?.skipped) {
    text += `      ${colors.dim(`not compared with the baseline: ${comparison.skipped}`)}\n`;
  }
  return text;
}
