// Offsets are the service's currency; line/column only appear in diagnostics (1-based, for people and
// the CLI) and at the LSP edge (0-based). One line index per text, built once. LSP positions are as the
// protocol defines them: characters are UTF-16 code units of the text as the client sent it (JavaScript
// string offsets), and `\r\n`, `\n` and a lone `\r` each end a line.
import type { SourceRange } from '../model/diagnostics';

/** A half-open span of 0-based offsets into a document's text. */
export interface Span {
  start: number;
  end: number;
}

/** Maps offsets to lines and back; built once per text in O(n). */
export class LineIndex {
  /** Offset of the first character of each line. */
  readonly lineStarts: number[];

  /** From line starts already computed for `text` (which must have no lone `\r`). */
  static fromLineStarts(text: string, lineStarts: number[]): LineIndex {
    return new LineIndex(text, lineStarts);
  }

  constructor(
    readonly text: string,
    known?: number[],
  ) {
    if (known) {
      this.lineStarts = known;
      return;
    }
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10 /* \n */) starts.push(i + 1);
      else if (ch === 13 /* \r */ && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line and character of an offset (clamped into the text). */
  positionAt(offset: number): { line: number; character: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) low = mid;
      else high = mid - 1;
    }
    // Inside a `\r\n` is the end of the line, before the `\r` (LSP ranges never split a line break).
    const inBreak = clamped > 0 && this.text.charCodeAt(clamped) === 10 && this.text.charCodeAt(clamped - 1) === 13;
    return { line: low, character: clamped - (inBreak ? 1 : 0) - (this.lineStarts[low] ?? 0) };
  }

  /** Offset of a 0-based line and character (clamped into the line and the text). */
  offsetAt(position: { line: number; character: number }): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line] ?? 0;
    const next = this.lineStarts[position.line + 1] ?? this.text.length + 1;
    // The end of a line is before its line break.
    let lineEnd = next - 1;
    if (position.line + 1 >= this.lineStarts.length) lineEnd = this.text.length;
    else if (this.text.charCodeAt(lineEnd - 1) === 13 && this.text.charCodeAt(lineEnd) === 10) lineEnd -= 1;
    return Math.max(start, Math.min(start + Math.max(0, position.character), lineEnd));
  }

  /** The shared diagnostic range (offsets plus 1-based line/column of the start). */
  sourceRange(start: number, end: number): SourceRange {
    const s = Math.max(0, Math.min(start, this.text.length));
    const e = Math.max(s, Math.min(end, this.text.length));
    const pos = this.positionAt(s);
    // 1-based columns are for people: a byte order mark is not a column they see.
    const bom = pos.line === 0 && s > 0 && this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    return { start: s, end: e, line: pos.line + 1, column: pos.character + 1 - bom };
  }

  /** Text of the 0-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line];
    if (start === undefined) return '';
    const end = this.offsetAt({ line, character: Number.MAX_SAFE_INTEGER });
    return this.text.slice(start, end);
  }
}
