// A YAML mistake reported once, where it is (issue 11). Past a syntax error the `yaml` parser is lost
// until it finds its feet again, and meanwhile reports an error at nearly every token (a comment that
// lost its `#` gave 29; an unclosed `[` one per line of every step after it). Of each such cascade only
// the first error is kept; what follows it is dropped up to the next line that starts at column 0
// (a top-level key, or a document marker), where the parser is back on the root mapping and what it
// reports is a mistake of its own again. Errors that are never part of a cascade (duplicate keys,
// nesting too deep, a second document) pass through. Two errors are also moved to where the mistake
// is: an unclosed quote and an unclosed flow collection are reported by the library where it gave up
// (the end of the file, the next line), and here on the quote or bracket that was never closed.
import { isCollection, isMap, isPair, isScalar, isSeq, Scalar, YAMLParseError, type Document, type YAMLError } from 'yaml';

/** Codes reported as they are: each names a mistake of its own, never a consequence of another. */
const STANDALONE = new Set(['DUPLICATE_KEY', 'RESOURCE_EXHAUSTION', 'MULTIPLE_DOCS']);

/**
 * The errors of `document` to report, in file order: each cascade's first error only, unclosed quotes
 * and flow collections moved to their opening character. `source` is the text the document was parsed
 * from. Linear: one pass over the errors, one walk of the tree only when an error needs moving (`openers`).
 */
export function errorsOnce(document: Document, source: string): YAMLError[] {
  const errors = document.errors.map((error) => placed(document, source, error)).sort((a, b) => a.pos[0] - b.pos[0]);
  const kept: YAMLError[] = [];
  let quietUntil = -1;
  // Once a token is out of place at the stream's level (a stray `]` after the root value), the parser
  // never gets back into the document: every later top-level token is "unexpected in YAML stream" too.
  let outOfDocument = false;
  for (const error of errors) {
    if (STANDALONE.has(error.code)) {
      kept.push(error);
      continue;
    }
    const inStream = / token in YAML stream/.test(error.message);
    if (error.pos[0] < quietUntil || (inStream && outOfDocument)) continue;
    kept.push(error);
    quietUntil = nextTopLevelLine(source, error.pos[0]);
    outOfDocument ||= inStream;
  }
  return kept;
}

/** Offset of the first line after the one holding `offset` that starts at column 0 with content (not a comment). */
function nextTopLevelLine(source: string, offset: number): number {
  let at = source.indexOf('\n', offset);
  while (at >= 0 && at + 1 < source.length) {
    const start = at + 1;
    const c = source.charCodeAt(start);
    // Not a space, tab, comment or line break: content at column 0.
    if (c !== 32 && c !== 9 && c !== 35 && c !== 10 && c !== 13) return start;
    at = source.indexOf('\n', start);
  }
  return source.length + 1;
}

/** The error at the character that caused it, with a message that says what to do where that helps. */
function placed(document: Document, source: string, error: YAMLError): YAMLError {
  const at = error.pos[0];
  if (error.code === 'MISSING_CHAR' && /^Missing closing ["']quote/.test(error.message)) {
    const quote = enclosing(document, at, true);
    if (quote) {
      const mark = source[quote] ?? '"';
      return moved(error, quote, `${error.message}: the string opened here with ${mark} is never closed; end it with ${mark}`);
    }
  }
  if (error.code === 'BAD_INDENT' && /^Flow (?:sequence|map) in block collection/.test(error.message)) {
    const open = enclosing(document, at, false);
    if (open !== undefined) {
      const close = source[open] === '{' ? '}' : ']';
      return moved(error, open, `${error.message}: the ${source[open] ?? '['} here is never closed; end it with ${close} on this line`);
    }
  }
  const lostKey =
    error.code === 'MULTILINE_IMPLICIT_KEY' ||
    (error.code === 'MISSING_CHAR' && /map values/.test(error.message)) ||
    (error.code === 'BAD_INDENT' && /^All mapping items must start at the same column/.test(error.message));
  if (lostKey && isPlainText(source, at)) {
    // The whole line's text: it is the line, not a token of it, that is out of place.
    let from = at;
    while (source.charCodeAt(from) === 32 || source.charCodeAt(from) === 9) from++;
    const hinted = `${error.message}. This line is plain text where a "key: value" belongs: if it is a comment, start it with "#"`;
    return clipped(source, new YAMLParseError([from, source.length], error.code, hinted));
  }
  return clipped(source, error);
}

/** The error's range ended at its first line's end: a squiggle under the line at fault, not the ones after it. */
function clipped(source: string, error: YAMLError): YAMLError {
  const [start, end] = error.pos;
  const lineEnd = source.indexOf('\n', start);
  const last = lineEnd > start && source.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  if (lineEnd < 0 || end <= lineEnd || last <= start) return error;
  return new YAMLParseError([start, last], error.code, error.message);
}

function moved(error: YAMLError, offset: number, message: string): YAMLError {
  return new YAMLParseError([offset, offset + 1], error.code, message);
}

/** Whether the line at `offset` (from `offset` to its end) is words with no `key:` in it. */
function isPlainText(source: string, offset: number): boolean {
  const end = source.indexOf('\n', offset);
  const line = source.slice(offset, end < 0 ? source.length : end).trim();
  return /^[A-Za-z]/.test(line) && !/:(?:\s|$)/.test(line) && /\s/.test(line);
}

/** Quoted scalars and flow collections of a document, in document order (so by start), for `enclosing`. */
interface Openers {
  starts: number[];
  ends: number[];
  quoted: boolean[];
}

const openersOf = new WeakMap<Document, Openers>();

/** One iterative walk per document (the tree may be deep), made only when an error needs moving. */
function openers(document: Document): Openers {
  let found = openersOf.get(document);
  if (found) return found;
  found = { starts: [], ends: [], quoted: [] };
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.value, node.key);
      continue;
    }
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const quoted = isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE);
    if (range && (quoted || (isCollection(node) && node.flow === true))) {
      found.starts.push(range[0]);
      found.ends.push(range[1]);
      found.quoted.push(quoted);
    }
    if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
  }
  openersOf.set(document, found);
  return found;
}

/**
 * How many openers before an error are looked at: the one that ran into it is the nearest one in
 * practice (its range ends at the error). A bound, so that a file of thousands of unclosed quotes
 * stays linear (it was quadratic with a walk per error).
 */
const LOOK_BACK = 64;

/** The start of the nearest quoted scalar (`quoted`) or flow collection that starts before `offset` and reaches it. */
function enclosing(document: Document, offset: number, quoted: boolean): number | undefined {
  const { starts, ends, quoted: kinds } = openers(document);
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid + 1;
    else high = mid;
  }
  for (let i = low - 1; i >= 0 && i >= low - LOOK_BACK; i--) {
    if (kinds[i] === quoted && (ends[i] ?? -1) >= offset) return starts[i];
  }
  return undefined;
}
