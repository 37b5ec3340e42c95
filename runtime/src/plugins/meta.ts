// Validation of a plugin's `static meta` (spec section 1): the shared JSON Schema plus what a schema
// cannot say (semver versions and ranges, nested JSON Schemas, typo hints). Every message starts with
// the plugin file and names the field, so a user can act on it without opening the runtime.
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import * as semver from 'semver';
import metaSchema from '../../schemas/plugin-meta.schema.json';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import type { PluginCandidate } from '../model/catalog';
import type { CommandMeta, PluginMeta } from '../model/plugin';
import { closestMatch } from '../pipeline/suggestions';
import { displayPath } from './discovery';

export interface MetaValidation {
  /** Present when the meta has no errors (warnings allowed). */
  meta?: PluginMeta;
  diagnostics: AetherDiagnostic[];
}

const ROOT_KEYS = Object.keys(metaSchema.properties);
const COMMAND_KEYS = ['description', 'input'];
const LIMIT_KEYS = Object.keys(metaSchema.properties.limits.properties);

let metaValidator: ValidateFunction | undefined;
function compiledMetaSchema(): ValidateFunction {
  // allowUnionTypes: the schema says `"type": ["object", "boolean"]` for nested schemas on purpose.
  metaValidator ??= new Ajv({ allErrors: true, allowUnionTypes: true }).compile(metaSchema);
  return metaValidator;
}

/** Validates `meta` (the class's `static meta`, as loaded) for the plugin found at `candidate`. */
export function validateMeta(meta: unknown, candidate: PluginCandidate): MetaValidation {
  const file = displayPath(candidate);
  const diagnostics: AetherDiagnostic[] = [];
  const plugin = typeof (meta as { name?: unknown } | null)?.name === 'string' ? (meta as { name: string }).name : candidate.packageName;
  const report = (code: string, message: string, severity: Severity = 'error', at = file, absolute = candidate.entry): void => {
    diagnostics.push({ code, severity, message: `${at}: ${message}`, file: absolute, ...(plugin ? { plugin } : {}) });
  };

  if (meta === undefined || meta === null) {
    report(
      'meta/missing-field',
      'the default-exported class has no static meta; add `static meta = { name: "my-plugin", version: "1.0.0" }`.',
    );
    return { diagnostics };
  }
  if (typeof meta !== 'object' || Array.isArray(meta)) {
    report('meta/invalid-field', `meta must be an object like { name: "my-plugin", version: "1.0.0" }, not ${describe(meta)}.`);
    return { diagnostics };
  }

  const validate = compiledMetaSchema();
  if (!validate(meta)) {
    for (const error of validate.errors ?? []) {
      const described = describeSchemaError(error, meta);
      if (described) report(described.code, described.message, described.severity);
    }
  }
  reportUnknownKeys(meta as Record<string, unknown>, report);
  checkVersions(meta as Record<string, unknown>, candidate, report);
  checkNestedSchemas(meta as Record<string, unknown>, report);

  const ok = !diagnostics.some((d) => d.severity === 'error');
  return ok ? { meta: meta as PluginMeta, diagnostics } : { diagnostics };
}

/**
 * The engine check of spec section 1: `meta.engines.aetherscript`, else the package's
 * `engines.aetherscript`, must accept the running runtime. Returns undefined when the plugin is compatible
 * or states no range.
 */
export function checkEngine(meta: PluginMeta, candidate: PluginCandidate, runtimeVersion: string): AetherDiagnostic | undefined {
  const fromMeta = meta.engines?.aetherscript;
  const range = fromMeta ?? candidate.packageEngine;
  if (range === undefined) return undefined;
  const where = fromMeta !== undefined ? 'meta.engines.aetherscript' : 'package.json engines.aetherscript';
  const diagnostic = (message: string): AetherDiagnostic => ({
    code: 'plugin/incompatible-engine',
    severity: 'error',
    message: `${displayPath(candidate)}: ${message}`,
    file: candidate.entry,
    plugin: meta.name,
  });
  if (semver.validRange(range) === null) {
    return diagnostic(
      `plugin "${meta.name}" states the runtime range "${range}" (${where}), which is not a valid semver range; it is not loaded.`,
    );
  }
  // includePrerelease: by default semver lets prereleases satisfy a range only when the range names a
  // prerelease of the same major.minor.patch, so every plugin declaring ^1.0.0 would refuse a 1.3.0-beta.1
  // runtime. Someone running a prerelease runtime chose to, and a plugin author cannot list every
  // prerelease; what matters is the version line the range names.
  if (semver.satisfies(runtimeVersion, range, { includePrerelease: true })) return undefined;
  return diagnostic(
    `plugin "${meta.name}" ${meta.version} requires AetherScript ${range} (${where}) but this runtime is ${runtimeVersion}; ` +
      'install a version of the plugin made for this runtime, or a runtime in that range. It is not loaded.',
  );
}

/**
 * The commands a plugin contributes. A plugin without `commands` contributes one command named after
 * itself (spec section 1); an explicit `commands: {}` (a hooks-only plugin) contributes none.
 */
export function commandsOf(meta: PluginMeta): Record<string, CommandMeta> {
  if (meta.commands === undefined) return { [meta.name]: meta.description !== undefined ? { description: meta.description } : {} };
  return Object.fromEntries(Object.entries(meta.commands));
}

type Report = (code: string, message: string, severity?: Severity, at?: string, absolute?: string) => void;

function describeSchemaError(error: ErrorObject, meta: object): { code: string; message: string; severity: Severity } | undefined {
  const field = fieldPath(error.instancePath);
  const value = valueAt(meta, error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const example =
        missing === 'name' ? '"my-plugin" (npm-style, unique among plugins)' : missing === 'version' ? '"1.0.0" (semver)' : '…';
      return {
        code: 'meta/missing-field',
        severity: 'error',
        message: `${fieldPath(`${error.instancePath}/${missing}`)} is missing; add ${missing}: ${example}.`,
      };
    }
    case 'additionalProperties':
      return undefined; // unknown keys are warnings with a suggestion: see reportUnknownKeys
    case 'propertyNames':
      return undefined; // the failing inner keyword (pattern) carries the detail
    case 'pattern': {
      if (error.propertyName !== undefined) {
        return {
          code: 'meta/invalid-field',
          severity: 'error',
          message: `${field} has an invalid command name "${error.propertyName}"; use letters, digits and _ . : - (no spaces or slashes).`,
        };
      }
      if (error.instancePath === '/name') {
        return {
          code: 'meta/invalid-field',
          severity: 'error',
          message: `${field} ${JSON.stringify(value)} is not a valid plugin name; use an npm-style lowercase name like "s3-upload" or "@acme/s3-upload".`,
        };
      }
      break;
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const close = typeof value === 'string' ? suggestion(value, allowed) : undefined;
      const hint = close ? `did you mean "${close}"? ` : '';
      return {
        code: 'meta/invalid-field',
        severity: 'error',
        message: `${field} ${JSON.stringify(value)} is not a lifecycle event; ${hint}use one of ${allowed.join(', ')}.`,
      };
    }
    case 'type': {
      const expected = ([] as string[]).concat((error.params as { type: string | string[] }).type);
      const noun =
        error.instancePath.endsWith('/input') || error.instancePath === '/config'
          ? 'a JSON Schema (' + expected.join(' or ') + ')'
          : expected.map(article).join(' or ');
      return { code: 'meta/invalid-field', severity: 'error', message: `${field} must be ${noun}, not ${describe(value)}.` };
    }
    case 'uniqueItems':
      return { code: 'meta/invalid-field', severity: 'error', message: `${field} lists the same event twice; list each event once.` };
  }
  return { code: 'meta/invalid-field', severity: 'error', message: `${field} ${error.message ?? 'is invalid'} (${describe(value)}).` };
}

function reportUnknownKeys(meta: Record<string, unknown>, report: Report): void {
  warnUnknown(meta, ROOT_KEYS, 'meta', report);
  if (isObject(meta.limits)) warnUnknown(meta.limits, LIMIT_KEYS, 'meta.limits', report);
  if (isObject(meta.commands)) {
    for (const [name, command] of Object.entries(meta.commands)) {
      if (isObject(command)) warnUnknown(command, COMMAND_KEYS, `meta.commands${segment(name)}`, report);
    }
  }
  // Other engines (node, vscode) are legitimate there; only flag what looks like a misspelt `aetherscript`.
  if (isObject(meta.engines)) {
    for (const key of Object.keys(meta.engines)) {
      const close = key !== 'aetherscript' ? suggestion(key, ['aetherscript']) : undefined;
      if (close)
        report(
          'meta/unknown-field',
          `meta.engines${segment(key)} is not a known field; did you mean "${close}"? It is ignored.`,
          'warning',
        );
    }
  }
}

function warnUnknown(object: Record<string, unknown>, known: readonly string[], where: string, report: Report): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const close = suggestion(key, known);
    const hint = close ? `did you mean "${close}"?` : `known fields: ${known.join(', ')}.`;
    report('meta/unknown-field', `${where}${segment(key)} is not a known field; ${hint} It is ignored.`, 'warning');
  }
}

function checkVersions(meta: Record<string, unknown>, candidate: PluginCandidate, report: Report): void {
  if (typeof meta.version === 'string' && semver.valid(meta.version) === null) {
    report('meta/invalid-semver', `meta.version ${JSON.stringify(meta.version)} is not a valid semver version (e.g. 1.0.0).`);
  }
  const engine = isObject(meta.engines) ? meta.engines.aetherscript : undefined;
  if (typeof engine === 'string' && semver.validRange(engine) === null) {
    report('meta/invalid-range', `meta.engines.aetherscript ${JSON.stringify(engine)} is not a valid semver range (e.g. ^1.0.0).`);
  }
  // The package's range only counts when meta states none (checkEngine), so only then is a bad one an error.
  if (engine === undefined && candidate.packageEngine !== undefined && semver.validRange(candidate.packageEngine) === null) {
    const pkgJson = path.join(candidate.dir, 'package.json');
    report(
      'meta/invalid-range',
      `engines.aetherscript ${JSON.stringify(candidate.packageEngine)} is not a valid semver range (e.g. ^1.0.0).`,
      'error',
      displayPath(candidate, pkgJson),
      pkgJson,
    );
  }
  if (isObject(meta.dependencies)) {
    for (const [name, range] of Object.entries(meta.dependencies)) {
      if (typeof range === 'string' && semver.validRange(range) === null) {
        report(
          'meta/invalid-range',
          `meta.dependencies${segment(name)} ${JSON.stringify(range)} is not a valid semver range (e.g. ^2.0.0).`,
        );
      }
    }
  }
}

/** `config` and each command's `input` are JSON Schemas the runtime compiles later; fail now, with the reason. */
function checkNestedSchemas(meta: Record<string, unknown>, report: Report): void {
  const check = (schema: unknown, field: string): void => {
    if (!isObject(schema) && typeof schema !== 'boolean') return; // wrong type already reported
    const problem = schemaProblem(schema);
    if (problem) report('meta/invalid-schema', `${field} is not a valid JSON Schema: ${problem}.`);
  };
  check(meta.config, 'meta.config');
  if (isObject(meta.commands)) {
    for (const [name, command] of Object.entries(meta.commands)) {
      if (isObject(command)) check(command.input, `meta.commands${segment(name)}.input`);
    }
  }
}

function schemaProblem(schema: Record<string, unknown> | boolean): string | undefined {
  // A fresh instance per schema: plugins may reuse `$id`s, which one shared instance would reject as
  // duplicates. strict is off because schemas legitimately carry editor keywords (markdownDescription…).
  const options = { strict: false, logger: false as const, allErrors: true };
  const dialect = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : '';
  const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : dialect.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  try {
    ajv.compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A close known name for a misspelt one: the shared typo rule of `pipeline/suggestions`, plus prefixes
 * (`pre-exec` → `pre-execute`, `desc` → `description`), which authors abbreviate more than they misspell.
 */
function suggestion(value: string, known: readonly string[]): string | undefined {
  const typo = closestMatch(value, known);
  if (typo !== undefined || value.length < 3) return typo;
  const lower = value.toLowerCase();
  return known.find((name) => name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase()));
}

/** `/commands/up load/input` → `meta.commands["up load"].input`. */
function fieldPath(instancePath: string): string {
  return 'meta' + pointerSegments(instancePath).map(segment).join('');
}

function segment(key: string): string {
  if (/^\d+$/.test(key)) return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const key of pointerSegments(pointer))
    value = isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${String(value)}` : typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
