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

export async function validateFiles(files: string[]): Promise<Array<{ file: string; diagnostics: AetherDiagnostic[] }>> {
  const workspaces = new Map<string, Promise<WorkspacePlugins>>();
  const results: Array<{ file: string; diagnostics: AetherDiagnostic[] }> = [];
  for (const input of files) {
    const file = path.resolve(input);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      results.push({ file, diagnostics: [{ code: 'pipeline/unreadable', severity: 'error', file, message: `cannot read ${input}: ${(error as Error).message}` }] });
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
        diagnostics.push({ code: 'plugin/load-failed', severity: 'error', file: fault.entry, plugin: fault.plugin, message: `plugin "${fault.plugin}" failed while loading: ${fault.fault.message}` });
      }
      const catalog = { plugins: new Map(workspace.set.plugins.map((p) => [p.meta.name, p.meta])), commands: workspace.set.commands };
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
