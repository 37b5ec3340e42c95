// The comparisons of a sandbox expectation (spec section 8): deep subset for values, `/regex/` or plain
// text for messages. Pure functions, so the editor and the unit tests use them without a plugin host.

/** One step of a path into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

/** Where two values first differ, and how. */
export interface Difference {
  /** Path below the compared root, e.g. `['payload', 'text']`. */
  path: PathSegment[];
  expected: unknown;
  actual: unknown;
  /** `expected 6, got 5`, `missing key "sum"`, … */
  reason: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `output.payload.text`, `state["build-done"]`, `metrics[1]`: a JavaScript-style path for people. */
export function formatPath(root: string, path: readonly PathSegment[]): string {
  let text = root;
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function preview(value: unknown, max = 80): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The first place where `actual` does not contain `expected`, or undefined when it does. Objects match
 * when every expected key matches (extra actual keys are fine); arrays when they have the same length
 * and match element by element (as Jest's `toMatchObject`); everything else by strict equality
 * (`null` matches only `null`, never a missing key).
 */
export function subsetDifference(expected: unknown, actual: unknown, path: PathSegment[] = []): Difference | undefined {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual))
      return {
        path,
        expected,
        actual,
        reason: `expected an object, got ${kindOf(actual)}${actual === undefined ? '' : ` ${preview(actual)}`}`,
      };
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key))
        return { path: [...path, key], expected: value, actual: undefined, reason: `missing key "${key}" (expected ${preview(value)})` };
      const difference = subsetDifference(value, actual[key], [...path, key]);
      if (difference) return difference;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return {
        path,
        expected,
        actual,
        reason: `expected an array, got ${kindOf(actual)}${actual === undefined ? '' : ` ${preview(actual)}`}`,
      };
    if (expected.length !== actual.length) {
      return {
        path,
        expected,
        actual,
        reason: `expected ${expected.length} item${expected.length === 1 ? '' : 's'}, got ${actual.length}`,
      };
    }
    for (let index = 0; index < expected.length; index++) {
      const difference = subsetDifference(expected[index], actual[index], [...path, index]);
      if (difference) return difference;
    }
    return undefined;
  }
  if (Object.is(expected, actual) || (expected === 0 && actual === 0)) return undefined;
  return { path, expected, actual, reason: `expected ${preview(expected)}, got ${preview(actual)}` };
}

/** True when `actual` contains `expected` (see subsetDifference). */
export function isSubset(expected: unknown, actual: unknown): boolean {
  return subsetDifference(expected, actual) === undefined;
}

/** `/body/flags` as a pattern; anything else is plain text. */
const REGEX_LITERAL = /^\/(.+)\/([dgimsuvy]*)$/s;

export type TextPattern = { kind: 'regex'; source: string; flags: string; regex: RegExp } | { kind: 'text'; text: string };

/** Parses an expected message or error: `/…/flags` is a regular expression. Throws a SyntaxError for a bad one. */
export function parseTextPattern(value: string): TextPattern {
  const literal = REGEX_LITERAL.exec(value);
  if (!literal) return { kind: 'text', text: value };
  const [, source, flags] = literal as unknown as [string, string, string];
  // `g` and `y` make RegExp.test stateful; a matcher must give the same answer every time.
  return { kind: 'regex', source, flags, regex: new RegExp(source, flags.replace(/[gy]/g, '')) };
}

/** Is `value` written as a regular expression (whether or not it compiles)? */
export function looksLikeRegex(value: string): boolean {
  return REGEX_LITERAL.test(value);
}

/**
 * Does `actual` match the expected text? A `/regex/` searches anywhere; plain text must be equal
 * (`exact`, for log messages) or contained (for error messages).
 */
export function matchesText(expected: string, actual: string, mode: 'exact' | 'contains'): boolean {
  const pattern = parseTextPattern(expected);
  if (pattern.kind === 'regex') return pattern.regex.test(actual);
  return mode === 'exact' ? actual === pattern.text : actual.includes(pattern.text);
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface ExpectedLog {
  level?: string;
  message?: string;
}

/** Does one log line satisfy an expected `{ level?, message? }`? */
export function logMatches(expected: ExpectedLog, log: LogLine): boolean {
  if (expected.level !== undefined && expected.level !== log.level) return false;
  return expected.message === undefined || matchesText(expected.message, log.message, 'exact');
}
