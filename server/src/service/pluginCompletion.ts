// Completion in plugin sources: lifecycle event names inside `static meta = { hooks: [ … ] }`. The meta is
// read with the TypeScript parser from the editor's text (never executed).
import { CompletionItemKind, type CompletionItem, type CompletionList } from 'vscode-languageserver-types';
import { HOOK_EVENTS } from '../../../runtime/src/model/plugin';
import { readPluginSource } from '../../../runtime/src/workspace/pluginSource';

const HOOK_DOCS: Record<string, string> = {
  'pipeline-start': 'once, before any step',
  'pre-execute': 'before each step; may return { input } or { skip }',
  'post-execute': 'after each step that succeeded; may return { output }',
  'post-failure': 'after each failed step, and once if the run fails before any step',
  'pipeline-end': 'always, last',
};

export function completePluginSource(text: string, file: string, offset: number): CompletionList {
  const empty: CompletionList = { isIncomplete: false, items: [] };
  const info = readPluginSource(text, file);
  const hooks = info.meta?.kind === 'object' ? info.meta.properties.find((p) => p.key === 'hooks')?.value : undefined;
  if (hooks?.kind !== 'array' || offset <= hooks.range.start || offset >= hooks.range.end) return empty;
  const lines = info.lineIndex;
  const inside = hooks.items.find(
    (item) => item.kind === 'literal' && typeof item.value === 'string' && offset > item.range.start && offset < item.range.end,
  );
  const present = new Set(hooks.items.map((item) => (item.kind === 'literal' ? item.value : undefined)));
  const items: CompletionItem[] = [];
  for (const event of HOOK_EVENTS) {
    if (present.has(event) && inside?.kind === 'literal' && inside.value !== event) continue;
    const range = inside
      ? { start: lines.positionAt(inside.range.start + 1), end: lines.positionAt(inside.range.end - 1) }
      : { start: lines.positionAt(offset), end: lines.positionAt(offset) };
    items.push({
      label: event,
      kind: CompletionItemKind.EnumMember,
      detail: HOOK_DOCS[event],
      textEdit: { range, newText: inside ? event : `'${event}'` },
    });
  }
  return { isIncomplete: false, items };
}
