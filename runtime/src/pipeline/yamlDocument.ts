// Parses a pipeline's YAML into one document, with the bounds the `yaml` library does not keep:
// - nesting: its composer recurses once per level and overflows the stack somewhere under a thousand
//   levels, then reports "Maximum call stack size exceeded" once per token after that point. The CST
//   (built without recursion) is measured first; past MAX_NESTING one clear error says where.
// - duplicate keys: its `uniqueKeys` compares each key with every earlier key of its mapping
//   (quadratic: 40,000 keys in one mapping took 11 s). They are found here with one Map per mapping.
import { Composer, isMap, isPair, isScalar, isSeq, Lexer, Parser, YAMLParseError, type CST, type Document, type Node } from 'yaml';

/**
 * Levels of mappings and sequences a pipeline may nest. Pipelines need a handful; this is well inside
 * what the composer and the checks' recursive walks of the tree can take on a default Node stack.
 */
export const MAX_NESTING = 256;

/** A repeated key, found by `parseYaml`, with the first key of that name in its mapping. */
export interface DuplicateKey {
  key: Node;
  first: Node;
  name: string;
}

export interface ParsedYaml {
  document: Document.Parsed;
  /** By the offset of the repeated key (where its DUPLICATE_KEY error is). */
  duplicates: Map<number, DuplicateKey>;
}

const OPTIONS = {
  prettyErrors: false,
  // Found below in linear time, as DUPLICATE_KEY errors like the library's own.
  uniqueKeys: false,
  // Warnings (such as "Keys with collection values will be stringified") go into the diagnostics, never
  // to stderr, where they would reach the CLI's output and the editor's log.
  logLevel: 'error',
} as const;

/**
 * One YAML document from `source` (more are a MULTIPLE_DOCS error). Line starts are not taken from the
 * parser (it misses line breaks after some document-level errors): `lineCounterOf` reads them from the text.
 */
export function parseYaml(source: string, tokens: CST.Token[] = [...new Parser().parse(source)]): ParsedYaml {
  const tooDeep = deepestPoint(tokens);
  const composer = new Composer(OPTIONS);
  let document: Document.Parsed | undefined;
  for (const next of composer.compose(tooDeep === undefined ? tokens : [], true, source.length)) {
    if (!document) document = next;
    else {
      document.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose(…, true, …) always ends with a document.
  const parsed = document!;
  if (tooDeep !== undefined) {
    parsed.errors.push(
      new YAMLParseError(
        [tooDeep, tooDeep + 1],
        'RESOURCE_EXHAUSTION',
        `Nested too deep: mappings and sequences go more than ${MAX_NESTING} levels deep here. A pipeline needs only a few; flatten this value`,
      ),
    );
  }
  return { document: parsed, duplicates: findDuplicateKeys(parsed) };
}

/**
 * The parser's tokens of `source`, as `parseYaml` takes them, built a slice at a time: after about
 * `sliceMs` of work it awaits `pause()` (the language server lets requests such as hover in there), so
 * the longest stretch of a large file's parse without a break is its composition, not this (about 60%
 * of the parse). The same tokens as `new Parser().parse(source)`: it is the same lexer and parser, driven
 * one lexeme at a time as that generator drives them.
 */
export async function parseTokensSliced(source: string, sliceMs: number, pause: () => Promise<void>): Promise<CST.Token[]> {
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  let deadline = performance.now() + sliceMs;
  let lexemes = 0;
  for (const lexeme of new Lexer().lex(source)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if ((++lexemes & 1023) === 0 && performance.now() > deadline) {
      await pause();
      deadline = performance.now() + sliceMs;
    }
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

/** The offset of the first collection more than MAX_NESTING levels deep, or undefined. No recursion. */
function deepestPoint(tokens: CST.Token[]): number | undefined {
  // Tokens and their depths on two stacks side by side: no object per token of a large file.
  const stack: Array<CST.Token | null | undefined> = [...tokens];
  const depths: number[] = tokens.map(() => 0);
  while (stack.length > 0) {
    const token = stack.pop();
    const depth = depths.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push(token.value);
      depths.push(depth);
    } else if (isCollectionToken(token)) {
      if (depth + 1 > MAX_NESTING) return token.offset;
      for (const item of token.items) {
        // Scalars hold nothing deeper: not pushed.
        if (item.value && isCollectionToken(item.value)) {
          stack.push(item.value);
          depths.push(depth + 1);
        }
        if ('key' in item && item.key && isCollectionToken(item.key)) {
          stack.push(item.key);
          depths.push(depth + 1);
        }
      }
    }
  }
  return undefined;
}

const isCollectionToken = (token: CST.Token): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';

/** Up to this many keys a mapping's duplicates are found by comparing keys pairwise (at most 28 comparisons, no Map). */
const SMALL_MAPPING = 8;

/** The first scalar key before `items[end]` whose value is `value` (compared as a Map compares keys: NaN equals NaN). */
function earlierKey(items: ReadonlyArray<{ key: unknown }>, end: number, value: unknown): Node | undefined {
  for (let j = 0; j < end; j++) {
    const key = items[j]!.key;
    if (isScalar(key) && key.range && (key.value === value || (Number.isNaN(key.value) && Number.isNaN(value)))) return key;
  }
  return undefined;
}

/** DUPLICATE_KEY errors for every repeated scalar key, keys compared by value as `yaml` does. */
function findDuplicateKeys(document: Document.Parsed): Map<number, DuplicateKey> {
  const duplicates = new Map<number, DuplicateKey>();
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.key, node.value);
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isMap(node)) {
      // A Map for a large mapping (linear); the few keys of a small one compared with each other.
      const seen = node.items.length > SMALL_MAPPING ? new Map<unknown, Node>() : undefined;
      for (const [i, pair] of node.items.entries()) {
        stack.push(pair);
        const key = pair.key;
        if (!isScalar(key) || !key.range) continue;
        const first = seen ? seen.get(key.value) : earlierKey(node.items, i, key.value);
        if (!first) {
          seen?.set(key.value, key);
          continue;
        }
        duplicates.set(key.range[0], { key, first, name: String(key.value) });
        document.errors.push(new YAMLParseError([key.range[0], key.range[1]], 'DUPLICATE_KEY', 'Map keys must be unique'));
      }
    }
  }
  if (duplicates.size > 0) document.errors.sort((a, b) => a.pos[0] - b.pos[0]);
  return duplicates;
}
