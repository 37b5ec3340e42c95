// Where the caret is in a pipeline file, in terms of keys: `['steps', '#', 'with']`, completing a key or
// a value. Read from indentation rather than the YAML tree, because while someone types, the line at the
// caret is usually not valid YAML yet (`    ru`, `  - `, `run: `).
import type { LineIndex } from '../../../runtime/src/workspace/text';

export interface CaretContext {
  /** Keys from the root to the mapping the caret is in; `#` stands for a sequence item. */
  path: string[];
  /** Typing a key (or a sequence entry), or the value of `key`. */
  kind: 'key' | 'value';
  key?: string;
  /** The word being typed, and where it starts. */
  prefix: string;
  prefixStart: number;
  /** For values: the text of the value before the caret. */
  valueBefore: string;
}

interface Level {
  column: number;
  /** A key name, or `#` for a sequence dash. */
  name: string;
}

const KEY = /^([^\s:#'"{}[\],][^:#{}[\],]*?|"[^"]*"|'[^']*'):(?=\s|$)/;

/** The levels a line opens: its dashes, then its first key. */
function levelsOf(line: string): Level[] {
  const levels: Level[] = [];
  let i = 0;
  while (line[i] === ' ') i++;
  for (;;) {
    if (line[i] === '-' && (line[i + 1] === ' ' || line[i + 1] === undefined)) {
      levels.push({ column: i, name: '#' });
      i++;
      while (line[i] === ' ') i++;
    } else break;
  }
  const key = KEY.exec(line.slice(i));
  if (key) levels.push({ column: i, name: unquote(key[1] ?? '') });
  return levels;
}

function unquote(key: string): string {
  return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key.trim();
}

function isBlank(line: string): boolean {
  return /^\s*(#.*)?$/.test(line);
}

/** The keys enclosing a line's content at `column`, found by walking up the indentation. */
function enclosingPath(lines: LineIndex, lineNumber: number, column: number, inItem: boolean): string[] {
  const path: string[] = [];
  let target = column;
  // A dash opens an item whose parent key may sit at the dash's own column.
  let wantKeyAtOrBefore = inItem;
  for (let n = lineNumber - 1; n >= 0 && target > 0 - (wantKeyAtOrBefore ? 1 : 0); n--) {
    const line = lines.lineText(n);
    if (isBlank(line)) continue;
    const levels = levelsOf(line);
    if (levels.length === 0) {
      // A continuation line (a multi-line scalar or flow collection) at a lower indent ends nothing.
      continue;
    }
    let chosen: Level | undefined;
    for (const level of levels) {
      const fits = wantKeyAtOrBefore ? level.name !== '#' && level.column <= target : level.column < target;
      if (fits && (!chosen || level.column >= chosen.column)) chosen = level;
    }
    if (!chosen) {
      if (!wantKeyAtOrBefore && (levels[0]?.column ?? 0) < target) break;
      continue;
    }
    // Among the levels of that line, the innermost one before the caret's column is the parent; the
    // line's outer levels are its ancestors, in order.
    const index = levels.indexOf(chosen);
    for (let i = index; i >= 0; i--) {
      const level = levels[i]!;
      path.unshift(level.name);
    }
    target = levels[0]!.column;
    wantKeyAtOrBefore = levels[0]!.name === '#';
    if (target === 0 && !wantKeyAtOrBefore) break;
  }
  return path;
}

export function caretContext(lines: LineIndex, offset: number): CaretContext {
  const pos = lines.positionAt(offset);
  const lineText = lines.lineText(pos.line);
  const before = lineText.slice(0, pos.character);
  const levels = levelsOf(before);
  let indent = 0;
  while (before[indent] === ' ') indent++;
  const dashes: Level[] = [];
  for (const level of levels) {
    if (level.name === '#') dashes.push(level);
  }
  // Content starts after the last dash of the line.
  let contentColumn = indent;
  while (before[contentColumn] === '-' && (before[contentColumn + 1] === ' ' || before[contentColumn + 1] === undefined)) {
    contentColumn++;
    while (before[contentColumn] === ' ') contentColumn++;
  }
  const firstDash = dashes[0];
  const outerColumn = firstDash ? firstDash.column : contentColumn;
  const path = enclosingPath(lines, pos.line, outerColumn, firstDash !== undefined);
  for (let i = 0; i < dashes.length; i++) path.push('#');

  const content = before.slice(contentColumn);
  const keyMatch = KEY.exec(content);
  const lineStart = offset - pos.character;
  if (keyMatch) {
    const valueBefore = content.slice(keyMatch[0].length).replace(/^\s+/, '');
    const word = /[^\s[\],{}]*$/.exec(valueBefore)?.[0] ?? '';
    return { path, kind: 'value', key: unquote(keyMatch[1] ?? ''), prefix: word, prefixStart: offset - word.length, valueBefore };
  }
  // `- ` inside a block sequence of scalars (needs) is a value of the parent key, typed as an entry.
  const word = /[^\s[\],{}:]*$/.exec(content)?.[0] ?? '';
  void lineStart;
  return { path, kind: 'key', prefix: word, prefixStart: offset - word.length, valueBefore: content };
}
