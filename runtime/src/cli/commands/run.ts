// `aether run <pipeline> [--debug-plugins] [--json]`
import path from 'node:path';
import { runPipeline } from '../../engine/runPipeline';
import { colorsFor, formatDiagnostic } from '../terminal';
import { RunPrinter } from '../runPrinter';
import { parsePipelineSteps } from './shared';

export interface RunCommandOptions {
  debugPlugins?: boolean;
  json?: boolean;
  workspace?: string;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const out = process.stdout;
  const colors = colorsFor(out);
  const printer = options.json ? undefined : new RunPrinter(out, colors, parsePipelineSteps(file));
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${colors.yellow('cancelling: plugins get a grace period to stop (Ctrl-C again to stop now)')}\n`);
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await runPipeline({
      file,
      workspaceRoot: options.workspace ? path.resolve(options.workspace) : undefined,
      debugPlugins: options.debugPlugins,
      signal: controller.signal,
      onEvent: (event) => {
        if (options.json) out.write(`${JSON.stringify(event)}\n`);
        else printer!.handle(event);
      },
    });
    const errColors = colorsFor(process.stderr);
    if (result.status === 'invalid') {
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      process.stderr.write(
        `${errColors.red('error')}: ${path.relative(process.cwd(), path.resolve(file))} is not valid; nothing was run\n`,
      );
      for (const diagnostic of errors.length > 0 ? errors : result.diagnostics)
        process.stderr.write(`  ${formatDiagnostic(diagnostic, errColors)}\n`);
      if (errors.length === 0 && result.error) process.stderr.write(`  ${result.error}\n`);
    } else if (!options.json && result.recordFile) {
      out.write(`${colors.dim(`  run record: ${path.relative(process.cwd(), result.recordFile)}`)}\n`);
    }
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
