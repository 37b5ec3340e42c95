// Go to definition, references, rename, document symbols and folding in pipeline files.
import { pathToFileURL } from 'node:url';
import {
  SymbolKind,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type LocationLink,
  type WorkspaceEdit,
} from 'vscode-languageserver-types';
import { isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import { findMetaProperty, type PluginSourceInfo } from '../../../runtime/src/workspace/pluginSource';
import {
  type Cancellation,
  checkCancelled,
  contains,
  pluginsMap,
  rootMap,
  spanOf,
  stepById,
  stepReferenceAt,
  stepReferences,
  type PipelineDocument,
} from './pipelineDocument';
import type { Span } from '../../../runtime/src/workspace/text';

function range(doc: { lines: { positionAt(o: number): { line: number; character: number } } }, span: Span) {
  return { start: doc.lines.positionAt(span.start), end: doc.lines.positionAt(span.end) };
}

function sourceLocation(source: PluginSourceInfo, span: Span | undefined): Location | undefined {
  if (!span) return undefined;
  return {
    uri: pathToFileURL(source.file).href,
    range: { start: source.lineIndex.positionAt(span.start), end: source.lineIndex.positionAt(span.end) },
  };
}

/** A command to its plugin's meta entry, a plugin to its file, `needs` and expressions to the step. */
export function findDefinition(doc: PipelineDocument, offset: number, token?: Cancellation): LocationLink[] {
  const link = (origin: Span, target: Location | undefined): LocationLink[] =>
    target
      ? [{ originSelectionRange: range(doc, origin), targetUri: target.uri, targetRange: target.range, targetSelectionRange: target.range }]
      : [];
  for (const info of doc.steps) {
    const runSpan = spanOf(info.runNode);
    if (runSpan && contains(runSpan, offset) && info.binding) {
      const plugin = doc.index.plugin(info.binding.plugin);
      if (!plugin) return [];
      const command = findMetaProperty(plugin.source.meta, ['commands', info.binding.command]);
      const name = findMetaProperty(plugin.source.meta, ['name']);
      return link(runSpan, sourceLocation(plugin.source, command?.keyRange ?? name?.value.range ?? plugin.source.classRange));
    }
    for (const need of info.step.needs) {
      const span = spanOf(need.node);
      if (span && contains(span, offset)) {
        const target = stepById(doc, need.id);
        const targetSpan = spanOf(target?.step.idNode);
        if (targetSpan) return link(span, { uri: doc.uri, range: range(doc, targetSpan) });
      }
    }
  }
  for (const ref of stepReferences(doc, token)) {
    if (contains(ref.span, offset)) {
      const targetSpan = spanOf(stepById(doc, ref.id)?.step.idNode);
      if (targetSpan) return link(ref.span, { uri: doc.uri, range: range(doc, targetSpan) });
    }
  }
  for (const pair of pluginsMap(doc)?.items ?? []) {
    const span = spanOf(pair.key);
    if (span && contains(span, offset) && isScalar(pair.key)) {
      const plugin = doc.index.plugin(String(pair.key.value));
      if (plugin)
        return link(span, sourceLocation(plugin.source, plugin.source.metaRange ?? plugin.source.classRange ?? { start: 0, end: 0 }));
    }
  }
  return [];
}

/** The step id at `offset`, whether on its definition, a `needs` entry or an expression. */
function stepIdAt(doc: PipelineDocument, offset: number, token?: Cancellation): string | undefined {
  for (const info of doc.steps) {
    if (info.step.id !== undefined && contains(spanOf(info.step.idNode), offset)) return info.step.id;
    for (const need of info.step.needs) if (contains(spanOf(need.node), offset)) return need.id;
  }
  checkCancelled(token);
  return stepReferenceAt(doc, offset)?.id;
}

/** Spans of every mention of step `id`: its id, `needs` entries and `${{ steps.<id> }}`. */
function stepMentions(doc: PipelineDocument, id: string, includeDeclaration: boolean, token?: Cancellation): Span[] {
  const spans: Span[] = [];
  for (const info of doc.steps) {
    if (includeDeclaration && info.step.id === id) {
      const span = spanOf(info.step.idNode);
      if (span) spans.push(span);
    }
    for (const need of info.step.needs) {
      const span = need.id === id ? spanOf(need.node) : undefined;
      if (span) spans.push(span);
    }
  }
  for (const ref of stepReferences(doc, token)) if (ref.id === id) spans.push(ref.span);
  return spans.sort((a, b) => a.start - b.start);
}

export function findReferences(doc: PipelineDocument, offset: number, includeDeclaration = true, token?: Cancellation): Location[] {
  const id = stepIdAt(doc, offset, token);
  if (id === undefined) return [];
  return stepMentions(doc, id, includeDeclaration, token).map((span) => ({ uri: doc.uri, range: range(doc, unquoted(doc, span)) }));
}

export function doRename(doc: PipelineDocument, offset: number, newName: string, token?: Cancellation): WorkspaceEdit | null {
  const id = stepIdAt(doc, offset, token);
  if (id === undefined || !/^[a-z0-9_-]+$/.test(newName)) return null;
  const edits = stepMentions(doc, id, true, token).map((span) => ({ range: range(doc, unquoted(doc, span)), newText: newName }));
  return { changes: { [doc.uri]: edits } };
}

/** A quoted scalar's span without its quotes, so a rename keeps them. */
function unquoted(doc: PipelineDocument, span: Span): Span {
  const text = doc.parsed.text;
  const first = text[span.start];
  if ((first === '"' || first === "'") && text[span.end - 1] === first && span.end - span.start >= 2)
    return { start: span.start + 1, end: span.end - 1 };
  return span;
}

/** Outline: top-level keys, steps as children of `steps`, plugin blocks as children of `plugins`. */
export function findDocumentSymbols(doc: PipelineDocument): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  for (const pair of rootMap(doc)?.items ?? []) {
    const keySpan = spanOf(pair.key);
    if (!keySpan || !isScalar(pair.key)) continue;
    const valueRange = (pair.value as Node | null)?.range;
    const full = { start: keySpan.start, end: valueRange ? valueRange[1] : keySpan.end };
    const name = String(pair.key.value);
    const symbol: DocumentSymbol = {
      name,
      kind: name === 'steps' ? SymbolKind.Array : SymbolKind.Property,
      range: range(doc, full),
      selectionRange: range(doc, keySpan),
      children: [],
    };
    if (name === 'steps') {
      for (const info of doc.steps) {
        const nodeRange = info.step.node.range;
        if (!nodeRange) continue;
        const selection = spanOf(info.step.idNode) ?? { start: nodeRange[0], end: nodeRange[0] };
        symbol.children!.push({
          name: info.step.id ?? `#${info.step.index + 1}`,
          detail: info.run,
          kind: SymbolKind.Function,
          range: range(doc, { start: nodeRange[0], end: nodeRange[1] }),
          selectionRange: range(doc, selection),
        });
      }
    } else if (name === 'plugins' && isMap(pair.value)) {
      for (const plugin of pair.value.items) {
        const span = spanOf(plugin.key);
        if (!span || !isScalar(plugin.key)) continue;
        const end = (plugin.value as Node | null)?.range?.[1] ?? span.end;
        symbol.children!.push({
          name: String(plugin.key.value),
          kind: SymbolKind.Module,
          range: range(doc, { start: span.start, end }),
          selectionRange: range(doc, span),
        });
      }
    }
    symbols.push(symbol);
  }
  return symbols;
}

/** A fold per block mapping or sequence that spans lines. */
export function getFoldingRanges(doc: PipelineDocument): FoldingRange[] {
  const folds: FoldingRange[] = [];
  visit(doc.parsed.document, {
    Pair(_, pair) {
      const key = spanOf(pair.key);
      const value = pair.value as Node | null;
      if (!key || !value?.range || !(isMap(value) || isSeq(value)) || value.flow) return;
      const startLine = doc.lines.positionAt(key.start).line;
      const endLine = doc.lines.positionAt(Math.max(key.start, value.range[1] - 1)).line;
      if (endLine > startLine) folds.push({ startLine, endLine });
    },
    Seq(_, seq) {
      for (const item of seq.items) {
        const r = (item as Node | null)?.range;
        if (!r || !isMap(item)) continue;
        const startLine = doc.lines.positionAt(r[0]).line;
        const endLine = doc.lines.positionAt(Math.max(r[0], r[1] - 1)).line;
        if (endLine > startLine) folds.push({ startLine, endLine });
      }
    },
  });
  return folds;
}
