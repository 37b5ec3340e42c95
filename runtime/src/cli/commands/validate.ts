// `aether validate <file…> [--json]`: the diagnostics the editor shows, for CI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic } from '../../model/diagnostics';
import { parsePipeline } from '../../pipeline';
import { findWorkspaceRoot } from '../../config/workspace';
import { inspectWorkspacePlugins, type WorkspacePlugins } from '../../engine/workspacePlugins';
import { checkPipelineAgainstPlugins } from '../../engine/pipelineCheck';
import { RUNTIME_VERSION } from '../../version';
import { colorsFor, formatDiagnostic } from '../terminal';

type FileDiagnostics = { file: string; diagnostics: AetherDiagnostic[] };

/** The language server's service bundle, which `aether validate` shares with the editor. */
interface LanguageServiceBundle {
  validateFiles(files: string[]): Promise<FileDiagnostics[]>;
}

/**
 * The language server's own validation (`aetherscript-language-server/dist/service.js`, an npm
 * workspace package linked at the root), so the CLI and the editor never disagree; it reads plugin meta
 * statically and never runs plugin code. When that package is not installed (the runtime published on
 * its own), the runtime-only path below is the fallback.
 */
function loadLanguageService(): LanguageServiceBundle | undefined {
  if (process.env.AETHER_VALIDATE_RUNTIME_ONLY === '1') return undefined;
  let resolved: string;
  try {
    resolved = require.resolve('aetherscript-language-server/dist/service.js');
  } catch {
    return undefined; // not installed: fall back
  }
  // A bundle that is there but broken is a real error, not a reason to silently validate differently.
  return require(resolved) as LanguageServiceBundle;
}

export async function validateFiles(files: string[]): Promise<FileDiagnostics[]> {
  const service = loadLanguageService();
  if (service) return service.validateFiles(files);
  return validateFilesWithRuntime(files);
}

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
      const catalog = {
        plugins: new Map(workspace.set.plugins.map((p) => [p.meta.name, p.meta])),
        commands: workspace.set.commands,
        notSynced: workspace.notSynced,
      };
      diagnostics.push(...checkPipelineAgainstPlugins(parsed, catalog, RUNTIME_VERSION));
    }
    results.push({ file, diagnostics });
  }
  return results;
}

export async function validateCommand(files: string[], options: { json?: boolean }): Promise<number> {
  const results = await validateFiles(files);
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
