// What `aether validate` checks: the diagnostics the editor shows, on files from disk. One
// WorkspaceIndex per workspace folder (`findWorkspaceRoot`), plugin meta read statically from the
// source (TypeScript's parser): validating never executes plugin code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import { findWorkspaceRoot } from '../config/workspace';
import { displayPath } from '../plugins';
import { nodeWorkspaceOptions } from './nodeWorkspace';
import { isPipelineFile } from '../pipeline/pipelineFile';
import { validatePipelineText } from './pipelineDiagnostics';
import { validatePluginPackageJson } from './pluginPackage';
import { validatePluginSource } from './pluginSource';
import { pluginFileDiagnostics, WorkspaceIndex } from './workspaceIndex';

export interface FileDiagnostics {
  file: string;
  diagnostics: AetherDiagnostic[];
}

const PLUGIN_SOURCE = /\.(?:[cm]?[jt]s)$/i;

/** Validates each file with the workspace it belongs to; results in the order of `files`. */
export async function validateFiles(files: string[]): Promise<FileDiagnostics[]> {
  const indexes = new Map<string, Promise<WorkspaceIndex>>();
  const indexFor = (root: string): Promise<WorkspaceIndex> => {
    let index = indexes.get(root);
    if (!index) {
      const created = new WorkspaceIndex(root, nodeWorkspaceOptions);
      index = created.refresh().then(() => created);
      indexes.set(root, index);
    }
    return index;
  };
  // A plugin that would not load fails every run of its workspace: its errors go once per workspace
  // with the first pipeline, after every file is read, and only those no file's own report holds.
  const firstPipeline = new Map<string, FileDiagnostics>();
  const results: FileDiagnostics[] = [];
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
    const root = workspaceRootOf(file);
    const index = await indexFor(root);
    let diagnostics: AetherDiagnostic[];
    if (path.basename(file) === 'package.json') {
      diagnostics = validatePluginPackageJson(text, file, index);
    } else if (PLUGIN_SOURCE.test(file) && !isPipelineFile(file)) {
      diagnostics = pluginSourceDiagnostics(text, file, index);
    } else {
      diagnostics = validatePipelineText(text, file, index);
      if (!firstPipeline.has(root)) firstPipeline.set(root, { file, diagnostics });
    }
    results.push({ file, diagnostics });
  }
  const reported = new Set(results.flatMap((r) => r.diagnostics.map(identity)));
  for (const [root, result] of firstPipeline) {
    for (const d of workspaceErrors(await indexFor(root))) {
      if (reported.has(identity(d))) continue;
      reported.add(identity(d));
      result.diagnostics.push(d);
    }
  }
  return results;
}

/** What makes two reports the same diagnostic: code, file and message (a `file: ` prefix aside). */
function identity(d: AetherDiagnostic): string {
  const where = d.file ? `${d.file}` : '';
  const message = d.message.replace(/^[^\s:]+\.(?:[cm]?[jt]s|json): /, '');
  return `${d.code}|${where}|${message}`;
}

/**
 * The workspace a file belongs to. A plugin's own files (under `plugins/<name>/` or `node_modules/`)
 * belong to the workspace that holds the plugin, not to the plugin's folder with its package.json.
 */
function workspaceRootOf(file: string): string {
  const slashed = file.split(path.sep).join('/');
  const inModules = slashed.lastIndexOf('/node_modules/');
  if (inModules > 0) return file.slice(0, inModules);
  const local = /^(.*)\/plugins\/[^/]+\/.+$/.exec(slashed);
  if (local?.[1] && findWorkspaceRoot(local[1]) === path.resolve(local[1])) return path.resolve(local[1]);
  return findWorkspaceRoot(path.dirname(file));
}

/** A plugin source's own diagnostics plus why it would not load. */
function pluginSourceDiagnostics(text: string, file: string, index: WorkspaceIndex): AetherDiagnostic[] {
  const plugin = index.pluginAt(file);
  return plugin ? pluginFileDiagnostics(plugin) : validatePluginSource(text, file).diagnostics;
}

/**
 * Every error that keeps a plugin of the workspace from loading, once each, placed in the plugin's file
 * and named by it (the pipeline's report is read without the plugin's source at hand). The placed copy
 * of an error wins over the index's unplaced one (a dependency cycle is both).
 */
function workspaceErrors(index: WorkspaceIndex): AetherDiagnostic[] {
  const out: AetherDiagnostic[] = [];
  const seen = new Set<string>();
  const add = (d: AetherDiagnostic): void => {
    if (d.severity !== 'error' || seen.has(identity(d))) return;
    seen.add(identity(d));
    out.push(d);
  };
  for (const plugin of index.plugins) {
    const where = displayPath(plugin.candidate);
    for (const d of pluginFileDiagnostics(plugin)) add(d.message.includes(where) ? d : { ...d, message: `${where}: ${d.message}` });
  }
  for (const d of index.diagnostics) add(d);
  return out;
}
