// Validates a pipeline's JS value against runtime/schemas/pipeline.schema.json and turns ajv's errors
// into diagnostics people can act on: placed on the offending YAML node (the key, for unknown keys),
// one message per location (anyOf noise collapsed), with "did you mean" for typos.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Document } from 'yaml';
import pipelineSchema from '../../schemas/pipeline.schema.json';
import type { AetherDiagnostic } from '../model/diagnostics';
import { didYouMean } from './suggestions';
import { keyNodeAtPath, nodeAtPath, nodeRange, type PositionSource } from './yamlNodes';
import { isMap } from 'yaml';

let validator: ValidateFunction | undefined;

/** Compiled once per process: compiling the schema costs far more than validating a file. */
function pipelineValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(pipelineSchema);
  return validator;
}

interface SchemaContext extends PositionSource {
  document: Document;
  file: string;
}

/** Schema diagnostics for the pipeline value `data` (document.toJS()). */
export function checkSchema(context: SchemaContext, data: unknown): AetherDiagnostic[] {
  const validate = pipelineValidator();
  if (validate(data)) return [];
  const diagnostics: AetherDiagnostic[] = [];
  const seen = new Set<string>();
  for (const error of relevantErrors(validate.errors ?? [])) {
    const diagnostic = toDiagnostic(context, data, error);
    const identity = `${diagnostic.code}|${diagnostic.range?.start}|${diagnostic.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/**
 * Collapses each failed anyOf: when the value's type fits exactly one branch, that branch's errors are the
 * useful ones ("must be unique", "must match pattern"); otherwise the anyOf error alone stands for them all.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const anyOf of errors.filter((error) => error.keyword === 'anyOf')) {
    if (dropped.has(anyOf)) continue;
    const inner = errors.filter(
      (error) =>
        error !== anyOf &&
        error.schemaPath.startsWith(`${anyOf.schemaPath}/`) &&
        (error.instancePath === anyOf.instancePath || error.instancePath.startsWith(`${anyOf.instancePath}/`)),
    );
    const branchOf = (error: ErrorObject): string => error.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0] ?? '';
    const branches = new Set(inner.map(branchOf));
    // A branch whose own `type` failed is not what the author meant.
    const typeFailed = new Set(
      inner.filter((error) => error.keyword === 'type' && error.instancePath === anyOf.instancePath).map(branchOf),
    );
    const fitting = [...branches].filter((branch) => !typeFailed.has(branch));
    const keep = fitting.length === 1 ? fitting[0] : undefined;
    for (const error of inner) if (branchOf(error) !== keep) dropped.add(error);
    if (keep !== undefined) dropped.add(anyOf);
  }
  return errors.filter((error) => !dropped.has(error));
}

function decodePointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(current) ? Number(segment) : segment;
    path.push(key);
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** "in step "build"", "in settings", "at the top level" … for messages. */
function describeParent(data: unknown, path: (string | number)[]): string {
  if (path.length === 0) return 'at the top level of the pipeline';
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const id = valueAt(data, ['steps', path[1], 'id']);
    const step = typeof id === 'string' && id !== '' ? `step "${id}"` : `step #${path[1] + 1}`;
    return path.length === 2 ? `in ${step}` : `in ${path.slice(2).join('.')} of ${step}`;
  }
  return `in ${path.join('.')}`;
}

/** Where the key of a value sits, for messages: 'in step "build"', 'in settings', or '' at the top level. */
function ownerOf(data: unknown, path: (string | number)[]): string {
  // A list entry (`needs[0]`) is described by the owner of the list.
  const depth = typeof path[path.length - 1] === 'number' ? 2 : 1;
  const parent = path.slice(0, Math.max(0, path.length - depth));
  return parent.length === 0 ? '' : describeParent(data, parent);
}

/** The key a value sits under, for messages: `timeout`, `steps[2]`. */
function keyName(path: (string | number)[]): string {
  const last = path[path.length - 1];
  if (typeof last === 'number') return `${String(path[path.length - 2] ?? '')}[${last}]`;
  return last ?? 'pipeline';
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

/** What a value of these keys must look like, whatever ajv complained about. */
const FORMS: Record<string, (value: unknown) => string> = {
  timeout: (value) => `Invalid timeout ${show(value)}: use a number of ms or 500ms, 5s, 1m`,
  memory: (value) => `Invalid memory ${show(value)}: use a number of MB (at least 16) or 128MB, 1GB`,
};

const VALUE_KEYWORDS = new Set(['type', 'pattern', 'minItems', 'minLength', 'minimum', 'maximum', 'uniqueItems', 'anyOf']);

function toDiagnostic(context: SchemaContext, data: unknown, error: ErrorObject): AetherDiagnostic {
  const path = decodePointer(error.instancePath, data);
  const value = valueAt(data, path);
  const parentSchema = (error.parentSchema ?? {}) as { properties?: Record<string, { description?: string }>; description?: string };
  const node = nodeAtPath(context.document, path);
  const make = (code: string, message: string, target: unknown = node): AetherDiagnostic => ({
    code,
    severity: 'error',
    message,
    file: context.file,
    range: nodeRange(context, target) ?? nodeRange(context, node) ?? nodeRange(context, context.document.contents),
  });

  switch (error.keyword) {
    case 'additionalProperties': {
      const where = describeParent(data, path);
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const keyNode = keyNodeAtPath(context.document, path, key);
      const allowed = Object.keys(parentSchema.properties ?? {});
      const hint = didYouMean(key, allowed) || (allowed.length ? ` Allowed keys: ${allowed.join(', ')}.` : '');
      return make('pipeline/unknown-key', `Unknown key "${key}" ${where}.${hint}`, keyNode);
    }
    case 'required': {
      const where = describeParent(data, path);
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const about = parentSchema.properties?.[key]?.description;
      // Point at the first key of the mapping rather than underlining the whole (possibly long) block.
      const first = isMap(node) ? node.items[0]?.key : undefined;
      const message = `Missing required key "${key}" ${where}${about ? ` — ${lowerFirst(about)}` : ''}`;
      return make('pipeline/missing-key', message, first ?? node);
    }
    case 'propertyNames': {
      const where = describeParent(data, path);
      const name = String((error.params as { propertyName: string }).propertyName);
      const message = `Invalid name "${name}" ${where}: use letters, digits and _, not starting with a digit`;
      return make('pipeline/invalid-value', message, keyNodeAtPath(context.document, path, name));
    }
    default: {
      // Keywords this file has a rewrite for are value errors; anything else the schema may grow is generic.
      const code = VALUE_KEYWORDS.has(error.keyword) ? 'pipeline/invalid-value' : 'pipeline/schema';
      return make(code, invalidValueMessage(error, path, value, ownerOf(data, path), parentSchema.description));
    }
  }
}

function invalidValueMessage(
  error: ErrorObject,
  path: (string | number)[],
  value: unknown,
  where: string,
  description: string | undefined,
): string {
  const key = keyName(path);
  // The duration/memory forms apply to the value itself and to the anyOf branches under it.
  const form = FORMS[key];
  if (form) return form(value);
  if (path.length === 0 && error.keyword === 'type') {
    return 'A pipeline is a YAML mapping with at least "name" and "steps" (see the example in the docs)';
  }
  if (path.length === 2 && path[0] === 'steps' && error.keyword === 'type') {
    return `Step #${Number(path[1]) + 1} must be a mapping with at least "id" and "run", got ${typeOf(value)}`;
  }
  const subject = where === '' ? `"${key}"` : `"${key}" ${where}`;
  switch (error.keyword) {
    case 'type': {
      const expected = ([] as string[]).concat((error.params as { type: string | string[] }).type);
      const names = expected.map((type) => TYPE_NAMES[type] ?? type).join(' or ');
      return `Invalid ${subject}: expected ${names}, got ${typeOf(value)} ${show(value)}`.trimEnd();
    }
    case 'pattern':
      if (key === 'id') {
        return `Invalid step id ${show(value)}: use lowercase letters, digits, _ and - (e.g. "build-app")`;
      }
      return `Invalid ${subject} ${show(value)}: ${description ?? `must match ${String((error.params as { pattern: string }).pattern)}`}`;
    case 'minItems':
      return key === 'steps' ? '"steps" is empty: add at least one step with an id and a run' : `${subject} must not be empty`;
    case 'minLength':
      return `${subject} must not be empty${description ? `: ${lowerFirst(description)}` : ''}`;
    case 'minimum':
    case 'maximum': {
      if (key === 'concurrency') return `Invalid concurrency ${show(value)}: use a whole number from 1 to 64`;
      const { comparison, limit } = error.params as { comparison: string; limit: number };
      return `Invalid ${subject} ${show(value)}: must be ${comparison} ${limit}`;
    }
    case 'uniqueItems': {
      const { i } = error.params as { i: number; j: number };
      const repeated = Array.isArray(value) ? value[i] : undefined;
      return `${subject} lists ${show(repeated)} more than once: remove the repeat`;
    }
    case 'anyOf':
      if (key === 'needs') return `Invalid needs ${show(value)}: use a step id or a list of step ids`;
      return `Invalid ${subject} ${show(value)}${description ? `: ${lowerFirst(description)}` : ''}`;
    default:
      return `Invalid ${subject}: ${error.message ?? 'not allowed here'}`;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
