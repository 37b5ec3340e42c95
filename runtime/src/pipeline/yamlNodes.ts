// Small helpers over the `yaml` AST: find nodes by path and turn offsets into SourceRanges.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { SourceRange } from '../model/diagnostics';

/** What rangeOf needs of a parsed file. */
export interface PositionSource {
  text: string;
  lineCounter: LineCounter;
}

/** A SourceRange (offsets plus 1-based line/column of the start), clamped to the text. */
export function rangeOf(parsed: PositionSource, offsetStart: number, offsetEnd: number): SourceRange {
  const length = parsed.text.length;
  const start = Math.max(0, Math.min(offsetStart, length));
  const end = Math.max(start, Math.min(offsetEnd, length));
  const { line, col } = parsed.lineCounter.linePos(start);
  return { start, end, line, column: col };
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
    const name = isScalar(keyNode) ? String(keyNode.value) : keyNode;
    if (name === key) return pair;
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
  return isAlias(node) ? node.resolve(document) : node;
}
