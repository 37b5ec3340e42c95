// Incremental re-validation of a pipeline after an edit inside one step (issue 5, performance): a
// 30,000-line file must not be re-parsed per keystroke. The document is split by indentation into
// its top-level sections and the step items under `steps:`; an edit that stays inside one step item
// re-parses only that item (with every top-level section around it, so schema and plugin checks see
// the same pipeline), re-validates it with the same functions as a full parse, and recombines the
// cross-step checks (ids, needs, expressions) from what the last analysis knew of the other steps.
// Whenever that could differ from a full parse (the step's id, needs or command changed, anchors or
// aliases, YAML errors, messages that quote line numbers…), it returns undefined and the caller
// re-parses the whole file; a property test asserts both give the same diagnostics. The edited region
// is found by diffing the new text against the old (common prefix and suffix, `commonEnds`), never
// from the change's range: a full-text `contentChanges` entry (legal under incremental sync, and all
// some clients ever send) takes this path exactly as a ranged one does.
import {
  isAlias,
  isDocument,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  YAMLParseError,
  type Document,
  type Node,
  type YAMLError,
  type YAMLSeq,
} from 'yaml';
import type { AetherDiagnostic } from '../../../runtime/src/model/diagnostics';
import { parsePipeline, type ParsedPipeline } from '../../../runtime/src/pipeline';
import { checkExpressions } from '../../../runtime/src/pipeline/expressionChecks';
import { buildStepGraph, type StepGraph } from '../../../runtime/src/pipeline/graph';
import { findPair, rangeOf, type PositionSource } from '../../../runtime/src/pipeline/yamlNodes';
import { finish, validatePipeline, type StepInfo, type ValidationOptions } from '../../../runtime/src/workspace/pipelineDiagnostics';
import { dropSourceTokens, type PipelineDocument } from './pipelineDocument';
import { LineIndex } from '../../../runtime/src/workspace/text';
import type { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

/** Where the step items are: the start of each item's first line, and the end of the `steps:` section. */
export interface StepLayout {
  /** Offset of the first item's line (everything before it is the header, `steps:` included). */
  itemsStart: number;
  /** Offset just after the section (the start of the next top-level key, or the end of the text). */
  stepsEnd: number;
  /** Column of the items' `-`. */
  indent: number;
  /** Start offset of each item's first line, in file order. */
  items: number[];
}

/** What the incremental path keeps next to an analysed document. */
export interface IncrementalState {
  layout: StepLayout;
  graph: StepGraph;
  /**
   * Set while one step has a YAML syntax error of its own (typing a new key, say). The document then
   * shows that error only, as a full parse would (past a syntax error nothing else is reported), and
   * this keeps what the last clean analysis knew, moved to the current text, for when the step is
   * fixed: the other steps' and sections' diagnostics, and the step as the other steps saw it.
   */
  broken?: { item: number; raw: AetherDiagnostic[]; step: StepInfo };
}

/** Checks whose result for a step depends on other steps: recombined, never taken from the one-step parse. */
const CROSS_STEP = new Set(['pipeline/unknown-need', 'pipeline/need-cycle', 'pipeline/duplicate-step-id']);
/** Messages that quote another line: the one-step parse cannot know it. */
const QUOTES_LINES = new Set(['pipeline/duplicate-step-id', 'yaml/duplicate-key']);

const isCrossStep = (d: AetherDiagnostic): boolean =>
  CROSS_STEP.has(d.code) ||
  d.code.startsWith('expression/') ||
  (d.code === 'pipeline/plugin-config' && d.message.includes('needs a config block'));

/** The incremental state of a freshly analysed document, or undefined when it has no fast path. */
export function incrementalState(doc: PipelineDocument): IncrementalState | undefined {
  const { document, text } = doc.parsed;
  if (document.errors.length > 0 || document.warnings.length > 0 || text.includes('\r')) return undefined;
  if (doc.raw.some((d) => QUOTES_LINES.has(d.code))) return undefined;
  if (hasAnchors(document)) return undefined;
  const layout = layoutOf(text);
  const seq = stepsSeq(document);
  if (!layout || !seq || seq.items.length !== layout.items.length || doc.steps.length !== seq.items.length) return undefined;
  for (let i = 0; i < seq.items.length; i++) {
    const node = seq.items[i] as Node | undefined;
    const start = node?.range?.[0];
    const end = layout.items[i + 1] ?? layout.stepsEnd;
    if (!isMap(node) || start === undefined || start < (layout.items[i] ?? 0) || start >= end) return undefined;
    if (doc.steps[i]?.step.node !== node) return undefined;
  }
  return { layout, graph: graphOf(doc.steps) };
}

/** The document after `newText` replaced its text, or undefined when only a full parse can tell. */
export function updateIncrementally(
  doc: PipelineDocument,
  state: IncrementalState,
  newText: string,
  version: number,
  index: WorkspaceIndex,
  options: ValidationOptions,
): { doc: PipelineDocument; state: IncrementalState } | undefined {
  const oldText = doc.parsed.text;
  const { layout } = state;
  // The edit, as one span: the texts' common prefix and suffix are what did not change.
  const delta = newText.length - oldText.length;
  const ends = commonEnds(oldText, newText);
  if (ends.prefix === oldText.length && delta === 0) return undefined;
  // Where the inserted text repeats its neighbours the span is ambiguous: a line typed at the end of a
  // step ("\n    ") matches as well just after that step's line break, inside the next step. The span
  // the suffix is taken for first then lies in the step.
  const span = stepOfEdit(layout, oldText, ends) ?? stepOfEdit(layout, oldText, commonEnds(oldText, newText, true));
  if (!span) return undefined;
  const { k, itemStart, itemEnd, p, oldEnd } = span;
  const chunk = newText.slice(itemStart, itemEnd + delta);
  if (!isOneItem(chunk, layout.indent) || newText.includes('\r')) return undefined;

  // One broken step at a time: an edit elsewhere meanwhile is checked by a full parse.
  if (state.broken && state.broken.item !== k) return undefined;
  const header = newText.slice(0, layout.itemsStart);
  const trailer = newText.slice(layout.stepsEnd + delta);
  const mini = header + chunk + trailer;
  const parsed = parsePipeline(mini, doc.file);
  if (parsed.document.warnings.length > 0 || hasAnchors(parsed.document)) return undefined;
  const broken = parsed.document.errors.length > 0;
  const seq = stepsSeq(parsed.document);
  const node = seq?.items[0];
  if (!seq || seq.items.length !== 1 || !isMap(node)) return undefined;
  if (broken) {
    const nextStart = layout.items[k + 1];
    const nextItem =
      nextStart === undefined ? undefined : newText.slice(nextStart + delta, (layout.items[k + 2] ?? layout.stepsEnd) + delta);
    if (!errorsStayInItem(parsed, { header, chunk, trailer, nextItem, indent: layout.indent, file: doc.file })) return undefined;
  }
  const validation = validatePipeline(parsed, index, options);
  const info = validation.steps[0];
  const old = state.broken?.step ?? doc.steps[k];
  if (!info || !old) return undefined;
  // What other steps see of this one must not have changed (while it is broken they see nothing of it).
  if (!broken) {
    if (info.step.id === undefined || info.step.id !== old.step.id || info.run !== old.run) return undefined;
    if (info.step.needs.map((n) => n.id).join('\n') !== old.step.needs.map((n) => n.id).join('\n')) return undefined;
  }
  if (validation.raw.some((d) => QUOTES_LINES.has(d.code))) return undefined;

  const lineCounter = movedLineCounter(doc.parsed.lineCounter, newText, p, oldEnd, delta);
  const positions: PositionSource = { text: newText, lineCounter };
  const chunkStartInMini = header.length;
  const chunkEndInMini = header.length + chunk.length;
  const toReal = (offset: number): number => offset - chunkStartInMini + itemStart;

  const combined: AetherDiagnostic[] = [];
  // The other steps' and the sections' diagnostics, and this step's cross-step ones, moved by the edit.
  for (const d of state.broken?.raw ?? doc.raw) {
    const start = d.range?.start ?? 0;
    const end = d.range?.end ?? start;
    const inItem = start >= itemStart && start < itemEnd;
    if (inItem && !isCrossStep(d)) continue;
    if (inItem && d.code.startsWith('expression/')) continue; // recomputed below
    if (start < oldEnd && end > p) return undefined; // the edit touched it
    if (start >= oldEnd) combined.push({ ...d, range: rangeOf(positions, start + delta, end + delta) });
    else if (end > p) return undefined;
    else combined.push(d);
  }
  // This step's own diagnostics from the one-step parse: with a syntax error, that error and nothing
  // else in the whole document (as a full parse reports it), the rest kept aside for when it is fixed.
  const own: AetherDiagnostic[] = [];
  for (const d of validation.raw) {
    const start = d.range?.start ?? 0;
    if (start < chunkStartInMini || start >= chunkEndInMini || isCrossStep(d)) continue;
    own.push({ ...d, range: rangeOf(positions, toReal(start), toReal(d.range?.end ?? start)) });
  }
  if (!broken) {
    combined.push(...own);
    // Its expressions, against the whole pipeline's step graph.
    const context = { text: mini, lineCounter: parsed.lineCounter, document: parsed.document, file: doc.file };
    const step = { ...info.step, index: k };
    for (const d of checkExpressions(context, [step], state.graph, declaredEnv(parsed.document))) {
      const start = d.range?.start ?? 0;
      combined.push({ ...d, range: rangeOf(positions, toReal(start), toReal(d.range?.end ?? start)) });
    }
  }

  // The cached tree, updated in place: later nodes move by the edit, the step's node is the new one, and
  // the document's errors are this step's (none once it is fixed).
  shiftNodes(doc.parsed.document, itemEnd, delta);
  shiftNodes(node, 0, itemStart - chunkStartInMini, true);
  dropSourceTokens(node);
  const realSeq = stepsSeq(doc.parsed.document)!;
  realSeq.items[k] = node;
  doc.parsed.document.errors = parsed.document.errors.map(
    (error) => new YAMLParseError([toReal(error.pos[0]), toReal(error.pos[1])], error.code, error.message),
  );
  info.step.index = k;
  const steps: StepInfo[] = doc.steps.slice();
  steps[k] = info;

  const bySource = (a: AetherDiagnostic, b: AetherDiagnostic) => (a.range?.start ?? 0) - (b.range?.start ?? 0);
  const raw = (broken ? own : combined).sort(bySource);
  const updated: PipelineDocument = {
    ...doc,
    version,
    parsed: { ...doc.parsed, text: newText, lineCounter, diagnostics: [], pipeline: undefined },
    steps,
    raw,
    diagnostics: finish(newText, raw, options),
    lines: LineIndex.fromLineStarts(newText, lineCounter.lineStarts),
  };
  const items = layout.items.map((start, i) => (i > k ? start + delta : start));
  const next: IncrementalState = { layout: { ...layout, items, stepsEnd: layout.stepsEnd + delta }, graph: state.graph };
  if (broken) next.broken = { item: k, raw: combined.sort(bySource), step: old };
  return { doc: updated, state: next };
}

/**
 * Whether the YAML errors of a one-step parse are all the whole text would show: every error inside
 * the step, and the parser back on its feet after it. The second is seen by parsing the step again with
 * the next step after it: that one must come out as the mapping it was, with no error in it. From there
 * on the parser reads the rest of the text as it did before (same state, same text), so the full parse
 * has these errors and no other; the cascade rule (`errorsOnce`) keeps the same ones of them, since the
 * next top-level line is the section after the steps in both.
 */
function errorsStayInItem(
  parsed: ParsedPipeline,
  parts: { header: string; chunk: string; trailer: string; nextItem: string | undefined; indent: number; file: string },
): boolean {
  const { header, chunk, trailer, nextItem, indent } = parts;
  const chunkStart = header.length;
  const chunkEnd = header.length + chunk.length;
  const inChunk = (error: YAMLError) => error.pos[0] >= chunkStart && error.pos[1] <= chunkEnd;
  if (!parsed.document.errors.every(inChunk)) return false;
  if (nextItem === undefined) return true; // the last step: the one-step parse reads what follows as the full one does
  const withNext = parsePipeline(header + chunk + nextItem + trailer, parts.file);
  if (withNext.document.warnings.length > 0 || !withNext.document.errors.every(inChunk)) return false;
  const key = (errors: YAMLError[]) => errors.map((e) => `${e.code}@${e.pos[0]}-${e.pos[1]}`).join(',');
  if (key(withNext.document.errors) !== key(parsed.document.errors)) return false;
  const items = stepsSeq(withNext.document)?.items;
  const after = items?.[1] as Node | undefined;
  return items?.length === 2 && isMap(after) && after.range?.[0] === chunkEnd + indent + 2 && after.range[1] <= chunkEnd + nextItem.length;
}

/**
 * Lengths of the common prefix and suffix (not overlapping); the prefix is taken first, or the suffix
 * with `suffixFirst`. Binary search over substring equality, which V8 compares a block at a time: far
 * faster than a character loop over a 1 MB text.
 */
export function commonEnds(a: string, b: string, suffixFirst = false): { prefix: number; suffix: number } {
  const max = Math.min(a.length, b.length);
  if (suffixFirst) {
    const suffix = commonSuffix(a, b, max);
    return { prefix: commonPrefix(a, b, max - suffix), suffix };
  }
  const prefix = commonPrefix(a, b, max);
  return { prefix, suffix: commonSuffix(a, b, max - prefix) };
}

function commonPrefix(a: string, b: string, room: number): number {
  let low = 0;
  let high = room;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (a.slice(low, mid) === b.slice(low, mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

function commonSuffix(a: string, b: string, room: number): number {
  let low = 0;
  let high = room;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (a.slice(a.length - mid, a.length - low) === b.slice(b.length - mid, b.length - low)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The step graph `checkSteps` builds: first step of each id, needs that name other known steps. */
function graphOf(steps: StepInfo[]): StepGraph {
  const firstById = new Map<string, StepInfo['step']>();
  for (const { step } of steps) if (step.id !== undefined && !firstById.has(step.id)) firstById.set(step.id, step);
  return buildStepGraph(
    [...firstById.values()].map((step) => ({
      id: step.id ?? '',
      needs: step.needs.map((need) => need.id).filter((id) => id !== step.id && firstById.has(id)),
    })),
  );
}

function declaredEnv(document: Document): Set<string> {
  const env = findPair(document.contents, 'env')?.value;
  const names = new Set<string>();
  if (isMap(env)) for (const pair of env.items) if (isScalar(pair.key)) names.add(String(pair.key.value));
  return names;
}

function stepsSeq(document: Document): YAMLSeq | undefined {
  const node = findPair(document.contents, 'steps')?.value;
  return isSeq(node) ? node : undefined;
}

function hasAnchors(root: Document | Node): boolean {
  const walk = (node: unknown): boolean => {
    if (!node || typeof node !== 'object') return false;
    if (isAlias(node)) return true;
    if ((isMap(node) || isSeq(node) || isScalar(node)) && node.anchor) return true;
    if (isMap(node)) {
      for (const pair of node.items) if (walk(pair.key) || walk(pair.value)) return true;
    } else if (isSeq(node)) for (const item of node.items) if (walk(item)) return true;
    return false;
  };
  return isDocument(root) ? walk(root.contents) : walk(root);
}

/** Adds `delta` to every offset at or after `from` in the tree (all of them with `all`); a plain walk, no visitor paths. */
function shiftNodes(root: Document | Node, from: number, delta: number, all = false): void {
  if (delta === 0) return;
  const shiftRange = (range: number[] | null | undefined): void => {
    if (!range) return;
    for (let i = 0; i < range.length; i++) if (all || (range[i] ?? 0) >= from) range[i] = (range[i] ?? 0) + delta;
  };
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    // Nothing after the edit lives inside a node that ends before it.
    if (!all && n.range && (n.range[2] ?? 0) < from) return;
    shiftRange(n.range);
    if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
    } else if (isSeq(node)) for (const item of node.items) walk(item);
  };
  if (isDocument(root)) {
    shiftRange(root.range);
    walk(root.contents);
  } else walk(root);
}

/**
 * The new text's line starts from the old text's (a text without `\r`): those up to the edit kept,
 * those in it read from the new text, those after it moved by `delta`. Per keystroke this is a copy of
 * ~30,000 numbers instead of a scan of a 1 MB text.
 */
function movedLineCounter(old: LineCounter, newText: string, p: number, oldEnd: number, delta: number): LineCounter {
  const starts = old.lineStarts;
  // A line start `s` depends on the character at s - 1: kept when that is before the edit, moved when after it.
  let kept = 0;
  while (kept < starts.length && starts[kept]! <= p) kept++;
  const lineStarts = starts.slice(0, kept);
  for (let i = newText.indexOf('\n', p); i >= 0 && i < oldEnd + delta; i = newText.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  for (let j = kept; j < starts.length; j++) if (starts[j]! > oldEnd) lineStarts.push(starts[j]! + delta);
  const counter = new LineCounter();
  counter.lineStarts = lineStarts;
  return counter;
}

/** The step item an edit (old text's common prefix and suffix with the new) lies in, after its `- ` and before its final line break. */
function stepOfEdit(
  layout: StepLayout,
  oldText: string,
  ends: { prefix: number; suffix: number },
): { k: number; itemStart: number; itemEnd: number; p: number; oldEnd: number } | undefined {
  const p = ends.prefix;
  const oldEnd = oldText.length - ends.suffix;
  const k = itemAt(layout, p);
  if (k === undefined) return undefined;
  const itemStart = layout.items[k]!;
  const itemEnd = layout.items[k + 1] ?? layout.stepsEnd;
  if (p < itemStart + layout.indent + 2 || oldEnd > itemEnd - 1) return undefined;
  return { k, itemStart, itemEnd, p, oldEnd };
}

/** The item holding `offset`, by binary search over the item starts. */
function itemAt(layout: StepLayout, offset: number): number | undefined {
  if (offset < layout.itemsStart || offset >= layout.stepsEnd) return undefined;
  let low = 0;
  let high = layout.items.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((layout.items[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return layout.items.length > 0 ? low : undefined;
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** Blank or only a comment: belongs to whatever surrounds it. */
function isTrivia(line: string, indent: number): boolean {
  return indent === line.length || line.charCodeAt(indent) === 35; /* # */
}

function isItemLine(line: string, indent: number): boolean {
  return (
    indentOf(line) === indent &&
    line.charCodeAt(indent) === 45 /* - */ &&
    (line.length === indent + 1 || line.charCodeAt(indent + 1) === 32)
  );
}

/** Whether `chunk` is one whole step item: its first line the item's `- `, every other line deeper (or trivia), a final line break. */
function isOneItem(chunk: string, indent: number): boolean {
  if (!chunk.endsWith('\n')) return false;
  const lines = chunk.slice(0, -1).split('\n');
  if (!isItemLine(lines[0] ?? '', indent)) return false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const n = indentOf(line);
    if (!isTrivia(line, n) && n <= indent) return false;
    if (line.includes('\t') && n < line.length && line.charCodeAt(n) === 9) return false;
  }
  return true;
}

/** Splits the text by indentation: the `steps:` section of the root mapping and its items (undefined when unusual). */
export function layoutOf(text: string): StepLayout | undefined {
  const match = /^steps:[ ]*(?:#.*)?$/m.exec(text);
  if (!match) return undefined;
  let offset = match.index + match[0].length + 1;
  if (offset > text.length) return undefined;
  const items: number[] = [];
  let indent = -1;
  let itemsStart = -1;
  let stepsEnd = text.length;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(offset, lineEnd);
    const n = indentOf(line);
    if (!isTrivia(line, n)) {
      if (n === 0) {
        stepsEnd = offset;
        break;
      }
      if (indent < 0) {
        if (!isItemLine(line, n)) return undefined;
        indent = n;
        itemsStart = offset;
      }
      if (isItemLine(line, indent)) items.push(offset);
      else if (n <= indent) return undefined;
    }
    if (nl < 0) break;
    offset = nl + 1;
  }
  if (items.length === 0 || indent < 1) return undefined;
  // Trivia after the last item, before the next section, belongs to the last item; so do blank lines at the end.
  return { itemsStart, stepsEnd, indent, items };
}
