// Maps offsets inside a YAML string scalar's *value* back to offsets in the file, so that a diagnostic
// about `${{ … }}` can underline the expression itself. Plain, quoted and block scalars each encode the
// value differently (folding, escapes, indentation); each decoder rebuilds the value from the source
// together with an offset map, and the map is only trusted when the rebuilt value equals the parsed one.
import { Scalar } from 'yaml';

/**
 * For a string scalar, `map[i]` is the file offset of value character `i`, and `map[value.length]` the
 * offset just after the value. Undefined when the encoding cannot be mapped exactly.
 */
export function scalarOffsetMap(text: string, node: Scalar): number[] | undefined {
  if (typeof node.value !== 'string' || !node.range) return undefined;
  const [start, end] = node.range;
  const decoded = decode(text, start, end, node.type);
  if (!decoded) return undefined;
  const trimmed = (value: string): string => value.replace(/\n+$/, '');
  const matches =
    node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED
      ? trimmed(decoded.value) === trimmed(node.value)
      : decoded.value === node.value;
  if (!matches) return undefined;
  const map = decoded.map.slice(0, node.value.length);
  while (map.length < node.value.length) map.push(end);
  map.push(node.value.length > 0 ? Math.min(end, (map[node.value.length - 1] ?? start) + 1) : start);
  return map;
}

/** File range of value offsets [from, to) through an offset map. */
export function mapValueRange(map: number[], from: number, to: number): [number, number] {
  const start = map[from] ?? map[map.length - 1] ?? 0;
  const last = to > from ? map[to - 1] : undefined;
  return [start, last === undefined ? start : last + 1];
}

interface Decoded {
  value: string;
  map: number[];
}

function decode(text: string, start: number, end: number, type: Scalar['type']): Decoded | undefined {
  switch (type) {
    case Scalar.PLAIN:
      return decodeFlow(text, start, end, 'plain');
    case Scalar.QUOTE_SINGLE:
      return decodeFlow(text, start + 1, end - 1, 'single');
    case Scalar.QUOTE_DOUBLE:
      return decodeFlow(text, start + 1, end - 1, 'double');
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED:
      return decodeBlock(text, start, end, type === Scalar.BLOCK_FOLDED);
    default:
      return undefined;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Plain and quoted scalars: line folding, plus escapes for double quotes and `''` for single quotes. */
function decodeFlow(text: string, from: number, to: number, kind: 'plain' | 'single' | 'double'): Decoded | undefined {
  let value = '';
  const map: number[] = [];
  const emit = (chars: string, at: number): void => {
    value += chars;
    for (let k = 0; k < chars.length; k++) map.push(at);
  };
  let i = from;
  while (i < to) {
    const ch = text[i]!;
    if (ch === '\n' || ch === '\r') {
      // Folding: trailing blanks go, one break becomes a space, n breaks become n-1 newlines.
      while (value.endsWith(' ') || value.endsWith('\t')) {
        value = value.slice(0, -1);
        map.pop();
      }
      let breaks = 0;
      let j = i;
      while (j < to && /[\r\n \t]/.test(text[j]!)) {
        if (text[j] === '\n') breaks++;
        j++;
      }
      emit(breaks <= 1 ? ' ' : '\n'.repeat(breaks - 1), i);
      i = j;
    } else if (kind === 'single' && ch === "'" && text[i + 1] === "'") {
      emit("'", i);
      i += 2;
    } else if (kind === 'double' && ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      if (next === '\n' || next === '\r') {
        // An escaped line break joins the lines without a space.
        i += 2;
        while (i < to && /[\r\n \t]/.test(text[i]!)) i++;
      } else if (next in HEX_ESCAPES) {
        const digits = text.slice(i + 2, i + 2 + (HEX_ESCAPES[next] ?? 0));
        if (!/^[0-9a-fA-F]+$/.test(digits)) return undefined;
        emit(String.fromCodePoint(parseInt(digits, 16)), i);
        i += 2 + digits.length;
      } else {
        const escaped = SIMPLE_ESCAPES[next];
        if (escaped === undefined) return undefined;
        emit(escaped, i);
        i += 2;
      }
    } else {
      emit(ch, i);
      i++;
    }
  }
  map.push(to);
  return { value, map };
}

/** `|` and `>` scalars: strip the indentation; for `>`, fold breaks between plain lines into spaces. */
function decodeBlock(text: string, start: number, end: number, folded: boolean): Decoded | undefined {
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0 || headerEnd >= end) return { value: '', map: [end] };
  const header = text.slice(start, headerEnd).replace(/#.*$/, '');
  const explicit = /[1-9]/.exec(header);
  const lines: { offset: number; content: string }[] = [];
  let offset = headerEnd + 1;
  for (const line of text.slice(headerEnd + 1, end).split('\n')) {
    lines.push({ offset, content: line.replace(/\r$/, '') });
    offset += line.length + 1;
  }
  const firstContent = lines.find((line) => line.content.trim() !== '');
  if (!firstContent) return { value: '', map: [end] };
  const indent = explicit ? Number(explicit[0]) : firstContent.content.length - firstContent.content.trimStart().length;

  let value = '';
  const map: number[] = [];
  const emit = (chars: string, at: number): void => {
    value += chars;
    for (let k = 0; k < chars.length; k++) map.push(at);
  };
  const isPlain = (line: { content: string } | undefined): boolean =>
    line !== undefined && line.content.trim() !== '' && !/^[ \t]/.test(line.content.slice(indent));
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const body = line.content.length > indent ? line.content.slice(indent) : '';
    for (let k = 0; k < body.length; k++) emit(body[k]!, line.offset + indent + k);
    const breakAt = line.offset + line.content.length;
    if (!folded) {
      emit('\n', breakAt);
      continue;
    }
    const next = lines[index + 1];
    if (isPlain(line) && isPlain(next)) {
      emit(' ', breakAt);
    } else if (isPlain(line) && next && next.content.trim() === '') {
      // The first break before a run of empty lines is dropped when the run ends at a plain line.
      let after = index + 1;
      while (after < lines.length && lines[after]!.content.trim() === '') after++;
      if (!isPlain(lines[after])) emit('\n', breakAt);
    } else {
      emit('\n', breakAt);
    }
  }
  map.push(end);
  return { value, map };
}
