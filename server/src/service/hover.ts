// Hover in pipeline files: command and plugin docs with who overrides whom, step summaries, key docs.
import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import { isScalar } from 'yaml';
import pipelineSchema from '../../../runtime/schemas/pipeline.schema.json';
import type { CommandBinding } from '../../../runtime/src/model/catalog';
import { commandsOf } from '../../../runtime/src/plugins';
import { contains, pluginsMap, rootMap, spanOf, stepReferenceAt, type PipelineDocument } from './pipelineDocument';
import type { Span } from '../../../runtime/src/workspace/text';

export function doHover(doc: PipelineDocument, offset: number): Hover | null {
  const hover = (markdown: string, span: Span): Hover => ({
    contents: { kind: MarkupKind.Markdown, value: markdown },
    range: { start: doc.lines.positionAt(span.start), end: doc.lines.positionAt(span.end) },
  });
  for (const info of doc.steps) {
    const runSpan = spanOf(info.runNode);
    if (runSpan && contains(runSpan, offset) && info.run) {
      return hover(
        info.binding ? commandDoc(doc, info.binding, info.run) : `\`${info.run}\`: no loaded plugin provides this command.`,
        runSpan,
      );
    }
    const idSpan = spanOf(info.step.idNode);
    if (idSpan && contains(idSpan, offset)) {
      const needs = info.step.needs.map((n) => n.id);
      const dependents = doc.steps.filter((s) => s.step.needs.some((n) => n.id === info.step.id)).map((s) => s.step.id);
      return hover(
        [
          `**Step \`${info.step.id}\`**` +
            (info.run ? ` runs \`${info.run}\`${info.binding ? ` (plugin \`${info.binding.plugin}\`)` : ''}` : ''),
          needs.length ? `Needs: ${needs.map((n) => `\`${n}\``).join(', ')}` : 'Needs nothing: starts as soon as the run does.',
          dependents.length ? `Needed by: ${dependents.map((n) => `\`${n}\``).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        idSpan,
      );
    }
  }
  // An expression's step: what it runs, and whether the step reading it may (it must need it).
  const ref = stepReferenceAt(doc, offset);
  if (ref) {
    const target = doc.steps.find((s) => s.step.id === ref.id);
    const reader = ref.step;
    const lines = [
      target
        ? `**Step \`${ref.id}\`**${target.run ? ` runs \`${target.run}\`${target.binding ? ` (plugin \`${target.binding.plugin}\`)` : ''}` : ''}: \`steps.${ref.id}.output\` is what it returned.`
        : `No step has the id \`${ref.id}\`.`,
    ];
    if (target && reader && reader !== target) {
      const direct = reader.step.needs.some((n) => n.id === ref.id);
      lines.push(
        direct
          ? `\`${reader.step.id}\` needs it, so it has run by then.`
          : `\`${reader.step.id}\` must need it (directly or through its needs) to read it.`,
      );
    }
    return hover(lines.join('\n\n'), ref.span);
  }
  for (const pair of pluginsMap(doc)?.items ?? []) {
    const span = spanOf(pair.key);
    if (span && contains(span, offset) && isScalar(pair.key)) return hover(pluginDoc(doc, String(pair.key.value)), span);
  }
  for (const pair of rootMap(doc)?.items ?? []) {
    const span = spanOf(pair.key);
    if (span && contains(span, offset) && isScalar(pair.key)) {
      const description = (pipelineSchema.properties as Record<string, { description?: string }>)[String(pair.key.value)]?.description;
      if (description) return hover(description, span);
    }
  }
  return null;
}

function commandDoc(doc: PipelineDocument, binding: CommandBinding, run: string): string {
  const plugin = doc.index.plugin(binding.plugin);
  const lines = [`**${binding.command}** — plugin \`${binding.plugin}\`${plugin?.meta ? ` ${plugin.meta.version}` : ''}`];
  if (binding.description) lines.push(binding.description);
  const input = binding.input;
  if (input && typeof input === 'object' && input.properties && typeof input.properties === 'object') {
    const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
    const props = Object.entries(input.properties as Record<string, { type?: unknown; description?: string }>).map(
      ([key, schema]) =>
        `- \`${key}\`${required.has(key) ? ' (required)' : ''}${schema.type ? `: ${String(schema.type)}` : ''}${schema.description ? ` — ${schema.description}` : ''}`,
    );
    if (props.length) lines.push(`Inputs (\`with\`):\n${props.join('\n')}`);
  }
  if (binding.shadows.length && !run.includes('/')) {
    lines.push(
      `Overrides the \`${binding.command}\` of ${binding.shadows.map((p) => `\`${p}\``).join(', ')}: the last-loaded plugin wins. Write \`${binding.shadows[binding.shadows.length - 1]}/${binding.command}\` to run the other.`,
    );
  }
  return lines.join('\n\n');
}

function pluginDoc(doc: PipelineDocument, name: string): string {
  const plugin = doc.index.plugin(name);
  if (!plugin?.meta) return `Plugin \`${name}\` is not installed in this workspace.`;
  const ordered = doc.index.ordered.find((p) => p.meta.name === name);
  const lines = [`**${name}** ${plugin.meta.version}`];
  if (plugin.meta.description) lines.push(plugin.meta.description);
  lines.push(
    ordered
      ? `Loads at position ${ordered.order + 1}: ${ordered.reason}.`
      : `Would not load: ${plugin.loadErrors.map((d) => d.message).join(' ')}`,
  );
  const commands = Object.keys(commandsOf(plugin.meta));
  if (commands.length) lines.push(`Commands: ${commands.map((c) => `\`${c}\``).join(', ')}`);
  if (plugin.meta.hooks?.length) lines.push(`Hooks: ${plugin.meta.hooks.join(', ')}`);
  return lines.join('\n\n');
}
