// The `${{ … }}` expression language of pipeline files (spec section 5): a path rooted at
// `steps.<id>.output`, `state.<key>` or `env.<NAME>`, followed by `.key`, `[n]` or `['key']` segments.
// Parsing is shared by the language server (diagnostics, with offsets) and the runtime (resolution).

/** One `${{ … }}` found in a string value. */
export interface ExpressionRef {
  root: 'steps' | 'state' | 'env';
  /** For `steps.<id>.output…`: the step id. */
  stepId?: string;
  /** For `state.<key>…` the state key; for `env.<NAME>` the variable name. */
  key?: string;
  /** Segments after `steps.<id>.output` or after `state.<key>`; always empty for env. */
  path: (string | number)[];
  /** The expression between the braces, trimmed, e.g. `steps.build.output.path`. */
  text: string;
  /** Offsets of the whole `${{ … }}` within the string value (end exclusive). */
  start: number;
  end: number;
}

/** A syntax error, with offsets within the string value. */
export interface ExpressionSyntaxError {
  message: string;
  start: number;
  end: number;
}

export type TemplatePart = { literal: string } | { expr: ExpressionRef };

export interface ParsedTemplate {
  /** Literals and expressions in order; a malformed expression is kept as a literal of its source text. */
  parts: TemplatePart[];
  errors: ExpressionSyntaxError[];
}

/** What expressions resolve against while a pipeline runs. */
export interface ExpressionScope {
  steps: Record<string, { output?: unknown } | undefined>;
  state: (key: string) => unknown;
  env: Record<string, string | undefined>;
}

/** A malformed expression met while resolving a value. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    /** The offending `${{ … }}` source text. */
    readonly expression: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

const OPEN = '${{';
const CLOSE = '}}';
const ALLOWED = "use steps.<id>.output, state.<key> or env.<NAME>, optionally followed by .key, [0] or ['key']";
/** `[A-Za-z0-9_-]`, without a regular expression per character. */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether the string contains an expression opener (well-formed or not). */
export function hasExpression(text: string): boolean {
  return text.includes(OPEN);
}

/** Splits a string value into literals and expressions, with syntax errors. Never throws. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: ExpressionSyntaxError[] = [];
  const pushLiteral = (literal: string): void => {
    if (literal === '') return;
    const last = parts[parts.length - 1];
    if (last && 'literal' in last) last.literal += literal;
    else parts.push({ literal });
  };

  let cursor = 0;
  for (;;) {
    const open = text.indexOf(OPEN, cursor);
    if (open < 0) break;
    const close = findClose(text, open + OPEN.length);
    if (close < 0) {
      errors.push({ message: 'Unterminated "${{": close the expression with "}}"', start: open, end: text.length });
      break;
    }
    pushLiteral(text.slice(cursor, open));
    const end = close + CLOSE.length;
    const result = parseExpression(text.slice(open + OPEN.length, close));
    if ('error' in result) {
      errors.push({ message: result.error, start: open, end });
      pushLiteral(text.slice(open, end));
    } else {
      parts.push({ expr: { ...result.ref, start: open, end } });
    }
    cursor = end;
  }
  pushLiteral(text.slice(cursor));
  return { parts, errors };
}

/** Index of the `}}` closing an expression whose body starts at `from`, skipping quoted keys; -1 if none. */
function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '}' && text[i + 1] === '}') {
      return i;
    }
  }
  // An unbalanced quote would otherwise swallow the closer; let the expression parser report the quote.
  return quote ? text.indexOf(CLOSE, from) : -1;
}

type ExpressionResult = { ref: Omit<ExpressionRef, 'start' | 'end'> } | { error: string };

/** Parses the text between the braces. */
function parseExpression(body: string): ExpressionResult {
  const source = body.trim();
  if (source === '') return { error: `Empty expression: ${ALLOWED}` };
  const reader = new PathReader(source);
  const root = reader.identifier();
  switch (root) {
    case 'steps': {
      const stepId = reader.dotIdentifier();
      if (stepId === undefined) return { error: `"steps" must be followed by ".<step id>.output", e.g. steps.build.output` };
      if (reader.dotIdentifier() !== 'output') {
        return { error: `"steps.${stepId}" must be followed by ".output", e.g. steps.${stepId}.output.path` };
      }
      const path = reader.segments();
      if (typeof path === 'string') return { error: path };
      return { ref: { root, stepId, path, text: source } };
    }
    case 'state': {
      const first = reader.segments(1);
      if (typeof first === 'string' || first.length === 0) {
        return { error: `"state" must be followed by a key, e.g. state.token or state['my key']` };
      }
      const path = reader.segments();
      if (typeof path === 'string') return { error: path };
      return { ref: { root, key: String(first[0]), path, text: source } };
    }
    case 'env': {
      const name = reader.dotIdentifier();
      if (name === undefined || !ENV_NAME.test(name)) {
        return { error: `"env" must be followed by a variable name, e.g. env.REGION` };
      }
      if (!reader.atEnd()) return { error: `env.${name} is a string: nothing may follow it` };
      return { ref: { root, key: name, path: [], text: source } };
    }
    default: {
      if (root === undefined) return { error: `Unexpected "${source}" in expression: ${ALLOWED}` };
      return { error: `Unknown root "${root}" in "${source}": ${ALLOWED}` };
    }
  }
}

/** A cursor over a trimmed expression body. */
class PathReader {
  private pos = 0;
  constructor(private readonly source: string) {}

  atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  identifier(): string | undefined {
    const start = this.pos;
    while (this.pos < this.source.length && isKeyChar(this.source.charCodeAt(this.pos))) this.pos++;
    return this.pos > start ? this.source.slice(start, this.pos) : undefined;
  }

  dotIdentifier(): string | undefined {
    if (this.source[this.pos] !== '.') return undefined;
    this.pos++;
    return this.identifier();
  }

  /** Reads up to `max` segments until the end; returns an error message on bad syntax. */
  segments(max = Infinity): (string | number)[] | string {
    const path: (string | number)[] = [];
    while (!this.atEnd() && path.length < max) {
      const at = this.pos;
      const segment = this.source[at] === '.' ? this.dotIdentifier() : this.bracket();
      if (segment === undefined) {
        return `Bad path segment at "${this.source.slice(at)}" in "${this.source}": ${ALLOWED}`;
      }
      path.push(segment);
    }
    return path;
  }

  /** `[12]`, `['key']` or `["key"]`, with optional spaces inside the brackets. */
  private bracket(): string | number | undefined {
    if (this.source[this.pos] !== '[') return undefined;
    const close = (value: string | number): string | number | undefined => {
      this.skipSpaces();
      if (this.source[this.pos] !== ']') return undefined;
      this.pos++;
      return value;
    };
    this.pos++;
    this.skipSpaces();
    const digits = /^\d+/.exec(this.source.slice(this.pos));
    if (digits) {
      this.pos += digits[0].length;
      return close(Number(digits[0]));
    }
    const quote = this.source[this.pos];
    if (quote !== "'" && quote !== '"') return undefined;
    let key = '';
    for (let i = this.pos + 1; i < this.source.length; i++) {
      const ch = this.source[i];
      if (ch === '\\' && i + 1 < this.source.length) {
        key += this.source[++i];
      } else if (ch === quote) {
        this.pos = i + 1;
        return close(key);
      } else {
        key += ch;
      }
    }
    return undefined;
  }

  private skipSpaces(): void {
    while (this.source[this.pos] === ' ' || this.source[this.pos] === '\t') this.pos++;
  }
}

/**
 * Resolves every expression in a value, deeply through objects and arrays. A string that is exactly one
 * expression (surrounding whitespace ignored) yields the referenced value itself (object, number…);
 * otherwise expressions are interpolated: strings as-is, undefined as '', anything else as JSON.
 * A missing step output or path yields undefined, as GitHub Actions yields ''. Throws ExpressionError
 * only on syntax errors.
 */
export function resolveValue(value: unknown, scope: ExpressionScope): unknown {
  if (typeof value === 'string') return hasExpression(value) ? resolveString(value, scope) : value;
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = resolveValue(item, scope);
    return result;
  }
  return value;
}

function resolveString(text: string, scope: ExpressionScope): unknown {
  const { parts, errors } = parseTemplate(text);
  const error = errors[0];
  if (error) throw new ExpressionError(error.message, text.slice(error.start, error.end));
  const expressions = parts.filter((part): part is { expr: ExpressionRef } => 'expr' in part);
  const onlyExpression = expressions.length === 1 && parts.every((part) => 'expr' in part || part.literal.trim() === '');
  if (onlyExpression && expressions[0]) return evaluate(expressions[0].expr, scope);
  return parts
    .map((part) => {
      if ('literal' in part) return part.literal;
      const resolved = evaluate(part.expr, scope);
      if (resolved === undefined) return '';
      return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    })
    .join('');
}

/** The value an expression refers to, or undefined when any part of the path is missing. */
export function evaluate(ref: ExpressionRef, scope: ExpressionScope): unknown {
  switch (ref.root) {
    case 'steps':
      return walk(ref.stepId === undefined ? undefined : scope.steps[ref.stepId]?.output, ref.path);
    case 'state':
      return walk(ref.key === undefined ? undefined : scope.state(ref.key), ref.path);
    case 'env':
      return ref.key === undefined ? undefined : scope.env[ref.key];
  }
}

function walk(start: unknown, path: (string | number)[]): unknown {
  let current = start;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    // Own properties only: `output.constructor` must not reach Object.prototype.
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
