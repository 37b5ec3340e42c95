// Pipeline diagnostics: the runtime's own parse and checks (`parsePipeline`), plus what needs the
// workspace's plugins: unknown plugins and commands, plugin config and step input against the plugins'
// schemas, overrides, plugins that would not load, and the `runtime:` range. Pure: text and index in,
// diagnostics out. `aether validate` calls `validatePipelineText` too, so the CLI and the editor agree.
import semver from 'semver';
import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { CommandBinding } from '../../../runtime/src/model/catalog';
import type { AetherDiagnostic, Severity, SourceRange } from '../../../runtime/src/model/diagnostics';
import type { JsonSchema } from '../../../runtime/src/model/plugin';
import { parsePipeline, type ParsedPipeline } from '../../../runtime/src/pipeline';
import { valueBuilder } from '../../../runtime/src/pipeline/aliases';
import { readStepNodes, type StepNode } from '../../../runtime/src/pipeline/stepChecks';
import { didYouMean } from '../../../runtime/src/pipeline/suggestions';
import { findPair, nodeRange } from '../../../runtime/src/pipeline/yamlNodes';
import { validateAgainst, type SchemaProblem } from '../../../runtime/src/engine/schemaValidator';
import { notSyncedHint } from '../../../runtime/src/engine/pipelineCheck';
import { commandsOf, resolveCommand, splitCommandRef } from '../../../runtime/src/plugins';
import { RUNTIME_VERSION, type IndexedPlugin, type WorkspaceIndex } from './workspaceIndex';

/** How diagnostics are reported; per document (settings are pulled per document). */
export interface ValidationOptions {
  /** Severity per diagnostic code; `off` drops the code. */
  severities?: Record<string, Severity | 'off'>;
  /** The runtime version `runtime:` ranges are checked against (default: the bundled runtime's). */
  runtimeVersion?: string;
}

/** What validation knows of a step, for the other features (hover, definition…). */
export interface StepInfo {
  step: StepNode;
  runNode?: Scalar;
  run?: string;
  binding?: CommandBinding;
  withNode?: YAMLMap;
}

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
  const diagnostics = [...parsed.diagnostics];
  const steps: StepInfo[] = [];
  // The tree is a guess past a syntax error; the runtime's parser stopped reporting there too.
  const syntaxBroken = parsed.document.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  // Past a syntax error the steps are still read (completion and hover need them) but not reported on.
  const checker = new PluginChecks(parsed, index, options, syntaxBroken ? [] : diagnostics);
  checker.checkRuntimeRange();
  const used = checker.checkSteps(steps);
  checker.checkPluginBlocks(used);
  return { parsed, steps, diagnostics: finish(parsed.text, diagnostics, options), raw: diagnostics };
}

class PluginChecks {
  constructor(
    private readonly parsed: ParsedPipeline,
    private readonly index: WorkspaceIndex,
    private readonly options: ValidationOptions,
    private readonly out: AetherDiagnostic[],
  ) {}

  private report(code: string, severity: Severity, message: string, node: unknown, plugin?: string): void {
    const range = nodeRange(this.parsed, node) ?? this.fallbackRange();
    this.out.push({ code, severity, message, file: this.parsed.file, range, ...(plugin ? { plugin } : {}) });
  }

  private fallbackRange(): SourceRange {
    return { start: 0, end: 0, line: 1, column: 1 };
  }

  checkRuntimeRange(): void {
    const node = findPair(this.parsed.document.contents, 'runtime')?.value;
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const range = node.value;
    const version = this.options.runtimeVersion ?? RUNTIME_VERSION;
    // An invalid range is the runtime parser's pipeline/invalid-value.
    if (semver.validRange(range) === null || semver.satisfies(version, range, { includePrerelease: true })) return;
    this.report(
      'pipeline/runtime-range',
      'error',
      `This pipeline needs AetherScript ${range} (runtime:) but the runtime is ${version}; widen the range or use a runtime in it.`,
      node,
    );
  }

  /** Checks every step's `run` and `with`; returns the plugins the steps use, with the first `run` node of each. */
  checkSteps(infos: StepInfo[]): Map<string, Node> {
    const used = new Map<string, Node>();
    for (const step of readStepNodes(this.parsed.document)) {
      const info: StepInfo = { step };
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
    const table = this.index.commands;
    const binding = resolveCommand(table, run);
    const stepName = step.id !== undefined ? `step "${step.id}"` : `step #${step.index + 1}`;
    if (binding) {
      if (binding.shadows.length > 0 && !table.qualified.has(run)) {
        const shadowed = binding.shadows.map((p) => `"${p}"`).join(', ');
        this.report(
          'pipeline/command-override',
          'info',
          `"${run}" runs plugin "${binding.plugin}"'s command (loaded last), which overrides the one of ${shadowed}. ` +
            `Write "${binding.shadows[binding.shadows.length - 1]}/${run}" to run the other one.`,
          node,
          binding.plugin,
        );
      }
      return binding;
    }

    const { plugin: pluginPart, command } = splitCommandRef(run);
    // A command of a plugin that is there but would not load: say why it would not.
    const provider = pluginPart !== undefined ? this.index.plugin(pluginPart) : this.unloadedProviderOf(command);
    if (provider && !this.index.isLoaded(nameOf(provider) ?? '')) {
      this.report(
        'pipeline/plugin-load',
        'error',
        `${stepName} runs "${run}", but plugin "${nameOf(provider)}" would not load: ${loadReasons(provider)}`,
        node,
        nameOf(provider),
      );
      return undefined;
    }
    if (pluginPart !== undefined && provider?.meta) {
      const own = Object.keys(commandsOf(provider.meta));
      const hint = didYouMean(command, own) || ` Its commands: ${own.join(', ') || '(none)'}.`;
      this.report('pipeline/unknown-command', 'error', `Plugin "${pluginPart}" has no command "${command}".${hint}`, node, pluginPart);
      return undefined;
    }
    if (pluginPart !== undefined) {
      const hint = didYouMean(pluginPart, this.index.pluginNames) || didYouMean(run, this.allCommandNames());
      this.report(
        'pipeline/unknown-command',
        'error',
        `Unknown command "${run}": no plugin named "${pluginPart}" is installed.${hint} Install it (npm) or add it under plugins/.`,
        node,
      );
      return undefined;
    }
    const hint = didYouMean(run, this.allCommandNames());
    const syncHint = notSyncedHint(this.index.notSyncedNames);
    this.report(
      'pipeline/unknown-command',
      'error',
      `Unknown command "${run}": no loaded plugin provides it.${hint || syncHint || ' Install a plugin that does, or check `aether plugins list`.'}`,
      node,
    );
    return undefined;
  }

  private allCommandNames(): string[] {
    return [...this.index.commands.byName.keys(), ...this.index.commands.qualified.keys()];
  }

  /** A plugin that is not loaded whose meta (as far as it can be read) provides `command`. */
  private unloadedProviderOf(command: string): IndexedPlugin | undefined {
    return this.index.plugins.find((plugin) => {
      const meta = plugin.source.metaValue as { name?: unknown; commands?: unknown } | undefined;
      if (!meta || typeof meta.name !== 'string' || this.index.isLoaded(meta.name)) return false;
      if (meta.commands && typeof meta.commands === 'object') return Object.hasOwn(meta.commands, command);
      return meta.name === command;
    });
  }

  private checkInput(binding: CommandBinding, withNode: YAMLMap | undefined, runNode: Scalar, step: StepNode): void {
    if (binding.input === undefined) return;
    const value = withNode ? valueOf(withNode, this.parsed) : {};
    if (value === UNREADABLE) return;
    const label = `${binding.command} (${binding.plugin})`;
    for (const problem of schemaProblems(binding.input, value)) {
      // A `${{ }}` value is only known at run time; the runtime validates the resolved input.
      if (hasExpressionAt(value, problem.pointer)) continue;
      const withKey = findPair(step.node, 'with')?.key;
      const target = targetOf(problem, withNode) ?? withKey ?? runNode;
      this.report('pipeline/step-input', 'error', problemMessage(problem, label, binding.input, 'input'), target, binding.plugin);
    }
  }

  private pluginsNode(): Node | undefined {
    const node = findPair(this.parsed.document.contents, 'plugins')?.value;
    return isMap(node) ? node : undefined;
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
      const plugin = this.index.plugin(name);
      const schema = plugin?.meta?.config;
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
    const plugin = this.index.plugin(name);
    if (!plugin) {
      const hint = didYouMean(name, this.index.pluginNames);
      this.report(
        'pipeline/unknown-plugin',
        'error',
        `Unknown plugin "${name}": it is not installed in node_modules nor under plugins/.${hint || ' Install it or remove this block.'}`,
        keyNode,
      );
      return;
    }
    if (!this.index.isLoaded(name)) {
      this.report('pipeline/plugin-load', 'error', `Plugin "${name}" would not load: ${loadReasons(plugin)}`, keyNode, name);
      return;
    }
    const schema = plugin.meta?.config;
    if (schema === undefined) return;
    const value = isMap(valueNode) || isSeq(valueNode) || isScalar(valueNode) ? valueOf(valueNode as Node, this.parsed) : {};
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
