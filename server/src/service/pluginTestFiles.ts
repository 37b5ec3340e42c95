// A plugin's own test files, `test/*.bench.yaml` (spec section 11) and `test/*.sandbox.yaml` (section
// 8): diagnostics from the runtime's parsers (the same schema and messages as `aether dev plugin-bench`
// and `plugin-test`, with positions), then what needs the plugin: the command exists, its input matches
// the command's input schema. Completion of keys from the file's schema, of the plugin's commands and of
// input keys from the command's input schema. Pure: text and the workspace's plugin models in, offsets
// out; the caller converts to LSP positions.
import path from 'node:path';
import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionList, type Range } from 'vscode-languageserver-types';
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import benchSchema from '../../../runtime/schemas/bench.schema.json';
import sandboxSchema from '../../../runtime/schemas/sandbox.schema.json';
import type { AetherDiagnostic, SourceRange } from '../../../runtime/src/model/diagnostics';
import type { CommandMeta, JsonSchema, PluginMeta } from '../../../runtime/src/model/plugin';
import { validateAgainst } from '../../../runtime/src/engine/schemaValidator';
import { parseBenchFile } from '../../../runtime/src/pluginBench/benchFile';
import { parseSandboxFile } from '../../../runtime/src/sandbox/sandboxFile';
import { didYouMean } from '../../../runtime/src/pipeline/suggestions';
import { findPair, lineCounterOf, nodeAtPath, nodeRange, type PositionSource } from '../../../runtime/src/pipeline/yamlNodes';
import { commandsOf } from '../../../runtime/src/plugins';
import { caretContext } from './yamlContext';

export type PluginTestKind = 'bench' | 'sandbox';

const TEST_FILE = /[/\\]test[/\\][^/\\]+\.(bench|sandbox)\.ya?ml$/i;

/** `bench` or `sandbox` for a file in a `test/` folder named `*.bench.yaml` or `*.sandbox.yaml`. */
export function pluginTestFileKind(file: string): PluginTestKind | undefined {
  const match = TEST_FILE.exec(file);
  return match ? (match[1]!.toLowerCase() as PluginTestKind) : undefined;
}

/** What this feature needs of the workspace index: the plugin whose entry a file names. */
export interface PluginsByEntry {
  pluginAt(entry: string): { meta?: PluginMeta } | undefined;
}

/** The line index the caret context reads (the service's `LineIndex`). */
export type Lines = Parameters<typeof caretContext>[0];

type Keys = Record<string, { description?: string }>;

interface KindInfo {
  /** The top-level key holding the list: `benchmarks` or `cases`. */
  list: string;
  /** `benchmark` or `case`, in messages. */
  item: string;
  code: string;
  rootKeys: Keys;
  rootRequired: string[];
  itemKeys: Keys;
  itemRequired: string[];
}

const KINDS: Record<PluginTestKind, KindInfo> = {
  bench: {
    list: 'benchmarks',
    item: 'benchmark',
    code: 'bench',
    rootKeys: benchSchema.properties as Keys,
    rootRequired: benchSchema.required,
    itemKeys: benchSchema.definitions.benchmark.properties as Keys,
    itemRequired: benchSchema.definitions.benchmark.required,
  },
  sandbox: {
    list: 'cases',
    item: 'case',
    code: 'sandbox',
    rootKeys: sandboxSchema.properties as Keys,
    rootRequired: sandboxSchema.required,
    itemKeys: sandboxSchema.definitions.case.properties as Keys,
    itemRequired: sandboxSchema.definitions.case.required,
  },
};

/** A command as a test file may name it: bare, or qualified as `plugin-name/command`. */
function findCommand(meta: PluginMeta, name: string): CommandMeta | undefined {
  const commands = commandsOf(meta);
  const bare = name.startsWith(`${meta.name}/`) ? name.slice(meta.name.length + 1) : name;
  return Object.prototype.hasOwnProperty.call(commands, bare) ? commands[bare] : undefined;
}

function pluginOf(file: string, document: Document, plugins: PluginsByEntry): { entry?: string; meta?: PluginMeta } {
  const value = findPair(document.contents, 'plugin')?.value;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') return {};
  const entry = path.resolve(path.dirname(file), value.value);
  return { entry, meta: plugins.pluginAt(entry)?.meta };
}

/**
 * Every problem of a bench or sandbox file: first what the runtime's parser reports (schema, YAML,
 * duplicates), then, once the file is valid, whether its plugin is one of the workspace's, whether each
 * command is the plugin's and whether each input matches that command's input schema.
 */
export function validatePluginTestFile(text: string, file: string, plugins: PluginsByEntry): AetherDiagnostic[] {
  const kind = pluginTestFileKind(file);
  if (!kind) return [];
  const info = KINDS[kind];
  const parsed = kind === 'bench' ? parseBenchFile(text, file) : parseSandboxFile(text, file);
  const diagnostics = [...parsed.diagnostics];
  const model =
    kind === 'bench' ? (parsed as ReturnType<typeof parseBenchFile>).bench : (parsed as ReturnType<typeof parseSandboxFile>).sandbox;
  if (!model) return diagnostics;
  const cases = 'benchmarks' in model ? model.benchmarks : model.cases;
  const plugin = plugins.pluginAt(model.plugin);
  const error = (code: string, message: string, range: SourceRange, severity: AetherDiagnostic['severity'] = 'error') =>
    diagnostics.push({ code: `${info.code}/${code}`, severity, message, file, range });
  if (!plugin) {
    error(
      'unknown-plugin',
      `no plugin of this workspace has its entry at ${model.plugin}: \`plugin:\` names the plugin's entry module relative to this file, e.g. ../index.ts`,
      model.pluginRange,
      'warning',
    );
    return diagnostics;
  }
  const meta = plugin.meta;
  if (!meta) return diagnostics; // its own diagnostics say why its meta cannot be read
  const document = parseDocument(text, { keepSourceTokens: false });
  const source: PositionSource = { text, lineCounter: lineCounterOf(text) };
  for (const entry of cases) {
    const command = findCommand(meta, entry.command);
    if (!command) {
      const names = Object.keys(commandsOf(meta));
      error(
        'unknown-command',
        `plugin ${meta.name} has no command "${entry.command}" (${info.item} "${entry.name}").${didYouMean(entry.command, names)} Its commands: ${names.join(', ')}`,
        entry.commandRange,
      );
      continue;
    }
    for (const problem of validateAgainst(command.input, entry.input)) {
      const segments = problem.pointer
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      let range: SourceRange | undefined;
      for (let length = segments.length; length >= 0 && !range; length--) {
        const at = [info.list, entry.index, 'input', ...segments.slice(0, length)].map((s) => (/^\d+$/.test(String(s)) ? Number(s) : s));
        const node = nodeAtPath(document, at);
        range = nodeRange(source, node);
      }
      error(
        'invalid-input',
        `input of ${info.item} "${entry.name}" does not match the input schema of ${meta.name}/${entry.command}: ${problem.message}`,
        range ?? entry.range,
      );
    }
  }
  diagnostics.sort((a, b) => (a.range?.start ?? 0) - (b.range?.start ?? 0));
  return diagnostics;
}

function schemaProperties(schema: JsonSchema | undefined): Record<string, { description?: string; enum?: unknown[]; type?: unknown }> {
  if (!schema || typeof schema !== 'object' || !schema.properties || typeof schema.properties !== 'object') return {};
  return schema.properties as Record<string, { description?: string }>;
}

function schemaRequired(schema: JsonSchema | undefined): Set<string> {
  return new Set(schema && typeof schema === 'object' && Array.isArray(schema.required) ? (schema.required as string[]) : []);
}

function keysOf(node: unknown): Set<string> {
  const keys = new Set<string>();
  if (isMap(node)) for (const pair of node.items) if (isScalar(pair.key)) keys.add(String(pair.key.value));
  return keys;
}

/** The list item (benchmark or case) the caret is in: the last one starting at or before it. */
function itemAt(document: Document, list: string, offset: number): Node | undefined {
  const seq = findPair(document.contents, list)?.value;
  if (!isSeq(seq)) return undefined;
  let found: Node | undefined;
  for (const item of seq.items) {
    const range = (item as Node | null)?.range;
    if (range && range[0] <= offset) found = item as Node;
  }
  return found;
}

/**
 * Completion in a bench or sandbox file: top-level and per-item keys from the file's schema, the
 * plugin's commands after `command:`, and input keys from the command's input schema (block or flow
 * `input: { … }`), with enum values of an input key.
 */
export function completePluginTestFile(text: string, file: string, offset: number, lines: Lines, plugins: PluginsByEntry): CompletionList {
  const kind = pluginTestFileKind(file);
  const items: CompletionItem[] = [];
  if (!kind) return { isIncomplete: false, items };
  const info = KINDS[kind];
  const context = caretContext(lines, offset);
  // While someone types, the text is often not valid YAML; the parser still recovers the items before.
  const document = parseDocument(text, { keepSourceTokens: false });
  const { meta } = pluginOf(file, document, plugins);
  const item = itemAt(document, info.list, offset);
  const commandName = isMap(item) ? (item.get('command') as unknown) : undefined;
  const command = meta && typeof commandName === 'string' ? findCommand(meta, commandName) : undefined;
  const path = context.path.join('/');

  let replace: Range = { start: lines.positionAt(context.prefixStart), end: lines.positionAt(offset) };
  const add = (item: CompletionItem, newText: string) => items.push({ ...item, textEdit: { range: replace, newText } });
  const keyItems = (properties: Record<string, { description?: string }>, existing: Set<string>, required: Set<string>, suffix = ': ') => {
    for (const [key, schema] of Object.entries(properties)) {
      if (existing.has(key)) continue;
      add(
        {
          label: key,
          kind: CompletionItemKind.Property,
          detail: required.has(key) ? 'required' : undefined,
          documentation: schema.description,
          sortText: `${required.has(key) ? 0 : 1}${key}`,
        },
        `${key}${suffix}`,
      );
    }
  };
  const inputKeys = (existing: Set<string>, suffix?: string) =>
    keyItems(schemaProperties(command?.input), existing, schemaRequired(command?.input), suffix);
  const inputNode = isMap(item) ? item.get('input', true) : undefined;

  if (context.kind === 'key') {
    if (path === '') keyItems(info.rootKeys, keysOf(document.contents), new Set(info.rootRequired));
    else if (path === `${info.list}/#`) keyItems(info.itemKeys, keysOf(item), new Set(info.itemRequired));
    else if (path === `${info.list}/#/input`) inputKeys(keysOf(inputNode));
  } else if (path === `${info.list}/#` && context.key === 'command' && meta) {
    for (const [name, commandMeta] of Object.entries(commandsOf(meta))) {
      add(
        {
          label: name,
          kind: CompletionItemKind.Function,
          detail: meta.name,
          documentation: { kind: MarkupKind.Markdown, value: commandMeta.description ?? '' },
        },
        name,
      );
    }
  } else if (path === `${info.list}/#` && context.key === 'input') {
    // Flow style, `input: { message: hi, | }`: keys where a key may start.
    const flow = /\{([^{}]*)$/.exec(context.valueBefore);
    if (flow && /(?:^|,)\s*[A-Za-z0-9_-]*$/.test(flow[1] ?? '')) {
      const word = /[A-Za-z0-9_-]*$/.exec(flow[1] ?? '')?.[0] ?? '';
      replace = { start: lines.positionAt(offset - word.length), end: lines.positionAt(offset) };
      inputKeys(keysOf(inputNode));
    }
  } else if (path === `${info.list}/#/input` && context.key !== undefined) {
    const property = schemaProperties(command?.input)[context.key];
    const values = property?.enum ?? (property?.type === 'boolean' ? [true, false] : []);
    for (const value of values)
      add({ label: String(value), kind: CompletionItemKind.Value }, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { isIncomplete: false, items };
}
