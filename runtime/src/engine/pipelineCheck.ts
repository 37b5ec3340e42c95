// What only the loaded plugins can tell about a pipeline: does every command exist, does every `with`
// fit its command's input schema, does every plugin block fit its config schema, does the runtime
// satisfy `runtime:`. Found before anything runs; each is an input error (exit code 2).
import * as semver from 'semver';
import type { ParsedPipeline } from '../pipeline';
import { hasExpression } from '../pipeline';
import { nodeAtPath, keyNodeAtPath, nodeRange } from '../pipeline/yamlNodes';
import { didYouMean } from '../pipeline/suggestions';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import type { CommandTable } from '../model/catalog';
import type { PluginMeta } from '../model/plugin';
import { resolveCommand } from '../plugins';
import { validateAgainst } from './schemaValidator';

export interface PluginCatalogView {
  /** Loaded plugins' meta by name. */
  plugins: Map<string, PluginMeta>;
  commands: CommandTable;
  /** Plugins on disk that the synced `aether.plugins` list leaves out: an unknown command may be theirs. */
  notSynced?: string[];
}

/** What to do when the command may belong to a plugin the synced list leaves out (the language server says the same). */
export function notSyncedHint(notSynced: string[] | undefined): string {
  if (!notSynced?.length) return '';
  return ` Not in the synced plugin list of aether.config.json, so not loaded: ${notSynced.map((name) => `"${name}"`).join(', ')}; run \`aether plugins sync\` if one of them provides it.`;
}

/** True when `value` (deeply) contains a `${{ … }}`: such values are only known at run time. */
function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return hasExpression(value);
  if (Array.isArray(value)) return value.some(containsExpression);
  if (value && typeof value === 'object') return Object.values(value).some(containsExpression);
  return false;
}

/** JSON pointers of the values that hold a `${{ … }}`: only known at run time, so not judged now. */
function expressionPointers(value: unknown, pointer = '', found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (containsExpression(value)) found.push(pointer);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value))
      expressionPointers(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, found);
  }
  return found;
}

function isRunTimeValue(problemPointer: string, pointers: string[]): boolean {
  return pointers.some((pointer) => problemPointer === pointer || problemPointer.startsWith(`${pointer}/`));
}

export function checkPipelineAgainstPlugins(
  parsed: ParsedPipeline,
  catalog: PluginCatalogView,
  runtimeVersion: string,
): AetherDiagnostic[] {
  const pipeline = parsed.pipeline;
  if (!pipeline) return [];
  const diagnostics: AetherDiagnostic[] = [];
  const report = (
    code: string,
    message: string,
    path: (string | number)[],
    severity: Severity = 'error',
    plugin?: string,
    keyOf?: string,
  ) => {
    let node = keyOf !== undefined ? keyNodeAtPath(parsed.document, path, keyOf) : nodeAtPath(parsed.document, path);
    // A missing key has no node: point at the closest mapping that should hold it.
    for (let at = path.slice(0, -1); !node && at.length > 0; at = at.slice(0, -1)) node = nodeAtPath(parsed.document, at);
    const range = nodeRange(parsed, node);
    diagnostics.push({ code, severity, message, file: parsed.file, range, ...(plugin ? { plugin } : {}) });
  };

  if (pipeline.runtime !== undefined) {
    const range = semver.validRange(pipeline.runtime);
    if (!range) {
      report('pipeline/runtime-range', `runtime "${pipeline.runtime}" is not a valid semver range (e.g. ^1.0.0)`, ['runtime']);
    } else if (!semver.satisfies(runtimeVersion, range, { includePrerelease: true })) {
      report('pipeline/runtime-range', `this pipeline needs runtime ${pipeline.runtime}, but the runtime is ${runtimeVersion}`, [
        'runtime',
      ]);
    }
  }

  for (const [name, config] of Object.entries(pipeline.plugins)) {
    const meta = catalog.plugins.get(name);
    if (!meta) {
      report(
        'pipeline/unknown-plugin',
        `plugin "${name}" is not installed.${didYouMean(name, catalog.plugins.keys())} Install it (npm install) or add it under plugins/.`,
        ['plugins'],
        'error',
        name,
        name,
      );
      continue;
    }
    for (const problem of validateAgainst(meta.config, config ?? {})) {
      report(
        'pipeline/plugin-config',
        `config of plugin "${name}": ${problem.message}`,
        ['plugins', name, ...pointerPath(problem.pointer)],
        'error',
        name,
      );
    }
  }

  const commandNames = [...catalog.commands.byName.keys(), ...catalog.commands.qualified.keys()];
  pipeline.steps.forEach((step, index) => {
    const binding = resolveCommand(catalog.commands, step.run);
    if (!binding) {
      report(
        'pipeline/unknown-command',
        `step "${step.id}" runs "${step.run}", which no loaded plugin provides.${didYouMean(step.run, commandNames) || notSyncedHint(catalog.notSynced)}`,
        ['steps', index, 'run'],
      );
      return;
    }
    const runTime = expressionPointers(step.with);
    for (const problem of validateAgainst(binding.input, step.with).filter((p) => !isRunTimeValue(p.pointer, runTime))) {
      report(
        'pipeline/step-input',
        `input of step "${step.id}" for command "${binding.command}" (plugin "${binding.plugin}"): ${problem.message}`,
        ['steps', index, 'with', ...pointerPath(problem.pointer)],
        'error',
        binding.plugin,
      );
    }
  });
  return diagnostics;
}

function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}
