// Parses and validates one `test/*.sandbox.yaml` file (spec section 8) against the shipped JSON Schema
// (`runtime/schemas/sandbox.schema.json`, which the editor uses too), keeping YAML positions so every
// mistake points at its line and column. Pure: text in, model and diagnostics out; never throws.
//
// Diagnostic codes: yaml/syntax, yaml/duplicate-key, sandbox/unknown-key, sandbox/missing-key,
// sandbox/invalid-value, sandbox/bad-regex, sandbox/duplicate-case, sandbox/error-without-failure.
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument, type LineCounter, type Document, type Node, type YAMLError } from 'yaml';
import sandboxSchema from '../../schemas/sandbox.schema.json';
import type { AetherDiagnostic, SourceRange } from '../model/diagnostics';
import type { JsonValue } from '../model/plugin';
import { didYouMean } from '../pipeline/suggestions';
import { keyNodeAtPath, lineCounterOf, nodeAtPath, nodeRange, rangeOf, type PositionSource } from '../pipeline/yamlNodes';
import { formatPath, looksLikeRegex, parseTextPattern, type ExpectedLog, type PathSegment } from './matchers';

/** What a case expects; absent fields are not checked. */
export interface SandboxExpectation {
  status: 'ok' | 'failed';
  /** Present (possibly `null`) only when the file gives `output`. */
  output?: JsonValue;
  state?: Record<string, JsonValue>;
  metrics?: Array<Record<string, JsonValue>>;
  logs?: ExpectedLog[];
  error?: string;
}

/** One case of a sandbox file. */
export interface SandboxCase {
  name: string;
  description?: string;
  command: string;
  config: JsonValue;
  input: JsonValue;
  state: Record<string, JsonValue>;
  expect: SandboxExpectation;
  /** 0-based position in the file's `cases`. */
  index: number;
  /** Where the case starts (its first key). */
  range: SourceRange;
  /** Where its `command` value is, for "no such command" errors found once the plugin is loaded. */
  commandRange: SourceRange;
}

/** A valid sandbox file. */
export interface SandboxFile {
  file: string;
  /** Absolute path of the plugin entry (`plugin:` resolved against the file's folder). */
  plugin: string;
  pluginRange: SourceRange;
  cases: SandboxCase[];
}

export interface ParsedSandboxFile {
  file: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** Set only when there are no error diagnostics. */
  sandbox?: SandboxFile;
  diagnostics: AetherDiagnostic[];
}

let validator: ValidateFunction | undefined;
function compiledSchema(): ValidateFunction {
  // verbose: errors carry their parentSchema, which lists the keys allowed where an unknown one sits.
  validator ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(sandboxSchema);
  return validator;
}

/** Aliases may expand to at most this many nodes (a "billion laughs" file stops with an error). */
const MAX_ALIAS_COUNT = 100;

export function parseSandboxFile(text: string, file: string): ParsedSandboxFile {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lineCounter = lineCounterOf(text);
  const parsed: ParsedSandboxFile = { file, text, document, lineCounter, diagnostics: [] };
  const source: PositionSource = { text, lineCounter };
  const diagnostics = parsed.diagnostics;
  const report = (code: string, message: string, range: SourceRange | undefined): void => {
    diagnostics.push({ code, severity: 'error', message, file, range: range ?? rangeOf(source, 0, 0) });
  };

  // Past the first syntax error yaml reports a cascade of follow-on errors; the first is the one to fix.
  const firstSyntax = document.errors.find((error) => error.code !== 'DUPLICATE_KEY');
  for (const error of document.errors) if (error.code === 'DUPLICATE_KEY' || error === firstSyntax) report(...yamlProblem(source, error));
  if (document.errors.length > 0) return parsed;

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    report('yaml/syntax', `the document expands too far through aliases (${(error as Error).message})`, undefined);
    return parsed;
  }

  const validate = compiledSchema();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const problem = describeSchemaError(source, document, error, data);
      const key = `${problem.range?.start}:${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      report(problem.code, problem.message, problem.range);
    }
  }
  checkBeyondSchema(source, document, data, report);
  diagnostics.sort((a, b) => (a.range?.start ?? 0) - (b.range?.start ?? 0));
  if (diagnostics.length === 0) parsed.sandbox = toModel(source, document, data as RawFile, file);
  return parsed;
}

function yamlProblem(source: PositionSource, error: YAMLError): [string, string, SourceRange] {
  const [start, end] = error.pos;
  const range = rangeOf(source, start, end > start ? end : start + 1);
  if (error.code === 'DUPLICATE_KEY')
    return ['yaml/duplicate-key', `duplicate key: a mapping holds each key once; remove or rename one`, range];
  const hint =
    error.code === 'MULTIPLE_DOCS' ? 'a sandbox file holds one YAML document; remove the extra "---"' : error.message.split('\n')[0]!;
  return ['yaml/syntax', `YAML syntax error: ${hint}`, range];
}

function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

/** Where a node starts, or the file's start for the (empty) document root. */
function rangeAt(source: PositionSource, document: Document, segments: PathSegment[]): SourceRange | undefined {
  for (let length = segments.length; length >= 0; length--) {
    const range = nodeRange(source, nodeAtPath(document, segments.slice(0, length)));
    if (range) return range;
  }
  return undefined;
}

/** `the top level`, `"cases[0].expect" (case "uploads")`: where a problem is, in words a user finds. */
function describeWhere(segments: PathSegment[], data: unknown): string {
  if (segments.length === 0) return 'the top level';
  const name =
    segments[0] === 'cases' && typeof segments[1] === 'number'
      ? (data as { cases: Array<{ name?: unknown } | null> }).cases[segments[1]]?.name
      : undefined;
  return `"${formatPath('', segments)}"${typeof name === 'string' ? ` (case "${name}")` : ''}`;
}

function describeSchemaError(
  source: PositionSource,
  document: Document,
  error: ErrorObject,
  data: unknown,
): { code: string; message: string; range?: SourceRange } {
  const segments = pathOf(error.instancePath);
  const where = (at: PathSegment[]) => describeWhere(at, data);
  const range = rangeAt(source, document, segments);
  const parentSchema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const keyRange = nodeRange(source, keyNodeAtPath(document, segments, key));
      return {
        code: 'sandbox/unknown-key',
        message: `unknown key "${key}" in ${where(segments)}.${didYouMean(key, allowed)} Allowed: ${allowed.join(', ')}`,
        range: keyRange ?? range,
      };
    }
    case 'required': {
      const key = (error.params as { missingProperty: string }).missingProperty;
      const what = segments.length === 0 ? 'the file' : where(segments);
      const hint: Record<string, string> = {
        plugin: ' (the plugin entry relative to this file, e.g. `plugin: ../index.ts`)',
        cases: ' (a list of cases, each with `name`, `command` and `expect`)',
        name: ' (a unique name for the case)',
        command: ' (the command to execute)',
      };
      return { code: 'sandbox/missing-key', message: `${what} is missing the required key "${key}"${hint[key] ?? ''}`, range };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(' or ');
      const value = nodeAtPath(document, segments);
      const actual = value && 'source' in value ? ` "${String((value as { source?: unknown }).source)}"` : '';
      return { code: 'sandbox/invalid-value', message: `${where(segments)} must be ${allowed}, not${actual || ' this value'}`, range };
    }
    case 'minItems':
      return {
        code: 'sandbox/invalid-value',
        message:
          segments.length === 1 && segments[0] === 'cases'
            ? '"cases" is empty: add at least one case'
            : `${where(segments)} must not be empty`,
        range,
      };
    case 'minProperties':
      return { code: 'sandbox/invalid-value', message: `${where(segments)} must not be empty: give at least one field to match`, range };
    case 'minLength':
      return { code: 'sandbox/invalid-value', message: `${where(segments)} must not be empty`, range };
    case 'type':
      return {
        code: 'sandbox/invalid-value',
        message: `${where(segments)} must be ${article((error.params as { type: string }).type)}`,
        range,
      };
    default:
      return { code: 'sandbox/invalid-value', message: `${where(segments)} ${error.message ?? 'is invalid'}`, range };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

type Report = (code: string, message: string, range: SourceRange | undefined) => void;

interface RawCase {
  name?: unknown;
  description?: unknown;
  command?: unknown;
  config?: unknown;
  input?: unknown;
  state?: unknown;
  expect?: { status?: unknown; error?: unknown; logs?: unknown } & Record<string, unknown>;
}
interface RawFile {
  plugin: string;
  cases: RawCase[];
}

/** Checks a schema cannot express: regexes compile, case names are unique, `error` only with failure. */
function checkBeyondSchema(source: PositionSource, document: Document, data: unknown, report: Report): void {
  const cases = (data as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return;
  const firstByName = new Map<string, number>();
  cases.forEach((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const entry = raw as RawCase;
    const at = (...rest: PathSegment[]) => nodeRange(source, nodeAtPath(document, ['cases', index, ...rest]));
    if (typeof entry.name === 'string') {
      const first = firstByName.get(entry.name);
      if (first !== undefined) {
        report(
          'sandbox/duplicate-case',
          `duplicate case name "${entry.name}" (first used at line ${first}): names must be unique so --case can select one`,
          at('name'),
        );
      } else {
        firstByName.set(entry.name, at('name')?.line ?? 0);
      }
    }
    const expect = entry.expect;
    if (typeof expect !== 'object' || expect === null) return;
    const checkRegex = (value: unknown, ...rest: PathSegment[]) => {
      if (typeof value !== 'string' || !looksLikeRegex(value)) return;
      try {
        parseTextPattern(value);
      } catch (error) {
        report(
          'sandbox/bad-regex',
          `"${formatPath('', ['cases', index, ...rest])}" is not a valid regular expression: ${(error as Error).message}`,
          at(...rest),
        );
      }
    };
    checkRegex(expect.error, 'expect', 'error');
    if (Array.isArray(expect.logs)) {
      expect.logs.forEach((log: unknown, logIndex) =>
        checkRegex((log as { message?: unknown } | null)?.message, 'expect', 'logs', logIndex, 'message'),
      );
    }
    if (expect.error !== undefined && expect.status === 'ok') {
      report(
        'sandbox/error-without-failure',
        `"${formatPath('', ['cases', index, 'expect', 'error'])}" applies only to a failing case, but status is ok: remove "error" or set status: failed`,
        at('expect', 'error'),
      );
    }
  });
}

function toModel(source: PositionSource, document: Document, data: RawFile, file: string): SandboxFile {
  const start = rangeOf(source, 0, 0);
  const rangeFor = (...segments: PathSegment[]) => nodeRange(source, nodeAtPath(document, segments) as Node | undefined) ?? start;
  return {
    file,
    plugin: path.resolve(path.dirname(file), data.plugin),
    pluginRange: rangeFor('plugin'),
    cases: data.cases.map((raw, index) => {
      const expect = (raw.expect ?? {}) as Record<string, unknown>;
      const expectation: SandboxExpectation = {
        status: (expect.status as 'ok' | 'failed' | undefined) ?? (expect.error !== undefined ? 'failed' : 'ok'),
      };
      if ('output' in expect) expectation.output = (expect.output ?? null) as JsonValue;
      if (expect.state !== undefined) expectation.state = expect.state as Record<string, JsonValue>;
      if (expect.metrics !== undefined) expectation.metrics = expect.metrics as Array<Record<string, JsonValue>>;
      if (expect.logs !== undefined) expectation.logs = expect.logs as ExpectedLog[];
      if (expect.error !== undefined) expectation.error = expect.error as string;
      const model: SandboxCase = {
        name: raw.name as string,
        command: raw.command as string,
        config: (raw.config ?? {}) as JsonValue,
        input: (raw.input ?? {}) as JsonValue,
        state: (raw.state ?? {}) as Record<string, JsonValue>,
        expect: expectation,
        index,
        range: rangeFor('cases', index),
        commandRange: rangeFor('cases', index, 'command'),
      };
      if (typeof raw.description === 'string') model.description = raw.description;
      return model;
    }),
  };
}
