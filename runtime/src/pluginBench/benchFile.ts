// Parses and validates one `test/*.bench.yaml` file (spec section 11) against the shipped JSON Schema
// (`runtime/schemas/bench.schema.json`, for the editor too), keeping YAML positions so every mistake
// points at its line and column. Pure: text in, model and diagnostics out; never throws. Mirrors
// `sandbox/sandboxFile.ts`.
//
// Diagnostic codes: yaml/syntax, yaml/duplicate-key, bench/unknown-key, bench/missing-key,
// bench/invalid-value, bench/duplicate-benchmark, bench/time-and-iterations.
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import benchSchema from '../../schemas/bench.schema.json';
import type { AetherDiagnostic, SourceRange } from '../model/diagnostics';
import type { JsonValue } from '../model/plugin';
import { didYouMean } from '../pipeline/suggestions';
import { keyNodeAtPath, nodeAtPath, nodeRange, rangeOf, type PositionSource } from '../pipeline/yamlNodes';

type PathSegment = string | number;

export const DEFAULT_BENCH_TIME_MS = 1000;
/** The warm-up when a benchmark sets none: a quarter of its measuring time, at most this. */
export const MAX_DEFAULT_WARMUP_MS = 250;

/** One benchmark of a bench file. */
export interface BenchCase {
  name: string;
  description?: string;
  command: string;
  config: JsonValue;
  input: JsonValue;
  state: Record<string, JsonValue>;
  /** Measuring time in ms; 0 when `iterations` is given instead. */
  timeMs: number;
  iterations?: number;
  warmupMs: number;
  /** 0-based position in the file's `benchmarks`. */
  index: number;
  /** Where the benchmark starts (its first key). */
  range: SourceRange;
  /** Where its `command` value is, for "no such command" errors found once the plugin is loaded. */
  commandRange: SourceRange;
}

/** A valid bench file. */
export interface BenchFile {
  file: string;
  /** Absolute path of the plugin entry (`plugin:` resolved against the file's folder). */
  plugin: string;
  pluginRange: SourceRange;
  benchmarks: BenchCase[];
}

export interface ParsedBenchFile {
  file: string;
  /** Set only when there are no error diagnostics. */
  bench?: BenchFile;
  diagnostics: AetherDiagnostic[];
}

let validator: ValidateFunction | undefined;
function compiledSchema(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(benchSchema);
  return validator;
}

/** Aliases may expand to at most this many nodes (a "billion laughs" file stops with an error). */
const MAX_ALIAS_COUNT = 100;

/** `500ms`, `1.5s` or a number of milliseconds; undefined for anything else. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s)$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

export function parseBenchFile(text: string, file: string): ParsedBenchFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const parsed: ParsedBenchFile = { file, diagnostics: [] };
  const source: PositionSource = { text, lineCounter };
  const report = (code: string, message: string, range: SourceRange | undefined): void => {
    parsed.diagnostics.push({ code, severity: 'error', message, file, range: range ?? rangeOf(source, 0, 0) });
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
      if (!problem) continue;
      const key = `${problem.range?.start}:${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      report(problem.code, problem.message, problem.range);
    }
  }
  checkBeyondSchema(source, document, data, report);
  parsed.diagnostics.sort((a, b) => (a.range?.start ?? 0) - (b.range?.start ?? 0));
  if (parsed.diagnostics.length === 0) parsed.bench = toModel(source, document, data as RawFile, file);
  return parsed;
}

function yamlProblem(source: PositionSource, error: YAMLError): [string, string, SourceRange] {
  const [start, end] = error.pos;
  const range = rangeOf(source, start, end > start ? end : start + 1);
  if (error.code === 'DUPLICATE_KEY')
    return ['yaml/duplicate-key', `duplicate key: a mapping holds each key once; remove or rename one`, range];
  const hint =
    error.code === 'MULTIPLE_DOCS' ? 'a bench file holds one YAML document; remove the extra "---"' : error.message.split('\n')[0]!;
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

function formatPath(segments: readonly PathSegment[]): string {
  return segments.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

function rangeAt(source: PositionSource, document: Document, segments: PathSegment[]): SourceRange | undefined {
  for (let length = segments.length; length >= 0; length--) {
    const range = nodeRange(source, nodeAtPath(document, segments.slice(0, length)));
    if (range) return range;
  }
  return undefined;
}

/** `the top level`, `"benchmarks[0].time" (benchmark "uploads")`: where a problem is, in words a user finds. */
function describeWhere(segments: PathSegment[], data: unknown): string {
  if (segments.length === 0) return 'the top level';
  const name =
    segments[0] === 'benchmarks' && typeof segments[1] === 'number'
      ? (data as { benchmarks: Array<{ name?: unknown } | null> }).benchmarks[segments[1]]?.name
      : undefined;
  return `"${formatPath(segments)}"${typeof name === 'string' ? ` (benchmark "${name}")` : ''}`;
}

function describeSchemaError(
  source: PositionSource,
  document: Document,
  error: ErrorObject,
  data: unknown,
): { code: string; message: string; range?: SourceRange } | undefined {
  const segments = pathOf(error.instancePath);
  const where = describeWhere(segments, data);
  const range = rangeAt(source, document, segments);
  const last = segments.at(-1);
  // A duration is `anyOf` two shapes; one message for it instead of one per branch.
  if ((last === 'time' || last === 'warmup') && segments[0] === 'benchmarks') {
    if (error.keyword !== 'anyOf') return undefined;
    return {
      code: 'bench/invalid-value',
      message: `${where} must be a duration: milliseconds as a positive number, or a string such as 500ms or 1.5s`,
      range,
    };
  }
  const parentSchema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const keyRange = nodeRange(source, keyNodeAtPath(document, segments, key));
      return {
        code: 'bench/unknown-key',
        message: `unknown key "${key}" in ${where}.${didYouMean(key, allowed)} Allowed: ${allowed.join(', ')}`,
        range: keyRange ?? range,
      };
    }
    case 'required': {
      const key = (error.params as { missingProperty: string }).missingProperty;
      const what = segments.length === 0 ? 'the file' : where;
      const hint: Record<string, string> = {
        plugin: ' (the plugin entry relative to this file, e.g. `plugin: ../index.ts`)',
        benchmarks: ' (a list of benchmarks, each with `name` and `command`)',
        name: ' (a unique name for the benchmark)',
        command: ' (the command to execute)',
      };
      return { code: 'bench/missing-key', message: `${what} is missing the required key "${key}"${hint[key] ?? ''}`, range };
    }
    case 'minItems':
      return {
        code: 'bench/invalid-value',
        message:
          segments.length === 1 && segments[0] === 'benchmarks'
            ? '"benchmarks" is empty: add at least one benchmark'
            : `${where} must not be empty`,
        range,
      };
    case 'minLength':
      return { code: 'bench/invalid-value', message: `${where} must not be empty`, range };
    case 'type': {
      const type = (error.params as { type: string }).type;
      return { code: 'bench/invalid-value', message: `${where} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`, range };
    }
    default:
      return { code: 'bench/invalid-value', message: `${where} ${error.message ?? 'is invalid'}`, range };
  }
}

type Report = (code: string, message: string, range: SourceRange | undefined) => void;

interface RawBenchmark {
  name?: unknown;
  description?: unknown;
  command?: unknown;
  config?: unknown;
  input?: unknown;
  state?: unknown;
  time?: unknown;
  iterations?: unknown;
  warmup?: unknown;
}
interface RawFile {
  plugin: string;
  benchmarks: RawBenchmark[];
}

/** Checks a schema cannot express: unique names, `time` or `iterations` but not both. */
function checkBeyondSchema(source: PositionSource, document: Document, data: unknown, report: Report): void {
  const benchmarks = (data as { benchmarks?: unknown } | null)?.benchmarks;
  if (!Array.isArray(benchmarks)) return;
  const firstByName = new Map<string, number>();
  benchmarks.forEach((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const entry = raw as RawBenchmark;
    const at = (...rest: PathSegment[]) => nodeRange(source, nodeAtPath(document, ['benchmarks', index, ...rest]));
    if (typeof entry.name === 'string') {
      const first = firstByName.get(entry.name);
      if (first !== undefined) {
        report(
          'bench/duplicate-benchmark',
          `duplicate benchmark name "${entry.name}" (first used at line ${first}): names must be unique so --case and the baseline can tell them apart`,
          at('name'),
        );
      } else {
        firstByName.set(entry.name, at('name')?.line ?? 0);
      }
    }
    if (entry.time !== undefined && entry.iterations !== undefined) {
      report(
        'bench/time-and-iterations',
        `"benchmarks[${index}]" gives both time and iterations: measure for a time or for a number of iterations, not both`,
        at('iterations'),
      );
    }
  });
}

function toModel(source: PositionSource, document: Document, data: RawFile, file: string): BenchFile {
  const start = rangeOf(source, 0, 0);
  const rangeFor = (...segments: PathSegment[]) => nodeRange(source, nodeAtPath(document, segments)) ?? start;
  return {
    file,
    plugin: path.resolve(path.dirname(file), data.plugin),
    pluginRange: rangeFor('plugin'),
    benchmarks: data.benchmarks.map((raw, index) => {
      const iterations = typeof raw.iterations === 'number' ? raw.iterations : undefined;
      const timeMs = iterations !== undefined ? 0 : (parseDuration(raw.time) ?? DEFAULT_BENCH_TIME_MS);
      const warmupMs = parseDuration(raw.warmup) ?? Math.min(MAX_DEFAULT_WARMUP_MS, (timeMs || DEFAULT_BENCH_TIME_MS) / 4);
      const model: BenchCase = {
        name: raw.name as string,
        command: raw.command as string,
        config: (raw.config ?? {}) as JsonValue,
        input: (raw.input ?? {}) as JsonValue,
        state: (raw.state ?? {}) as Record<string, JsonValue>,
        timeMs,
        warmupMs,
        index,
        range: rangeFor('benchmarks', index),
        commandRange: rangeFor('benchmarks', index, 'command'),
      };
      if (iterations !== undefined) model.iterations = iterations;
      if (typeof raw.description === 'string') model.description = raw.description;
      return model;
    }),
  };
}
