// The one plugin-aware pipeline checker (spec section 5): does every command exist, does every `with`
// fit its command's input schema, does every plugin block fit its config schema, does the runtime
// satisfy `runtime:`. A run feeds it the plugins it loaded, the language server (and `aether validate`)
// the workspace index; both get the same codes, ranges and messages. Pure: parsed text and a catalog in,
// diagnostics out. Found before anything runs; each is an input error (exit code 2).
import semver from 'semver';
import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { CommandBinding, CommandTable } from '../model/catalog';
import type { AetherDiagnostic, Severity, SourceRange } from '../model/diagnostics';
import type { JsonSchema, PluginMeta } from '../model/plugin';
import type { ParsedPipeline } from '../pipeline';
import { valueBuilder } from '../pipeline/aliases';
import { readStepNodes, type StepNode } from '../pipeline/stepChecks';
import { didYouMean } from '../pipeline/suggestions';
import { findPair, nodeRange, rangeOf } from '../pipeline/yamlNodes';
import { commandsOf, resolveCommand, splitCommandRef } from '../plugins';
import { validateAgainst, type SchemaProblem } from './schemaValidator';

/** What the checker needs to know of the plugins: a run's loaded set or the editor's workspace index. */
export interface PluginCatalogView {
  /** The command table of the plugins that load. */
  commands: CommandTable;
  /** The meta of a plugin that loads, by name. */
  meta(name: string): PluginMeta | undefined;
  /** Every plugin there is, loaded or not (for "did you mean"). */
  pluginNames: readonly string[];
  /** Plugins on disk that the synced `aether.plugins` list leaves out: an unknown command may be theirs. */
  notSynced?: readonly string[];
  /**
   * A plugin that is there but does not load, named directly or as the provider of `command`, with why
   * (one sentence list). The run has reported its load errors already; the editor has them from the index.
   */
  unloaded?(ref: { plugin?: string; command: string }): { name: string; reason: string } | undefined;
}

/** What the check knows of a step, for the editor's other features (hover, definition…). */
export interface CheckedStep {
  step: StepNode;
  runNode?: Scalar;
  run?: string;
  binding?: CommandBinding;
  withNode?: YAMLMap;
}

export interface PluginCheckResult {
  diagnostics: AetherDiagnostic[];
  steps: CheckedStep[];
}

/** What to do when the command may belong to a plugin the synced list leaves out. */
export function notSyncedHint(notSynced: readonly string[] | undefined): string {
  if (!notSynced?.length) return '';
  return ` Not in the synced plugin list of aether.config.json, so not loaded: ${notSynced.map((name) => `"${name}"`).join(', ')}; run \`aether plugins sync\` if one of them provides it.`;
}

/** A run's catalog: the plugins it loaded, and why the others it found did not load. */
export function catalogOfLoadedPlugins(
  set: { plugins: ReadonlyArray<{ meta: PluginMeta }>; commands: CommandTable },
  loaded: { notSynced?: readonly string[]; diagnostics?: readonly AetherDiagnostic[] } = {},
): PluginCatalogView {
  const byName = new Map(set.plugins.map((p) => [p.meta.name, p.meta]));
  const failed = new Map<string, string[]>();
  for (const d of loaded.diagnostics ?? []) {
    if (d.severity !== 'error' || !d.plugin || byName.has(d.plugin)) continue;
    failed.set(d.plugin, [...(failed.get(d.plugin) ?? []), d.message]);
  }
  return {
    commands: set.commands,
    meta: (name) => byName.get(name),
    pluginNames: [...byName.keys(), ...failed.keys()],
    notSynced: loaded.notSynced,
    unloaded: ({ plugin }) => {
      const reasons = plugin !== undefined ? failed.get(plugin) : undefined;
      return reasons ? { name: plugin!, reason: reasons.join(' ') } : undefined;
    },
  };
}

/** The diagnostics of `checkPipeline` (what a run needs). */
export function checkPipelineAgainstPlugins(
  parsed: ParsedPipeline,
  catalog: PluginCatalogView,
  runtimeVersion: string,
): AetherDiagnostic[] {
  return checkPipeline(parsed, catalog, runtimeVersion).diagnostics;
}

/**
 * Checks a parsed pipeline against the plugins. Works on the YAML tree, so a pipeline with errors of
 * its own is still checked (every independent error at once); past a YAML syntax error the steps are
 * still read (the editor's completion and hover need them) but nothing is reported.
 */
export function checkPipeline(parsed: ParsedPipeline, catalog: PluginCatalogView, runtimeVersion: string): PluginCheckResult {
  const diagnostics: AetherDiagnostic[] = [];
  const steps: CheckedStep[] = [];
  const syntaxBroken = parsed.document.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  const checker = new PluginChecks(parsed, catalog, runtimeVersion, syntaxBroken ? [] : diagnostics);
  checker.checkRuntimeRange();
  const used = checker.checkSteps(steps);
  checker.checkPluginBlocks(used);
  return { diagnostics, steps };
}

class PluginChecks {
  constructor(
    private readonly parsed: ParsedPipeline,
    private readonly catalog: PluginCatalogView,
    private readonly runtimeVersion: string,
    private readonly out: AetherDiagnostic[],
  ) {}

  private report(code: string, severity: Severity, message: string, node: unknown, plugin?: string): void {
    const range: SourceRange = nodeRange(this.parsed, node) ?? rangeOf(this.parsed, 0, 0);
    this.out.push({ code, severity, message, file: this.parsed.file, range, ...(plugin ? { plugin } : {}) });
  }

  checkRuntimeRange(): void {
    const node = findPair(this.parsed.document.contents, 'runtime')?.value;
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const range = node.value;
    // An invalid range is the parser's own pipeline/runtime-range.
    if (semver.validRange(range) === null || semver.satisfies(this.runtimeVersion, range, { includePrerelease: true })) return;
    this.report(
      'pipeline/runtime-range',
      'error',
      `This pipeline needs AetherScript ${range} (runtime:) but the runtime is ${this.runtimeVersion}; widen the range or use a runtime in it.`,
      node,
    );
  }

  /** Checks every step's `run` and `with`; returns the plugins the steps use, with the first `run` node of each. */
  checkSteps(infos: CheckedStep[]): Map<string, Node> {
    const used = new Map<string, Node>();
    for (const step of readStepNodes(this.parsed.document)) {
      const info: CheckedStep = { step };
      infos.push(info);
      const runNode = findPair(step.node, 'run')?.value;
      const withNode = findPair(step.node, 'with')?.value;
      if (isMap(withNode)) info.withNode = withNode;
      if (!isScalar(runNode) || typeof runNode.value !== 'string' || runNode.value === '') continue;
      info.runNode = runNode;
      info.run = runNode.value;
      const binding = this.checkRun(runNode.value, runNode, step);
      if (!binding) continue;
      info.binding = binding;
      if (!used.has(binding.plugin)) used.set(binding.plugin, runNode);
      if (info.withNode || binding.input !== undefined) this.checkInput(binding, info.withNode, runNode, step);
    }
    return used;
  }

  private checkRun(run: string, node: Scalar, step: StepNode): CommandBinding | undefined {
    const binding = resolveCommand(this.catalog.commands, run);
    if (binding) return binding;
    const stepName = step.id !== undefined ? `step "${step.id}"` : `step #${step.index + 1}`;
    const { plugin: pluginPart, command } = splitCommandRef(run);
    // A command of a plugin that is there but would not load: say why it would not.
    const unloaded = this.catalog.unloaded?.({ plugin: pluginPart, command });
    if (unloaded) {
      this.report(
        'pipeline/plugin-load',
        'error',
        `${stepName} runs "${run}", but plugin "${unloaded.name}" would not load: ${unloaded.reason}`,
        node,
        unloaded.name,
      );
      return undefined;
    }
    const meta = pluginPart !== undefined ? this.catalog.meta(pluginPart) : undefined;
    if (pluginPart !== undefined && meta) {
      const own = Object.keys(commandsOf(meta));
      const hint = didYouMean(command, own) || ` Its commands: ${own.join(', ') || '(none)'}.`;
      this.report('pipeline/unknown-command', 'error', `Plugin "${pluginPart}" has no command "${command}".${hint}`, node, pluginPart);
      return undefined;
    }
    if (pluginPart !== undefined) {
      const hint = didYouMean(pluginPart, this.catalog.pluginNames) || didYouMean(run, this.allCommandNames());
      this.report(
        'pipeline/unknown-command',
        'error',
        `Unknown command "${run}": no plugin named "${pluginPart}" is installed.${hint || notSyncedHint(this.catalog.notSynced)} Install it (npm) or add it under plugins/.`,
        node,
      );
      return undefined;
    }
    const hint = didYouMean(run, this.allCommandNames());
    const syncHint = notSyncedHint(this.catalog.notSynced);
    this.report(
      'pipeline/unknown-command',
      'error',
      `Unknown command "${run}": no loaded plugin provides it.${hint || syncHint || ' Install a plugin that does, or check `aether plugins list`.'}`,
      node,
    );
    return undefined;
  }

  private allCommandNames(): string[] {
    return [...this.catalog.commands.byName.keys(), ...this.catalog.commands.qualified.keys()];
  }

  private checkInput(binding: CommandBinding, withNode: YAMLMap | undefined, runNode: Scalar, step: StepNode): void {
    if (binding.input === undefined) return;
    const value = withNode ? valueOf(withNode, this.parsed) : {};
    if (value === UNREADABLE) return;
    const stepName = step.id !== undefined ? `step "${step.id}"` : `step #${step.index + 1}`;
    const label = `${binding.command} (${binding.plugin}) in ${stepName}`;
    for (const problem of schemaProblems(binding.input, value)) {
      // A `${{ }}` value is only known at run time; the runtime validates the resolved input.
      if (hasExpressionAt(value, problem.pointer)) continue;
      const withKey = findPair(step.node, 'with')?.key;
      const target = targetOf(problem, withNode) ?? withKey ?? runNode;
      this.report('pipeline/step-input', 'error', problemMessage(problem, label, binding.input, 'input'), target, binding.plugin);
    }
  }

  /** Plugin blocks under `plugins:`, and config for plugins used by steps without a block. */
  checkPluginBlocks(used: Map<string, Node>): void {
    const plugins = findPair(this.parsed.document.contents, 'plugins')?.value;
    const listed = new Set<string>();
    if (isMap(plugins)) {
      for (const pair of plugins.items as Pair<unknown, unknown>[]) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        listed.add(name);
        this.checkPluginBlock(name, pair.key, pair.value);
      }
    }
    for (const [name, runNode] of used) {
      if (listed.has(name)) continue;
      const schema = this.catalog.meta(name)?.config;
      if (schema === undefined) continue;
      const problems = schemaProblems(schema, {});
      if (problems.length > 0) {
        const missing = problems
          .map((p) => /^missing required key "(.*)"$/.exec(p.message)?.[1])
          .filter((k): k is string => k !== undefined);
        this.report(
          'pipeline/plugin-config',
          'error',
          `Plugin "${name}" needs a config block${missing.length ? ` with ${missing.join(', ')}` : ''}: add it under plugins:, e.g. plugins: { ${name}: { ${missing[0] ?? 'key'}: … } }.`,
          runNode,
          name,
        );
      }
    }
  }

  private checkPluginBlock(name: string, keyNode: Scalar, valueNode: unknown): void {
    const meta = this.catalog.meta(name);
    if (!meta) {
      const unloaded = this.catalog.unloaded?.({ plugin: name, command: name });
      if (unloaded && unloaded.name === name) {
        this.report('pipeline/plugin-load', 'error', `Plugin "${name}" would not load: ${unloaded.reason}`, keyNode, name);
        return;
      }
      const hint = didYouMean(name, this.catalog.pluginNames);
      this.report(
        'pipeline/unknown-plugin',
        'error',
        `Unknown plugin "${name}": it is not installed in node_modules nor under plugins/.${hint || notSyncedHint(this.catalog.notSynced) || ' Install it or remove this block.'}`,
        keyNode,
      );
      return;
    }
    const schema = meta.config;
    if (schema === undefined) return;
    const value = isMap(valueNode) || isSeq(valueNode) || isScalar(valueNode) ? valueOf(valueNode as Node, this.parsed) : {};
    if (value === UNREADABLE) return;
    const config: unknown = value === null ? {} : value;
    const container = isMap(valueNode) ? valueNode : undefined;
    for (const problem of schemaProblems(schema, config)) {
      if (hasExpressionAt(config, problem.pointer)) continue;
      const target = targetOf(problem, container) ?? keyNode;
      this.report(
        'pipeline/plugin-config',
        'error',
        problemMessage(problem, `the config of plugin "${name}"`, schema, 'config'),
        target,
        name,
      );
    }
  }
}

/** A value that cannot be built (an unresolved or runaway alias): the YAML diagnostics already say why. */
const UNREADABLE = Symbol('unreadable');

/** A node's value, aliases expanded within the runtime's limit (linear in the document); never throws. */
function valueOf(node: Node, parsed: ParsedPipeline): unknown {
  try {
    return valueBuilder(parsed.document).valueOf(node);
  } catch {
    return UNREADABLE;
  }
}

/** The runtime's own validation of plugin schemas (same ajv options and formats as a run). */
function schemaProblems(schema: JsonSchema, value: unknown): SchemaProblem[] {
  try {
    return validateAgainst(schema, value);
  } catch {
    return []; // a schema that does not compile: meta/invalid-schema on the plugin says why
  }
}

function pointer(instancePath: string): string[] {
  return instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

function hasExpressionAt(value: unknown, instancePath: string): boolean {
  const path = pointer(instancePath);
  for (let i = 0; i <= path.length; i++) {
    const v = valueAt(value, path.slice(0, i));
    if (typeof v === 'string' && v.includes('${{')) return true;
  }
  return false;
}

const UNKNOWN_KEY = /^unknown key "(.*)"$/;

/** The YAML node a problem is about: the value, or for an unknown key the key itself. */
function targetOf(problem: SchemaProblem, container: YAMLMap | undefined): Node | undefined {
  if (!container) return undefined;
  const path = pointer(problem.pointer);
  const unknownKey = UNKNOWN_KEY.test(problem.message);
  let node: unknown = container;
  let keyNode: unknown;
  for (const key of path) {
    if (isMap(node)) {
      const pair = findPair(node, key);
      keyNode = pair?.key;
      node = pair?.value;
    } else if (isSeq(node)) node = node.items[Number(key)];
    else return undefined;
  }
  if (unknownKey && keyNode) return keyNode as Node;
  // A required key missing from the top level: the caller's `with:`/plugin key reads better than the body.
  if (node === container) return undefined;
  return (node as Node | undefined) ?? undefined;
}

function problemMessage(problem: SchemaProblem, label: string, schema: JsonSchema, what: 'input' | 'config'): string {
  const path = pointer(problem.pointer);
  const properties =
    typeof schema === 'object' && schema.properties && typeof schema.properties === 'object' ? Object.keys(schema.properties) : [];
  const unknown = UNKNOWN_KEY.exec(problem.message)?.[1];
  if (unknown !== undefined) {
    const top = path.length === 1;
    const hint = top ? didYouMean(unknown, properties) || (properties.length ? ` Known: ${properties.join(', ')}.` : '') : '';
    return `Unknown ${what === 'input' ? 'input' : 'key'} "${unknown}" for ${label}.${hint}`;
  }
  const missing = /^missing required key "(.*)"$/.exec(problem.message)?.[1];
  if (missing !== undefined) {
    return what === 'input'
      ? `Missing input "${missing}" for ${label}: add \`${missing}: …\` under \`with\`.`
      : `Missing "${missing}" in ${label}: add \`${missing}: …\`.`;
  }
  return `${problem.message} (${label}).`;
}
