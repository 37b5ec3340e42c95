// Pipeline diagnostics in the editor: the runtime's own parse and checks (`parsePipeline`), the
// runtime's plugin-aware checker fed by the workspace index (the same one a run feeds with the plugins
// it loaded), and what only the editor shows: overrides as information, and why a plugin would not load.
// Pure: text and index in, diagnostics out. `aether validate` calls `validatePipelineText` too.
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import { parsePipeline, type ParsedPipeline } from '../pipeline';
import { nodeRange } from '../pipeline/yamlNodes';
import { checkPipeline, type CheckedStep, type PluginCatalogView } from '../engine/pipelineCheck';
import { RUNTIME_VERSION, type IndexedPlugin, type WorkspaceIndex } from './workspaceIndex';

/** How diagnostics are reported; per document (settings are pulled per document). */
export interface ValidationOptions {
  /** Severity per diagnostic code; `off` drops the code. */
  severities?: Record<string, Severity | 'off'>;
  /** The runtime version `runtime:` ranges are checked against (default: the bundled runtime's). */
  runtimeVersion?: string;
}

/** What validation knows of a step, for the other features (hover, definition…). */
export type StepInfo = CheckedStep;

export interface PipelineValidation {
  parsed: ParsedPipeline;
  steps: StepInfo[];
  diagnostics: AetherDiagnostic[];
  /** Before `# aether-ignore:` and severity overrides (what incremental validation recombines). */
  raw: AetherDiagnostic[];
}

/** Validates a pipeline file's text against the workspace `index`; what the CLI and the editor show. */
export function validatePipelineText(
  text: string,
  file: string,
  index: WorkspaceIndex,
  options: ValidationOptions = {},
): AetherDiagnostic[] {
  return validatePipeline(parsePipeline(text, file), index, options).diagnostics;
}

/** The same, on an already parsed pipeline (the language service caches the parse per version). */
export function validatePipeline(parsed: ParsedPipeline, index: WorkspaceIndex, options: ValidationOptions = {}): PipelineValidation {
  const checked = checkPipeline(parsed, catalogOfIndex(index), options.runtimeVersion ?? RUNTIME_VERSION);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  const syntaxBroken = parsed.document.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  if (!syntaxBroken) diagnostics.push(...overrides(parsed, checked.steps, index));
  return { parsed, steps: checked.steps, diagnostics: finish(parsed.text, diagnostics, options), raw: diagnostics };
}

/** The workspace index as the checker's catalog; plugins that would not load say why. */
export function catalogOfIndex(index: WorkspaceIndex): PluginCatalogView {
  return {
    commands: index.commands,
    meta: (name) => (index.isLoaded(name) ? index.plugin(name)?.meta : undefined),
    pluginNames: index.pluginNames,
    notSynced: index.notSyncedNames,
    unloaded: ({ plugin, command }) => {
      const provider = plugin !== undefined ? index.plugin(plugin) : unloadedProviderOf(index, command);
      const name = provider && nameOf(provider);
      if (!provider || name === undefined || index.isLoaded(name)) return undefined;
      return { name, reason: loadReasons(provider) };
    },
  };
}

/** Editor only: a bare command that several plugins provide runs the last loaded; shown as information. */
function overrides(parsed: ParsedPipeline, steps: StepInfo[], index: WorkspaceIndex): AetherDiagnostic[] {
  const out: AetherDiagnostic[] = [];
  for (const { binding, run, runNode } of steps) {
    if (!binding || run === undefined || binding.shadows.length === 0 || index.commands.qualified.has(run)) continue;
    const shadowed = binding.shadows.map((p) => `"${p}"`).join(', ');
    out.push({
      code: 'pipeline/command-override',
      severity: 'info',
      message:
        `"${run}" runs plugin "${binding.plugin}"'s command (loaded last), which overrides the one of ${shadowed}. ` +
        `Write "${binding.shadows[binding.shadows.length - 1]}/${run}" to run the other one.`,
      file: parsed.file,
      range: nodeRange(parsed, runNode),
      plugin: binding.plugin,
    });
  }
  return out;
}

/** A plugin that is not loaded whose meta (as far as it can be read) provides `command`. */
function unloadedProviderOf(index: WorkspaceIndex, command: string): IndexedPlugin | undefined {
  return index.plugins.find((plugin) => {
    const meta = plugin.source.metaValue as { name?: unknown; commands?: unknown } | undefined;
    if (!meta || typeof meta.name !== 'string' || index.isLoaded(meta.name)) return false;
    if (meta.commands && typeof meta.commands === 'object') return Object.hasOwn(meta.commands, command);
    return meta.name === command;
  });
}

function nameOf(plugin: IndexedPlugin): string | undefined {
  if (plugin.meta) return plugin.meta.name;
  const name = (plugin.source.metaValue as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : plugin.candidate.packageName;
}

/** The load errors of a plugin, as one sentence list (their own file prefixes removed). */
function loadReasons(plugin: IndexedPlugin): string {
  if (plugin.loadErrors.length === 0) return 'its meta could not be read; open its source for details.';
  return plugin.loadErrors.map((d) => d.message.replace(/^[^\s:]+\.(?:[cm]?[jt]s|json):\s*/, '')).join(' ');
}

/** Applies `# aether-ignore:` comments and severity overrides, and sorts by position. */
export function finish(text: string, diagnostics: AetherDiagnostic[], options: ValidationOptions): AetherDiagnostic[] {
  const ignored = ignoreComments(text);
  const out: AetherDiagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const line = diagnostic.range?.line;
    if (line !== undefined && (matchesIgnore(ignored.get(line), diagnostic.code) || matchesIgnore(ignored.get(line - 1), diagnostic.code)))
      continue;
    const override = options.severities?.[diagnostic.code];
    if (override === 'off') continue;
    out.push(override ? { ...diagnostic, severity: override } : diagnostic);
  }
  return out.sort((a, b) => (a.range?.start ?? 0) - (b.range?.start ?? 0));
}

function matchesIgnore(codes: string[] | undefined, code: string): boolean {
  return codes !== undefined && codes.some((c) => c === code || c === 'all' || (c.endsWith('/*') && code.startsWith(c.slice(0, -1))));
}

/** 1-based line → codes of an `# aether-ignore: a, b` comment on that line. */
export function ignoreComments(text: string): Map<number, string[]> {
  const result = new Map<number, string[]>();
  if (!text.includes('aether-ignore')) return result;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    const match = /(?:^|\s)#\s*aether-ignore:\s*([^#]*)/.exec(line);
    if (match) result.set(i + 1, (match[1] ?? '').split(/[\s,]+/).filter(Boolean));
  });
  return result;
}
