// JSON Schema validation of plugin-defined schemas (`meta.config`, command `input`) at run time.
// Compiled validators are cached per schema object: a pipeline of 1,000 steps compiles each once.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '../model/plugin';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);
const cache = new WeakMap<object, ValidateFunction>();

export interface SchemaProblem {
  /** JSON pointer of the offending value, e.g. `/file`. */
  pointer: string;
  message: string;
}

function describe(error: ErrorObject): SchemaProblem {
  const at = error.instancePath || '';
  switch (error.keyword) {
    case 'required':
      return { pointer: at, message: `missing required key "${(error.params as { missingProperty: string }).missingProperty}"` };
    case 'additionalProperties':
      return {
        pointer: `${at}/${(error.params as { additionalProperty: string }).additionalProperty}`,
        message: `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`,
      };
    case 'enum':
      return {
        pointer: at,
        message: `${at ? `"${at.slice(1)}" ` : ''}must be one of ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`,
      };
    default:
      return { pointer: at, message: `${at ? `"${at.slice(1).replace(/\//g, '.')}" ` : ''}${error.message ?? 'is invalid'}` };
  }
}

/** Problems of `value` against `schema`, empty when valid (a `true`/absent schema accepts anything). */
export function validateAgainst(schema: JsonSchema | undefined, value: unknown): SchemaProblem[] {
  if (schema === undefined || schema === true) return [];
  if (schema === false) return [{ pointer: '', message: 'no value is accepted here (the schema is `false`)' }];
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map(describe);
}
