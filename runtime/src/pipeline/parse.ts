// Parses a pipeline file (spec section 5) into the Pipeline model plus diagnostics with precise ranges.
// Pure: text in, result out. Shared by the runtime (to run) and the language server (to diagnose), so the
// diagnostic codes below are stable API:
//   yaml/syntax, yaml/duplicate-key,
//   pipeline/unknown-key, pipeline/missing-key, pipeline/invalid-value (schema), pipeline/runtime-range,
//   pipeline/duplicate-step-id, pipeline/unknown-need, pipeline/need-cycle, pipeline/self-need,
//   expression/syntax, expression/unknown-step, expression/not-upstream, expression/unknown-env.
import semver from 'semver';
import { type CST, type LineCounter, isMap, isScalar, type Document, type YAMLError } from 'yaml';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { JsonValue } from '../model/plugin';
import type { Pipeline, PipelineStep } from '../model/pipeline';
import { AliasError, aliasIndex, noAliases, unknownAliasMessage, valueBuilder } from './aliases';
import { checkExpressions } from './expressionChecks';
import { checkSchema } from './schemaCheck';
import { checkSteps, readStepNodes, type CheckContext, type StepNode } from './stepChecks';
import { parseDuration, parseMemory } from './units';
import { errorsOnce } from './yamlCascades';
import { parseYaml, type DuplicateKey } from './yamlDocument';
import { findPair, lineCounterOf, nodeRange, rangeOf } from './yamlNodes';

export { nodeAtPath, rangeOf } from './yamlNodes';

/** A parsed pipeline file: the YAML document for the editor, the model when it is valid, and diagnostics. */
export interface ParsedPipeline {
  file: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** Set only when there are no error-severity diagnostics. */
  pipeline?: Pipeline;
  diagnostics: AetherDiagnostic[];
}

/**
 * The text the YAML parser reads, of the same length (every offset is one into `text` too): YAML 1.2
 * ends a line at `\r\n`, `\n` or a lone `\r`, and the `yaml` library knows only the first two; and a
 * byte order mark, which YAML allows before the stream, reads as a line break, since the library takes
 * it for a token of line 1, and then that line's indentation for content (` - a` after a BOM was "Unexpected
 * tag at node end", found by the YAML test suite's case 2AUY). Positions come from `text`, not from this.
 */
export function yamlSource(text: string): string {
  const lines = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
  return lines.charCodeAt(0) === 0xfeff ? `\n${lines.slice(1)}` : lines;
}

/**
 * Parses and validates a pipeline file's text; never throws on bad input. `tokens`: the parser's tokens
 * of `yamlSource(text)` when they were made already (the language server makes them a slice at a time,
 * `parseTokensSliced`).
 */
export function parsePipeline(text: string, file: string, tokens?: CST.Token[]): ParsedPipeline {
  const source = yamlSource(text);
  const { document, duplicates } = parseYaml(source, tokens);
  const lineCounter = lineCounterOf(text);
  const parsed: ParsedPipeline = { file, text, document, lineCounter, diagnostics: [] };
  const context: CheckContext = { text: source, lineCounter, document, file, bom: text.charCodeAt(0) === 0xfeff };
  const diagnostics = parsed.diagnostics;

  const checked = check(context, duplicates, diagnostics);
  // Every diagnostic gets a place, so editors can show it: the file's start when nothing better is known
  // (an empty file has no node to point at).
  for (const diagnostic of diagnostics) diagnostic.range ??= rangeOf(context, 0, 0);
  // In file order, as editors and `aether validate` list them.
  diagnostics.sort((a, b) => (a.range?.start ?? 0) - (b.range?.start ?? 0));
  if (checked && !diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
    parsed.pipeline = toPipeline(context, checked.data as PipelineData, checked.steps);
  }
  return parsed;
}

/** Runs every check, in layers; returns the document's value when it could be built. */
function check(
  context: CheckContext,
  duplicates: ReadonlyMap<number, DuplicateKey>,
  diagnostics: AetherDiagnostic[],
): { data: unknown; steps: StepNode[] } | undefined {
  const { document } = context;
  // A cascade of syntax errors reported as its first (yamlCascades.ts); the tree past it is a guess anyway.
  for (const error of errorsOnce(document, context.text)) diagnostics.push(yamlDiagnostic(context, duplicates, error, 'error'));
  for (const warning of document.warnings) diagnostics.push(yamlDiagnostic(context, duplicates, warning, 'warning'));
  // Past a real syntax error the tree is a guess; further checks would mostly be noise.
  if (document.errors.some((error) => error.code !== 'DUPLICATE_KEY')) return undefined;

  if (!context.text.includes('*')) noAliases(document);
  const unresolved = aliasIndex(document).unresolved;
  for (const alias of unresolved) {
    diagnostics.push({
      code: 'yaml/syntax',
      severity: 'error',
      message: unknownAliasMessage(alias),
      file: context.file,
      range: nodeRange(context, alias),
    });
  }
  if (unresolved.length > 0) return undefined;

  let data: unknown;
  try {
    data = valueBuilder(document).valueOf(document.contents);
  } catch (error) {
    if (!(error instanceof AliasError)) throw error;
    // The first alias, not where the budget ran out: that is where the expansion starts.
    const expands = error.message.startsWith('The document expands too far');
    diagnostics.push({
      code: 'yaml/syntax',
      severity: 'error',
      message: error.message,
      file: context.file,
      range: nodeRange(context, expands ? (aliasIndex(document).first ?? error.alias) : error.alias),
    });
    return undefined;
  }

  diagnostics.push(...checkSchema(context, data));
  const steps = readStepNodes(document);
  const { diagnostics: stepDiagnostics, graph } = checkSteps(context, steps);
  diagnostics.push(...stepDiagnostics);
  diagnostics.push(...checkExpressions(context, steps, graph, declaredEnv(document)));
  diagnostics.push(...checkRuntimeRange(context, data));
  return { data, steps };
}

function yamlDiagnostic(
  context: CheckContext,
  duplicates: ReadonlyMap<number, DuplicateKey>,
  error: YAMLError,
  severity: 'error' | 'warning',
): AetherDiagnostic {
  const [start, end] = error.pos;
  // Zero-width ranges are invisible in most editors; widen to one character where there is one (a
  // `\r\n` as a whole: a range never ends between its two characters).
  const widened = context.text.startsWith('\r\n', start) ? start + 2 : start + 1;
  const range = rangeOf(context, start, end > start ? end : widened);
  if (error.code === 'DUPLICATE_KEY') {
    const duplicate = duplicates.get(start);
    const firstLine = nodeRange(context, duplicate?.first)?.line;
    return {
      code: 'yaml/duplicate-key',
      severity,
      message: `Duplicate key ${JSON.stringify(duplicate?.name ?? context.text.slice(start, end))}${firstLine ? ` (first set at line ${firstLine})` : ''}: a mapping holds each key once; remove or rename one`,
      file: context.file,
      range: nodeRange(context, duplicate?.key) ?? range,
    };
  }
  if (error.code === 'RESOURCE_EXHAUSTION') return { code: 'yaml/syntax', severity, message: error.message, file: context.file, range };
  const hint = error.code === 'MULTIPLE_DOCS' ? 'a pipeline file holds one YAML document; remove the extra "---"' : error.message;
  return {
    code: 'yaml/syntax',
    severity,
    message: `YAML ${severity === 'error' ? 'syntax error' : 'warning'}: ${hint}`,
    file: context.file,
    range,
  };
}

function declaredEnv(document: Document): Set<string> {
  const env = findPair(document.contents, 'env')?.value;
  const names = new Set<string>();
  if (isMap(env)) for (const pair of env.items) if (isScalar(pair.key)) names.add(String(pair.key.value));
  return names;
}

function checkRuntimeRange(context: CheckContext, data: unknown): AetherDiagnostic[] {
  const runtime = (data as { runtime?: unknown } | null)?.runtime;
  if (typeof runtime !== 'string' || semver.validRange(runtime) !== null) return [];
  return [
    {
      code: 'pipeline/runtime-range',
      severity: 'error',
      message: `Invalid runtime range ${JSON.stringify(runtime)}: use a semver range such as ^1.0.0`,
      file: context.file,
      range: nodeRange(context, findPair(context.document.contents, 'runtime')?.value),
    },
  ];
}

/** The pipeline's value as the schema guarantees it. */
interface PipelineData {
  name: string;
  description?: string;
  runtime?: string;
  plugins?: Record<string, Record<string, JsonValue> | null>;
  settings?: { timeout?: number | string; memory?: number | string; concurrency?: number };
  env?: Record<string, string | number | boolean>;
  steps: {
    id: string;
    name?: string;
    run: string;
    with?: Record<string, JsonValue>;
    needs?: string | string[];
    timeout?: number | string;
    'continue-on-error'?: boolean;
  }[];
}

function toPipeline(context: CheckContext, data: PipelineData, stepNodes: StepNode[]): Pipeline {
  const settings = data.settings ?? {};
  const nodeAt = new Map(stepNodes.map((node) => [node.index, node]));
  const pipeline: Pipeline = {
    file: context.file,
    name: data.name,
    plugins: Object.fromEntries(Object.entries(data.plugins ?? {}).map(([name, config]) => [name, config ?? {}])),
    settings: { concurrency: settings.concurrency ?? 1 },
    env: Object.fromEntries(Object.entries(data.env ?? {}).map(([name, value]) => [name, String(value)])),
    steps: data.steps.map((step, index) => toStep(context, step, index, nodeAt.get(index))),
  };
  if (data.description !== undefined) pipeline.description = data.description;
  if (data.runtime !== undefined) pipeline.runtime = data.runtime;
  const timeoutMs = parseDuration(settings.timeout);
  if (timeoutMs !== undefined) pipeline.settings.timeoutMs = timeoutMs;
  const heapMb = parseMemory(settings.memory);
  if (heapMb !== undefined) pipeline.settings.heapMb = heapMb;
  return pipeline;
}

function toStep(context: CheckContext, data: PipelineData['steps'][number], index: number, node: StepNode | undefined): PipelineStep {
  const step: PipelineStep = {
    id: data.id,
    run: data.run,
    with: data.with ?? {},
    needs: data.needs === undefined ? [] : typeof data.needs === 'string' ? [data.needs] : data.needs,
    continueOnError: data['continue-on-error'] ?? false,
    index,
  };
  if (data.name !== undefined) step.name = data.name;
  const timeoutMs = parseDuration(data.timeout);
  if (timeoutMs !== undefined) step.timeoutMs = timeoutMs;
  // A step written as an alias has no position of its own in the list; its anchor's is the useful one.
  const range = nodeRange(context, node?.node);
  if (range) step.range = range;
  const idRange = nodeRange(context, node?.idNode);
  if (idRange) step.idRange = idRange;
  return step;
}
