// `aether validate <file…> [--json]`: the diagnostics the editor shows, for CI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AetherDiagnostic } from '../../model/diagnostics';
import { parsePipeline } from '../../pipeline';
import { findWorkspaceRoot } from '../../config/workspace';
import { inspectWorkspacePlugins, type WorkspacePlugins } from '../../engine/workspacePlugins';
import { catalogOfLoadedPlugins, checkPipelineAgainstPlugins } from '../../engine/pipelineCheck';
import { RUNTIME_VERSION } from '../../version';
import { colorsFor, formatDiagnostic } from '../terminal';

type FileDiagnostics = { file: string; diagnostics: AetherDiagnostic[] };

/**
 * The language server's own validation (`aetherscript-language-server/dist/service.js`, an npm
 * workspace package linked at the root), so the CLI and the editor never disagree; it reads plugin meta
 * statically and never runs plugin code. When that package is not installed (the runtime published on
 * its own), the runtime-only path below is the fallback.
 */
function languageServicePath(): string | undefined {
  if (process.env.AETHER_VALIDATE_RUNTIME_ONLY === '1') return undefined;
  try {
    return require.resolve('aetherscript-language-server/dist/service.js');
  } catch {
    return undefined; // not installed: fall back
  }
}

/**
 * The service runs in a worker thread: checking a large file is one long synchronous stretch, and on
 * this thread it would hold SIGINT and SIGTERM until it ends (the signals' listeners only run between
 * tasks). This thread stays free to answer them.
 */
const SERVICE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
Promise.resolve()
  .then(() => require(workerData.service).validateFiles(workerData.files))
  .then((results) => parentPort.postMessage({ results }), (error) => parentPort.postMessage({ error: (error && error.stack) || String(error) }));
`;

function validateInWorker(service: string, files: string[]): Promise<FileDiagnostics[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SERVICE_WORKER, { eval: true, workerData: { service, files } });
    worker.once('message', (reply: { results?: FileDiagnostics[]; error?: string }) => {
      // A bundle that is there but broken is a real error, not a reason to silently validate differently.
      if (reply.results) resolve(reply.results);
      else reject(new Error(reply.error ?? 'the validation worker failed'));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the validation worker stopped (exit code ${code})`)));
  });
}

export async function validateFiles(files: string[]): Promise<FileDiagnostics[]> {
  const service = languageServicePath();
  if (service) return validateInWorker(service, files);
  return validateFilesWithRuntime(files);
}

/** Exit code of a cancelled command, as `aether run` and `aether dev plugin-test` use it. */
const EXIT_CANCELLED = 130;

/** The fallback without the language server: the runtime's parse and a load of the workspace's plugins. */
export async function validateFilesWithRuntime(files: string[]): Promise<FileDiagnostics[]> {
  const workspaces = new Map<string, Promise<WorkspacePlugins>>();
  const results: Array<{ file: string; diagnostics: AetherDiagnostic[] }> = [];
  for (const input of files) {
    const file = path.resolve(input);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      results.push({
        file,
        diagnostics: [
          { code: 'pipeline/unreadable', severity: 'error', file, message: `cannot read ${input}: ${(error as Error).message}` },
        ],
      });
      continue;
    }
    const parsed = parsePipeline(text, file);
    const diagnostics = [...parsed.diagnostics];
    if (parsed.pipeline) {
      const root = findWorkspaceRoot(path.dirname(file));
      if (!workspaces.has(root)) workspaces.set(root, inspectWorkspacePlugins({ workspaceRoot: root }));
      const workspace = await workspaces.get(root)!;
      // A plugin that would not load makes every pipeline of its workspace fail: say so here too.
      diagnostics.push(...workspace.diagnostics.filter((d) => d.severity === 'error'));
      for (const fault of workspace.faults) {
        diagnostics.push({
          code: 'plugin/load-failed',
          severity: 'error',
          file: fault.entry,
          plugin: fault.plugin,
          message: `plugin "${fault.plugin}" failed while loading: ${fault.fault.message}`,
        });
      }
      const catalog = catalogOfLoadedPlugins(workspace.set, workspace);
      diagnostics.push(...checkPipelineAgainstPlugins(parsed, catalog, RUNTIME_VERSION));
    }
    results.push({ file, diagnostics });
  }
  return results;
}

export async function validateCommand(files: string[], options: { json?: boolean }): Promise<number> {
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
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ files: results, errorCount, warningCount }, null, 2)}\n`);
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
