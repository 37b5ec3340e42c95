// `aether dev plugin-test <plugin-dir> [--case NAME] [--json]` (spec section 8). Exit codes: 0 every
// case passed, 1 a case failed, 2 a sandbox file, the plugin or --case is invalid (reasons on stderr).
// `--json` prints NDJSON: one `case` object per case as it finishes, then one `summary`.
import path from 'node:path';
import { runSandbox, type SandboxCaseResult } from '../../sandbox';
import type { SandboxFailure } from '../../sandbox/compareCase';
import { colorsFor, formatDiagnostic, type Colors } from '../terminal';

export interface PluginTestOptions {
  case?: string;
  json?: boolean;
}

export async function pluginTestCommand(pluginDir: string, options: PluginTestOptions): Promise<number> {
  const out = process.stdout;
  const colors = colorsFor(out);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${colors.yellow('cancelling: the running case gets a grace period to stop (Ctrl-C again to stop now)')}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let lastFile: string | undefined;
  const onCase = (result: SandboxCaseResult) => {
    if (options.json) {
      out.write(`${JSON.stringify(result)}\n`);
      return;
    }
    if (result.file !== lastFile) {
      lastFile = result.file;
      out.write(`${colors.bold(result.plugin)}  ${colors.dim(relative(result.file))}\n`);
    }
    out.write(formatCase(result, colors));
  };

  try {
    const report = await runSandbox(pluginDir, { caseName: options.case, signal: controller.signal, onCase });
    if (report.status === 'invalid') {
      const errColors = colorsFor(process.stderr);
      process.stderr.write(`${errColors.red('error')}: ${pluginDir}: the sandbox cannot run; nothing was run\n`);
      for (const diagnostic of report.diagnostics) process.stderr.write(`  ${formatDiagnostic(diagnostic, errColors)}\n`);
      if (options.json) {
        for (const diagnostic of report.diagnostics) {
          out.write(
            `${JSON.stringify({ type: 'diagnostic', code: diagnostic.code, message: diagnostic.message, file: diagnostic.file, line: diagnostic.range?.line, column: diagnostic.range?.column })}\n`,
          );
        }
      }
    }
    const attestation = report.attestation;
    if (options.json)
      out.write(
        `${JSON.stringify({ type: 'summary', passed: report.passed, failed: report.failed, ...(report.status === 'invalid' ? { errors: report.diagnostics.length } : {}), ...(attestation ? { attestation: { status: attestation.status, message: attestation.message } } : {}) })}\n`,
      );
    else if (report.status !== 'invalid') {
      // What was tested is the code on disk; say when that is not what a trusted key signed.
      if (attestation && attestation.status !== 'verified') {
        out.write(
          `\n${colors.yellow(`attestation ${attestation.status}`)}: ${attestation.message} These cases tested code no trusted attestation vouches for.\n`,
        );
      }
      out.write(`\n${report.passed} passed, ${report.failed} failed\n`);
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

function formatCase(result: SandboxCaseResult, colors: Colors): string {
  const duration = colors.dim(`(${result.durationMs} ms)`);
  if (result.status === 'passed') return `  ${colors.green('✓')} ${result.case} ${duration}\n`;
  let text = `  ${colors.red('✗')} ${result.case} ${duration}  ${colors.dim(`${relative(result.file)}:${result.line}`)}\n`;
  for (const failure of result.failures) text += formatFailure(failure, colors);
  return text;
}

/** The message, then expected and actual one above the other, so they line up for comparison. */
function formatFailure(failure: SandboxFailure, colors: Colors): string {
  const lines = [`      ${colors.yellow(failure.field)}: ${failure.message}`];
  lines.push(`        expected: ${colors.green(show(failure.expected))}`);
  lines.push(`        actual:   ${colors.red(show(failure.actual))}`);
  return `${lines.join('\n')}\n`;
}

function show(value: unknown): string {
  if (value === undefined) return '(nothing)';
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}
