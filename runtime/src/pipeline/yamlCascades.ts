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
 * from. Linear: one pass over the errors, one walk of the tree only when an error needs moving.
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
    const quote = enclosing(
      document,
      at,
      (node) => isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE),
    );
    if (quote) {
      const mark = source[quote] ?? '"';
      return moved(error, quote, `${error.message}: the string opened here with ${mark} is never closed; end it with ${mark}`);
    }
  }
  if (error.code === 'BAD_INDENT' && /^Flow (?:sequence|map) in block collection/.test(error.message)) {
    const open = enclosing(document, at, (node) => isCollection(node) && node.flow === true);
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

/**
 * The start of the last node, in document order, that starts before `offset` and reaches it (its range
 * ends at or after it) and satisfies `accept`. An iterative walk: the tree may be deep.
 */
function enclosing(document: Document, offset: number, accept: (node: unknown) => boolean): number | undefined {
  let found: number | undefined;
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.value, node.key);
      continue;
    }
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!range || range[0] > offset) continue;
    if (range[1] >= offset && accept(node) && (found === undefined || range[0] > found)) found = range[0];
    if (isMap(node) || isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return found;
}
