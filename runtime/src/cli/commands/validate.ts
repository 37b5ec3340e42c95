// `aether validate <file…> [--format text|json|github|sarif]`: the diagnostics the editor shows, for CI. The same checks the
// language server runs (runtime/src/workspace/), with plugin meta read statically: never plugin code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileDiagnostics } from '../../workspace/validateFiles';
import { githubAnnotations, sarifLog, type ValidateFormat } from '../diagnosticFormats';
import { colorsFor, formatDiagnostic } from '../terminal';

/**
 * The check runs in a worker thread (`validateWorker.js`, next to this bundle): checking a large file is
 * one long synchronous stretch, and on this thread it would hold SIGINT and SIGTERM until it ends (the
 * signals' listeners only run between tasks). This thread stays free to answer them.
 */
export function validateFiles(files: string[]): Promise<FileDiagnostics[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(validateWorkerModule(), { workerData: { files } });
    worker.once('message', (reply: { results?: FileDiagnostics[]; error?: string }) => {
      if (reply.results) resolve(reply.results);
      else reject(new Error(reply.error ?? 'the validation worker failed'));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the validation worker stopped (exit code ${code})`)));
  });
}

/** `runtime/dist/validateWorker.js`, beside the CLI bundle (or found from the sources under tsx). */
function validateWorkerModule(): string {
  const beside = path.join(__dirname, 'validateWorker.js');
  return existsSync(beside) ? beside : path.resolve(__dirname, '../../../dist/validateWorker.js');
}

/** Exit code of a cancelled command, as `aether run` and `aether dev plugin-test` use it. */
const EXIT_CANCELLED = 130;

export async function validateCommand(files: string[], options: { json?: boolean; format?: ValidateFormat }): Promise<number> {
  const format: ValidateFormat = options.json ? 'json' : (options.format ?? 'text');
  // Nothing to clean up: validation writes nothing, so a signal ends it at once, and nothing is printed.
  const onSignal = () => {
    process.stderr.write(`\n${colorsFor(process.stderr).yellow('cancelled')}\n`);
    process.exit(EXIT_CANCELLED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let results: FileDiagnostics[];
  try {
    results = await validateFiles(files);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const errorCount = results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'error').length, 0);
  const warningCount = results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'warning').length, 0);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ files: results, errorCount, warningCount }, null, 2)}\n`);
  } else if (format === 'sarif') {
    process.stdout.write(`${JSON.stringify(sarifLog(results), null, 2)}\n`);
  } else if (format === 'github') {
    for (const line of githubAnnotations(results)) process.stdout.write(`${line}\n`);
    process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'}: ${errorCount} errors, ${warningCount} warnings\n`);
  } else {
    const c = colorsFor(process.stdout);
    for (const result of results) {
      for (const diagnostic of result.diagnostics) process.stdout.write(`${formatDiagnostic(diagnostic, c)}\n`);
    }
    const summary = `${results.length} file${results.length === 1 ? '' : 's'}: ${errorCount} error${errorCount === 1 ? '' : 's'}, ${warningCount} warning${warningCount === 1 ? '' : 's'}`;
    process.stdout.write(`${errorCount > 0 ? c.red(`✗ ${summary}`) : c.green(`✓ ${summary}`)}\n`);
  }
  return errorCount > 0 ? 2 : 0;
}
