// One analysed pipeline document: the runtime's parse, the plugin-aware validation and a line index,
// computed once per document version and index version and shared by every feature.
import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import { parsePipeline, parseTemplate, type ParsedPipeline } from '../../../runtime/src/pipeline';
import { mapValueRange, scalarOffsetMap } from '../../../runtime/src/pipeline/scalarSource';
import { findPair } from '../../../runtime/src/pipeline/yamlNodes';
import {
  validatePipeline,
  type PipelineValidation,
  type StepInfo,
  type ValidationOptions,
} from '../../../runtime/src/workspace/pipelineDiagnostics';
import { LineIndex, type Span } from '../../../runtime/src/workspace/text';
import type { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

export interface PipelineDocument extends PipelineValidation {
  uri: string;
  file: string;
  version: number;
  lines: LineIndex;
  index: WorkspaceIndex;
}

/** `parsed`: the text's parse when it was done ahead (it depends on the text only, not on the index). */
export function analysePipeline(
  text: string,
  uri: string,
  file: string,
  version: number,
  index: WorkspaceIndex,
  options: ValidationOptions,
  parsed: ParsedPipeline = parsePipeline(text, file),
): PipelineDocument {
  const validation = validatePipeline(parsed, index, options);
  return { ...validation, uri, file, version, lines: new LineIndex(text), index };
}

/**
 * Drops the parser's source tokens (the runtime parses with `keepSourceTokens`; nothing here reads them
 * after the parse). On a 30,000-line file they hold about 60% of the tree's memory.
 */
export function dropSourceTokens(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const withToken = node as { srcToken?: unknown };
  if (withToken.srcToken !== undefined) delete withToken.srcToken;
  if (isMap(node)) {
    for (const pair of node.items) {
      const p = pair as { srcToken?: unknown };
      if (p.srcToken !== undefined) delete p.srcToken;
      dropSourceTokens(pair.key);
      dropSourceTokens(pair.value);
    }
  } else if (isSeq(node)) for (const item of node.items) dropSourceTokens(item);
}

export function spanOf(node: unknown): Span | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}

export function contains(span: Span | undefined, offset: number): boolean {
  return span !== undefined && offset >= span.start && offset <= span.end;
}

/** A request's cancellation, as the service sees it (the LSP CancellationToken fits). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

/** Thrown from the service's long loops when the request was cancelled; the service answers empty. */
export class RequestCancelled extends Error {}

/** Throws RequestCancelled when `token` says so; call it every few hundred items of a long loop. */
export function checkCancelled(token: Cancellation | undefined): void {
  if (token?.isCancellationRequested) throw new RequestCancelled('request cancelled');
}

/**
 * The step the caret is in: the last one starting at or before `offset` (a step being typed may not
 * parse as one yet). Steps are in file order: a binary search, so callers may ask once per expression.
 */
export function stepAt(doc: PipelineDocument, offset: number): StepInfo | undefined {
  const start = (info: StepInfo | undefined) => info?.step.node.range?.[0] ?? Infinity;
  let low = -1;
  let high = doc.steps.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (start(doc.steps[mid]) <= offset) low = mid;
    else high = mid - 1;
  }
  return low >= 0 ? doc.steps[low] : undefined;
}

/** Each `${{ steps.<id>… }}` of the document with the file span of `<id>`. */
export function stepReferences(doc: PipelineDocument, token?: Cancellation): Array<{ id: string; span: Span; step: StepInfo | undefined }> {
  return referencesIn(doc, findPair(doc.parsed.document.contents, 'steps')?.value, token);
}

/**
 * The `${{ steps.<id>… }}` whose `<id>` holds `offset`. Only the step there is read (they live in steps
 * only): hover and go-to-definition answer in the time one step takes, not a walk of every expression.
 */
export function stepReferenceAt(doc: PipelineDocument, offset: number): { id: string; span: Span; step: StepInfo | undefined } | undefined {
  const node = stepAt(doc, offset)?.step.node;
  const range = node?.range;
  if (!range || offset < range[0] || offset > range[2]) return undefined;
  return referencesIn(doc, node).find((ref) => contains(ref.span, offset));
}

function referencesIn(
  doc: PipelineDocument,
  root: unknown,
  token?: Cancellation,
): Array<{ id: string; span: Span; step: StepInfo | undefined }> {
  const out: Array<{ id: string; span: Span; step: StepInfo | undefined }> = [];
  let seen = 0;
  for (const scalar of stringScalars(root)) {
    if (++seen % 256 === 0) checkCancelled(token);
    const value = scalar.value as string;
    if (!value.includes('${{')) continue;
    const map = scalarOffsetMap(doc.parsed.text, scalar);
    if (!map) continue;
    for (const part of parseTemplate(value).parts) {
      if (!('expr' in part) || part.expr.root !== 'steps' || part.expr.stepId === undefined) continue;
      const id = part.expr.stepId;
      const at = value.indexOf(`steps.${id}`, part.expr.start);
      if (at < 0) continue;
      const [start, end] = mapValueRange(map, at + 6, at + 6 + id.length);
      out.push({ id, span: { start, end }, step: stepAt(doc, start) });
    }
  }
  return out;
}

export function stepById(doc: PipelineDocument, id: string): StepInfo | undefined {
  return doc.steps.find((s) => s.step.id === id);
}

/** The top-level mapping of the document, when it is one. */
export function rootMap(doc: PipelineDocument): YAMLMap | undefined {
  const contents = doc.parsed.document.contents;
  return isMap(contents) ? contents : undefined;
}

/** The mapping under `plugins:`. */
export function pluginsMap(doc: PipelineDocument): YAMLMap | undefined {
  const node = findPair(doc.parsed.document.contents, 'plugins')?.value;
  return isMap(node) ? node : undefined;
}

/** Every string scalar under `node`, with the step it belongs to. */
export function stringScalars(node: unknown, out: Scalar[] = []): Scalar[] {
  if (isScalar(node)) {
    if (typeof node.value === 'string') out.push(node);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      stringScalars(pair.key, out);
      stringScalars(pair.value, out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) stringScalars(item, out);
  }
  return out;
}
