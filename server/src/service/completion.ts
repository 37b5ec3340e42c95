// Completion in pipeline files: keys from the pipeline schema, plugin names and config keys, commands
// with their plugin and description, `with` keys from the command's input schema, `needs` ids and
// `${{ }}` expression paths.
import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionList } from 'vscode-languageserver-types';
import { isMap, isScalar } from 'yaml';
import pipelineSchema from '../../../runtime/schemas/pipeline.schema.json';
import type { JsonSchema } from '../../../runtime/src/model/plugin';
import { findPair } from '../../../runtime/src/pipeline/yamlNodes';
import { resolveCommand } from '../../../runtime/src/plugins';
import { pluginsMap, rootMap, stepAt, type PipelineDocument } from './pipelineDocument';
import { caretContext } from './yamlContext';

type SchemaProperties = Record<string, { description?: string }>;

const ROOT_KEYS = pipelineSchema.properties as SchemaProperties;
const STEP_KEYS = pipelineSchema.definitions.step.properties as SchemaProperties;
const SETTINGS_KEYS = pipelineSchema.properties.settings.properties as SchemaProperties;
const STEP_REQUIRED = new Set(pipelineSchema.definitions.step.required);

export function doComplete(doc: PipelineDocument, offset: number): CompletionList {
  const context = caretContext(doc.lines, offset);
  const items: CompletionItem[] = [];
  const range = { start: doc.lines.positionAt(context.prefixStart), end: doc.lines.positionAt(offset) };
  const edit = (item: CompletionItem, newText: string): CompletionItem => ({ ...item, textEdit: { range, newText } });
  const path = context.path.join('/');

  // `${{ … }}` anywhere in a value.
  const expression = /\$\{\{\s*([A-Za-z0-9_.\-[\]'"]*)$/.exec(context.valueBefore);
  if (expression && context.kind === 'value') return completeExpression(doc, offset, expression[1] ?? '');

  const keyItems = (properties: SchemaProperties, existing: Set<string>, required = new Set<string>()) => {
    for (const [key, schema] of Object.entries(properties)) {
      if (existing.has(key)) continue;
      items.push(
        edit(
          {
            label: key,
            kind: CompletionItemKind.Property,
            detail: required.has(key) ? 'required' : undefined,
            documentation: schema.description,
            sortText: `${required.has(key) ? 0 : 1}${key}`,
          },
          `${key}: `,
        ),
      );
    }
  };

  if (context.kind === 'key') {
    if (path === '') keyItems(ROOT_KEYS, keysOf(rootMap(doc)), new Set(pipelineSchema.required));
    else if (path === 'settings') keyItems(SETTINGS_KEYS, keysOf(findPair(rootMap(doc), 'settings')?.value));
    else if (path === 'steps/#') {
      const step = stepAt(doc, offset);
      keyItems(STEP_KEYS, keysOf(step?.step.node), STEP_REQUIRED);
    } else if (path === 'plugins') {
      const listed = keysOf(pluginsMap(doc));
      for (const plugin of doc.index.plugins) {
        const name = plugin.meta?.name;
        if (!name || listed.has(name)) continue;
        items.push(
          edit(
            {
              label: name,
              kind: CompletionItemKind.Module,
              detail: `${plugin.meta?.version ?? ''}${doc.index.isLoaded(name) ? '' : ' (would not load)'}`,
              documentation: plugin.meta?.description,
            },
            `${name}:`,
          ),
        );
      }
    } else if (context.path.length === 2 && context.path[0] === 'plugins') {
      const schema = doc.index.plugin(context.path[1] ?? '')?.meta?.config;
      const existing = keysOf(findPair(pluginsMap(doc), context.path[1] ?? '')?.value);
      keyItems(schemaProperties(schema), existing, schemaRequired(schema));
    } else if (path === 'steps/#/with') {
      const step = stepAt(doc, offset);
      const binding = step?.run !== undefined ? resolveCommand(doc.index.commands, step.run) : undefined;
      keyItems(schemaProperties(binding?.input), keysOf(step?.withNode), schemaRequired(binding?.input));
    } else if (path === 'steps/#/needs/#') {
      needsItems(doc, offset, items, edit);
    }
  } else if (path === 'steps/#' && context.key === 'run') {
    const table = doc.index.commands;
    for (const binding of table.byName.values()) {
      const overrides = binding.shadows.length ? `\n\nOverrides ${binding.shadows.join(', ')} (loaded last wins).` : '';
      items.push(
        edit(
          {
            label: binding.command,
            kind: CompletionItemKind.Function,
            detail: binding.plugin,
            documentation: { kind: MarkupKind.Markdown, value: `${binding.description ?? ''}${overrides}` },
            sortText: `0${binding.command}`,
          },
          binding.command,
        ),
      );
    }
    for (const [name, binding] of table.qualified) {
      items.push(
        edit(
          {
            label: name,
            kind: CompletionItemKind.Function,
            detail: binding.plugin,
            documentation: binding.description,
            sortText: `1${name}`,
          },
          name,
        ),
      );
    }
  } else if (path === 'steps/#' && context.key === 'needs') {
    needsItems(doc, offset, items, edit);
  } else if (path === 'steps/#/with' && context.key !== undefined) {
    const step = stepAt(doc, offset);
    const binding = step?.run !== undefined ? resolveCommand(doc.index.commands, step.run) : undefined;
    const property = schemaProperties(binding?.input)[context.key] as { enum?: unknown[]; type?: unknown } | undefined;
    const values = property?.enum ?? (property?.type === 'boolean' ? [true, false] : []);
    for (const value of values)
      items.push(edit({ label: String(value), kind: CompletionItemKind.Value }, typeof value === 'string' ? value : JSON.stringify(value)));
  } else if (path === '' && context.key === 'runtime') {
    items.push(edit({ label: '^1.0.0', kind: CompletionItemKind.Value }, '^1.0.0'));
  }
  return { isIncomplete: false, items };
}

function needsItems(
  doc: PipelineDocument,
  offset: number,
  items: CompletionItem[],
  edit: (item: CompletionItem, text: string) => CompletionItem,
): void {
  const self = stepAt(doc, offset);
  const already = new Set(self?.step.needs.map((n) => n.id));
  for (const info of doc.steps) {
    const id = info.step.id;
    if (id === undefined || info === self || already.has(id)) continue;
    items.push(edit({ label: id, kind: CompletionItemKind.Reference, detail: info.run ? `runs ${info.run}` : undefined }, id));
  }
}

function completeExpression(doc: PipelineDocument, offset: number, typed: string): CompletionList {
  const items: CompletionItem[] = [];
  const lastDot = typed.lastIndexOf('.');
  const start = offset - (typed.length - lastDot - 1);
  const range = { start: doc.lines.positionAt(start), end: doc.lines.positionAt(offset) };
  const add = (label: string, kind: CompletionItemKind, detail?: string) =>
    items.push({ label, kind, detail, textEdit: { range, newText: label } });
  const segments = typed.split('.');
  if (segments.length === 1) {
    const rootRange = { start: doc.lines.positionAt(offset - typed.length), end: range.end };
    for (const root of ['steps', 'state', 'env'])
      items.push({ label: root, kind: CompletionItemKind.Module, textEdit: { range: rootRange, newText: root } });
  } else if (segments[0] === 'steps' && segments.length === 2) {
    const self = stepAt(doc, offset);
    for (const info of doc.steps) {
      if (info.step.id !== undefined && info !== self)
        add(info.step.id, CompletionItemKind.Reference, info.run ? `runs ${info.run}` : undefined);
    }
  } else if (segments[0] === 'steps' && segments.length === 3) {
    add('output', CompletionItemKind.Property, 'what the step returned');
  } else if (segments[0] === 'state' && segments.length === 2) {
    // Keys the workspace's plugins read or write with ctx.state.get/set (as far as their source says).
    const setBy = new Map<string, string[]>();
    for (const plugin of doc.index.plugins) {
      const name = plugin.meta?.name ?? plugin.candidate.packageName ?? plugin.candidate.dir;
      for (const key of plugin.source.stateKeys) setBy.set(key, [...(setBy.get(key) ?? []), name]);
    }
    for (const [key, plugins] of setBy) add(key, CompletionItemKind.Variable, `state used by ${plugins.join(', ')}`);
  } else if (segments[0] === 'env' && segments.length === 2) {
    const env = findPair(doc.parsed.document.contents, 'env')?.value;
    if (isMap(env)) for (const pair of env.items) if (isScalar(pair.key)) add(String(pair.key.value), CompletionItemKind.Variable);
  }
  return { isIncomplete: false, items };
}

function keysOf(node: unknown): Set<string> {
  const keys = new Set<string>();
  if (isMap(node)) for (const pair of node.items) if (isScalar(pair.key)) keys.add(String(pair.key.value));
  return keys;
}

function schemaProperties(schema: JsonSchema | undefined): SchemaProperties {
  if (!schema || typeof schema !== 'object' || !schema.properties || typeof schema.properties !== 'object') return {};
  return schema.properties as SchemaProperties;
}

function schemaRequired(schema: JsonSchema | undefined): Set<string> {
  return new Set(schema && typeof schema === 'object' && Array.isArray(schema.required) ? (schema.required as string[]) : []);
}
