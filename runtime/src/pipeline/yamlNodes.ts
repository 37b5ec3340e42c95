// Small helpers over the `yaml` AST: find nodes by path and turn offsets into SourceRanges.
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import type { SourceRange } from '../model/diagnostics';
import { resolveAlias as resolveAliasOnce } from './aliases';

/** What rangeOf needs of a parsed file. */
export interface PositionSource {
  text: string;
  lineCounter: LineCounter;
  /** The file starts with a byte order mark, whatever `text` holds there (the parser's source has a line break). */
  bom?: boolean;
}

/**
 * The line starts of `text`, from the text itself: the one place positions come from (the parser's own
 * counting misses line breaks after some errors). A line ends at `\r\n`, `\n` or a lone `\r`, as in
 * YAML 1.2 and LSP.
 */
export function lineCounterOf(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) counter.addNewLine(i + 1);
  }
  return counter;
}

/**
 * A SourceRange (offsets plus 1-based line/column of the start), clamped to the text. A range never
 * splits a `\r\n`: a start between its two characters moves to the `\r` (its line's end), an end moves
 * past the `\n`. The columns of line 1 do not count a byte order mark: columns are what an editor shows.
 */
export function rangeOf(parsed: PositionSource, offsetStart: number, offsetEnd: number): SourceRange {
  const { text } = parsed;
  const start = Math.max(0, Math.min(offsetStart, text.length));
  const end = Math.max(start, Math.min(offsetEnd, text.length));
  return rangeWithin(parsed, splitsLineBreak(text, start) ? start - 1 : start, splitsLineBreak(text, end) ? end + 1 : end);
}

function rangeWithin(parsed: PositionSource, start: number, end: number): SourceRange {
  const { line, col } = parsed.lineCounter.linePos(start);
  const bom = parsed.bom ?? parsed.text.charCodeAt(0) === 0xfeff;
  return { start, end, line, column: line === 1 && start > 0 && bom ? col - 1 : col };
}

/** Whether `offset` is between the `\r` and the `\n` of a line break. */
function splitsLineBreak(text: string, offset: number): boolean {
  return offset > 0 && text.charCodeAt(offset) === 10 && text.charCodeAt(offset - 1) === 13;
}

/** The range of a node's value (without trailing comments), or undefined for nodes without a position. */
export function nodeRange(parsed: PositionSource, node: unknown): SourceRange | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? rangeOf(parsed, range[0], range[1]) : undefined;
}

/** The pair of a mapping whose key, as a string, is `key`; non-string keys (`1:`, `true:`) compare by text. */
export function findPair(map: unknown, key: string): Pair<unknown, unknown> | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    const keyNode = pair.key;
    if (!isScalar(keyNode)) continue;
    // Most keys are strings: compared as they are, without a String() per key and lookup.
    const value = keyNode.value;
    if (typeof value === 'string' ? value === key : String(value) === key) return pair;
  }
  return undefined;
}

/** The node at a path of mapping keys and sequence indexes, from the document's root; aliases are followed. */
export function nodeAtPath(document: Document, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = document.contents;
  for (const segment of path) {
    node = resolveAlias(document, node);
    if (isSeq(node)) {
      node = node.items[Number(segment)];
    } else if (isMap(node)) {
      node = findPair(node, String(segment))?.value;
    } else {
      return undefined;
    }
  }
  return (node ?? undefined) as Node | undefined;
}

/** The key node of the pair named `key` in the mapping at `path`. */
export function keyNodeAtPath(document: Document, path: readonly (string | number)[], key: string): Node | undefined {
  const pair = findPair(resolveAlias(document, nodeAtPath(document, path)), key);
  return isPair(pair) ? ((pair.key ?? undefined) as Node | undefined) : undefined;
}

function resolveAlias(document: Document, node: unknown): unknown {
  // One level is enough: an anchor always names a concrete node, never another alias.
  return resolveAliasOnce(document, node);
}
