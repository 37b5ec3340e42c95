// `aether run <pipeline> [--debug-plugins] [--json]`
import path from 'node:path';
import { runPipeline } from '../../engine/runPipeline';
import { colorsFor, formatDiagnostic } from '../terminal';
import { RunPrinter } from '../runPrinter';
import { parsePipelineSteps } from './shared';
import { AetherInputError } from '../../model/diagnostics';

export interface RunCommandOptions {
  debugPlugins?: boolean;
  json?: boolean;
  workspace?: string;
  /** `--inspect[=PORT]`: true for the default port, or the port as written. */
  inspect?: boolean | string;
  inspectBrk?: boolean | string;
}

/** Node's default inspector port, as `node --inspect` uses it. */
const DEFAULT_INSPECT_PORT = 9229;

function inspectOption(options: RunCommandOptions): { port: number; brk: boolean } | undefined {
  const value = options.inspectBrk ?? options.inspect;
  if (value === undefined || value === false) return undefined;
  const port = value === true ? DEFAULT_INSPECT_PORT : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AetherInputError(
      `--inspect${options.inspectBrk !== undefined ? '-brk' : ''}=${String(value)} is not a port; give a number from 0 to 65535 (0: any free port)`,
    );
  }
  return { port, brk: options.inspectBrk !== undefined && options.inspectBrk !== false };
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const out = process.stdout;
  const colors = colorsFor(out);
  const printer = options.json
    ? undefined
    : new RunPrinter(out, colors, parsePipelineSteps(file), process.stderr, colorsFor(process.stderr));
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
  const inspect = inspectOption(options);
  try {
    const result = await runPipeline({
      file,
      workspaceRoot: options.workspace ? path.resolve(options.workspace) : undefined,
      debugPlugins: options.debugPlugins,
      ...(inspect
        ? {
            inspect: {
              ...inspect,
              onListening: (url: string) =>
                process.stderr.write(
                  `${colors.cyan('plugin inspector')} ${url}${inspect.brk ? ' (waiting for a debugger)' : ''}: open chrome://inspect in Chrome (Configure… 127.0.0.1:${new URL(url).port}) or attach any inspector client\n`,
                ),
            },
          }
        : {}),
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
      // Each problem once: those the run's output already showed are not listed again.
      for (const diagnostic of errors.length > 0 ? errors : result.diagnostics)
        if (!printer?.shown(diagnostic.message)) process.stderr.write(`  ${formatDiagnostic(diagnostic, errColors)}\n`);
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
