// Quick fixes: did-you-mean replacements, and `needs` for an expression that reads a step not upstream.
import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver-types';
import { isMap, isScalar, isSeq, visit, type Node, type Pair } from 'yaml';
import { levenshtein } from '../../../runtime/src/pipeline/suggestions';
import { findPair } from '../../../runtime/src/pipeline/yamlNodes';
import { stepAt, type PipelineDocument } from './pipelineDocument';

export function getCodeActions(doc: PipelineDocument, diagnostics: Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const message = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    const suggestion = /[Dd]id you mean "([^"]+)"/.exec(message)?.[1];
    if (suggestion !== undefined) {
      const range = replacementRange(doc, diagnostic.range, suggestion);
      actions.push({
        title: `Change to "${suggestion}"`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [doc.uri]: [{ range, newText: suggestion }] } },
      });
    }
    if (diagnostic.code === 'pipeline/unknown-key') {
      const action = removeKey(doc, doc.lines.offsetAt(diagnostic.range.start));
      if (action) actions.push({ ...action, diagnostics: [diagnostic] });
    }
    const blockFor =
      diagnostic.code === 'pipeline/plugin-config' ? /^Plugin "([^"]+)" needs a config block(?: with ([^:]+))?:/.exec(message) : null;
    if (blockFor?.[1]) {
      const action = addPluginBlock(doc, blockFor[1], (blockFor[2] ?? '').split(', ').filter(Boolean));
      if (action) actions.push({ ...action, diagnostics: [diagnostic] });
    }
    const missingNeed = diagnostic.code === 'expression/not-upstream' ? /does not need "([^"]+)"/.exec(message)?.[1] : undefined;
    if (missingNeed !== undefined) {
      const action = addNeed(doc, doc.lines.offsetAt(diagnostic.range.start), missingNeed);
      if (action) actions.push({ ...action, diagnostics: [diagnostic] });
    }
  }
  return actions;
}

/** The part of the diagnostic's text the suggestion replaces: the whole text, or its closest `/` segment. */
function replacementRange(doc: PipelineDocument, range: Range, suggestion: string): Range {
  const start = doc.lines.offsetAt(range.start);
  const text = doc.parsed.text.slice(start, doc.lines.offsetAt(range.end));
  const quote = /^["']/.test(text) ? 1 : 0;
  const inner = text.slice(quote, text.length - quote);
  if (!inner.includes('/') || suggestion.includes('/')) {
    return { start: doc.lines.positionAt(start + quote), end: doc.lines.positionAt(start + quote + inner.length) };
  }
  let at = 0;
  let best = { from: 0, to: inner.length, distance: Infinity };
  for (const segment of inner.split('/')) {
    const distance = levenshtein(segment, suggestion);
    if (distance < best.distance) best = { from: at, to: at + segment.length, distance };
    at += segment.length + 1;
  }
  return { start: doc.lines.positionAt(start + quote + best.from), end: doc.lines.positionAt(start + quote + best.to) };
}

function addNeed(doc: PipelineDocument, offset: number, need: string): Omit<CodeAction, 'diagnostics'> | undefined {
  const step = stepAt(doc, offset);
  if (!step) return undefined;
  const title = `Add "${need}" to needs`;
  const needs = findPair(step.step.node, 'needs');
  const value = needs?.value;
  const edit = (at: number, newText: string) => ({
    title,
    kind: CodeActionKind.QuickFix,
    edit: { changes: { [doc.uri]: [{ range: { start: doc.lines.positionAt(at), end: doc.lines.positionAt(at) }, newText }] } },
  });
  if (isSeq(value) && value.flow && value.range) {
    const close = doc.parsed.text.lastIndexOf(']', value.range[1]);
    return edit(close, value.items.length ? `, ${need}` : need);
  }
  if (isSeq(value) && value.range) {
    const last = value.items[value.items.length - 1] as { range?: [number, number, number] } | undefined;
    const lineOf = doc.lines.positionAt(last?.range?.[0] ?? value.range[0]).line;
    const lineText = doc.lines.lineText(lineOf);
    const indent = /^\s*/.exec(lineText)?.[0] ?? '';
    return edit(doc.lines.offsetAt({ line: lineOf, character: lineText.length }), `\n${indent}- ${need}`);
  }
  if (value === undefined || value === null) {
    const idNode = step.step.idNode;
    if (!idNode?.range) return undefined;
    const line = doc.lines.positionAt(idNode.range[0]).line;
    const keyColumn = doc.lines.positionAt(
      (findPair(step.step.node, 'id')?.key as { range?: number[] } | undefined)?.range?.[0] ?? idNode.range[0],
    ).character;
    const lineText = doc.lines.lineText(line);
    return edit(doc.lines.offsetAt({ line, character: lineText.length }), `\n${' '.repeat(keyColumn)}needs: [${need}]`);
  }
  return undefined;
}

/** The mapping pair whose key starts at `offset`. */
function pairWithKeyAt(doc: PipelineDocument, offset: number): Pair | undefined {
  let found: Pair | undefined;
  visit(doc.parsed.document, {
    Pair(_, pair) {
      if ((pair.key as Node | null)?.range?.[0] === offset) {
        found = pair as Pair;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Deletes an unknown key with its value: whole lines when the key starts its line, else nothing offered. */
function removeKey(doc: PipelineDocument, offset: number): Omit<CodeAction, 'diagnostics'> | undefined {
  const pair = pairWithKeyAt(doc, offset);
  const key = pair?.key as Node | undefined;
  if (!pair || !key?.range) return undefined;
  const { line } = doc.lines.positionAt(key.range[0]);
  const lineStart = doc.lines.lineStarts[line] ?? 0;
  if (doc.parsed.text.slice(lineStart, key.range[0]).trim() !== '') return undefined; // `- key:` opens a list item
  const value = pair.value as Node | null;
  const endOffset = value?.range?.[1] ?? key.range[1];
  const lastLine = doc.lines.positionAt(Math.max(key.range[1], endOffset - 1)).line;
  const end = doc.lines.lineStarts[lastLine + 1] ?? doc.parsed.text.length;
  const name = isScalar(key) ? String(key.value) : 'key';
  return {
    title: `Remove unknown key "${name}"`,
    kind: CodeActionKind.QuickFix,
    edit: { changes: { [doc.uri]: [{ range: { start: doc.lines.positionAt(lineStart), end: doc.lines.positionAt(end) }, newText: '' }] } },
  };
}

/** Adds `plugins: { <name>: { <required keys> } }`: under an existing `plugins:`, or as a new section before `steps:`. */
function addPluginBlock(doc: PipelineDocument, name: string, required: string[]): Omit<CodeAction, 'diagnostics'> | undefined {
  const root = doc.parsed.document.contents;
  if (!isMap(root)) return undefined;
  const body = (indent: string) =>
    `${indent}${name}:\n${(required.length ? required : ['']).map((k) => `${indent}  ${k}${k ? ': ' : ''}`).join('\n')}\n`;
  const plugins = findPair(root, 'plugins');
  let at: number;
  let newText: string;
  if (plugins?.key && (plugins.key as Node).range) {
    const keyLine = doc.lines.positionAt((plugins.key as Node).range![0]).line;
    at = doc.lines.lineStarts[keyLine + 1] ?? doc.parsed.text.length;
    const first = isMap(plugins.value) ? (plugins.value.items[0]?.key as Node | undefined) : undefined;
    const indent = first?.range ? ' '.repeat(doc.lines.positionAt(first.range[0]).character) : '  ';
    newText = body(indent);
    if (!isMap(plugins.value) && plugins.value !== null) return undefined;
  } else {
    const steps = findPair(root, 'steps')?.key as Node | undefined;
    at = steps?.range ? (doc.lines.lineStarts[doc.lines.positionAt(steps.range[0]).line] ?? 0) : doc.parsed.text.length;
    newText = `plugins:\n${body('  ')}`;
  }
  const position = doc.lines.positionAt(at);
  return {
    title: `Add the config block of plugin "${name}"`,
    kind: CodeActionKind.QuickFix,
    edit: { changes: { [doc.uri]: [{ range: { start: position, end: position }, newText }] } },
  };
}
