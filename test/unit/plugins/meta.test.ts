import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { PluginCandidate } from '../../../runtime/src/model/catalog';
import type { PluginMeta } from '../../../runtime/src/model/plugin';
import { HOOK_EVENTS } from '../../../runtime/src/model/plugin';
import { validateMeta, checkEngine, commandsOf } from '../../../runtime/src/plugins';
import metaSchema from '../../../runtime/schemas/plugin-meta.schema.json';

const ws = path.join(path.sep, 'ws');
const candidate: PluginCandidate = {
  entry: path.join(ws, 'plugins/deploy/index.ts'),
  dir: path.join(ws, 'plugins/deploy'),
  source: 'local',
};
const FILE = 'plugins/deploy/index.ts';
const valid = { name: 'deploy', version: '1.0.0' };

function problems(meta: unknown, c: PluginCandidate = candidate) {
  const result = validateMeta(meta, c);
  return { ...result, codes: result.diagnostics.map((d) => d.code), messages: result.diagnostics.map((d) => d.message) };
}

test('a full, valid meta passes unchanged', () => {
  const meta = {
    name: '@acme/s3-upload',
    version: '1.4.0-beta.1',
    description: 'Uploads artifacts',
    engines: { aetherscript: '^1.0.0', node: '>=20' },
    dependencies: { 'aws-auth': '^2.0.0' },
    commands: {
      upload: { description: 'Upload', input: { type: 'object', properties: { bucket: { type: 'string' } }, required: ['bucket'] } },
    },
    hooks: ['pre-execute', 'post-failure'],
    config: { type: 'object', markdownDescription: 'editor-only keyword is fine' },
    limits: { timeoutMs: 5000, heapMb: 256 },
  };
  const { meta: out, diagnostics } = validateMeta(meta, candidate);
  assert.deepEqual(diagnostics, []);
  assert.equal(out, meta);
});

test('missing static meta and missing fields', () => {
  assert.deepEqual(problems(undefined).codes, ['meta/missing-field']);
  assert.match(problems(undefined).messages[0]!, /^plugins\/deploy\/index\.ts: the default-exported class has no static meta/);
  const r = problems({});
  assert.equal(r.meta, undefined);
  assert.deepEqual(r.codes, ['meta/missing-field', 'meta/missing-field']);
  assert.deepEqual(r.messages, [
    `${FILE}: meta.name is missing; add name: "my-plugin" (npm-style, unique among plugins).`,
    `${FILE}: meta.version is missing; add version: "1.0.0" (semver).`,
  ]);
  assert.deepEqual(problems('deploy').codes, ['meta/invalid-field']);
});

test('invalid fields name the field and the value', () => {
  const r = problems({
    name: 'Deploy',
    version: 1,
    hooks: ['pre-exec', 'pre-execute', 'pre-execute'],
    limits: { heapMb: 2 },
    commands: { 'bad name': {}, ok: { input: 3 } },
  });
  assert.ok(
    r.codes.every((c) => c === 'meta/invalid-field'),
    r.codes.join(),
  );
  const text = r.messages.join('\n');
  assert.match(text, /meta\.name "Deploy" is not a valid plugin name; use an npm-style lowercase name/);
  assert.match(text, /meta\.version must be a string, not number 1\./);
  assert.match(text, /meta\.hooks\[0\] "pre-exec" is not a lifecycle event; did you mean "pre-execute"\?/);
  assert.match(text, /meta\.hooks lists the same event twice/);
  assert.match(text, /meta\.limits\.heapMb must be >= 16 \(number 2\)/);
  assert.match(text, /meta\.commands has an invalid command name "bad name"/);
  assert.match(text, /meta\.commands\.ok\.input must be a JSON Schema \(object or boolean\), not number 3\./);
  assert.ok(r.messages.every((m) => m.startsWith(`${FILE}: `)));
  assert.ok(r.diagnostics.every((d) => d.file === candidate.entry && d.severity === 'error'));
});

test('version must be semver', () => {
  const r = problems({ name: 'deploy', version: '1.0' });
  assert.deepEqual(r.codes, ['meta/invalid-semver']);
  assert.equal(r.messages[0], 'plugins/deploy/index.ts: meta.version "1.0" is not a valid semver version (e.g. 1.0.0).');
  assert.equal(r.diagnostics[0]!.plugin, 'deploy');
});

test('engine and dependency ranges must be valid', () => {
  const r = problems({ ...valid, engines: { aetherscript: 'one point oh' }, dependencies: { 'aws-auth': '^2.0.0', other: 'latest!' } });
  assert.deepEqual(r.codes, ['meta/invalid-range', 'meta/invalid-range']);
  assert.match(r.messages[0]!, /meta\.engines\.aetherscript "one point oh" is not a valid semver range/);
  assert.match(r.messages[1]!, /meta\.dependencies\.other "latest!" is not a valid semver range/);

  // The package's range is checked only when meta states none, and the message points at package.json.
  const withPkg = { ...candidate, packageEngine: 'nope' };
  const p = problems(valid, withPkg);
  assert.deepEqual(p.codes, ['meta/invalid-range']);
  assert.match(p.messages[0]!, /^plugins\/deploy\/package\.json: engines\.aetherscript "nope"/);
  assert.deepEqual(problems({ ...valid, engines: { aetherscript: '^1.0.0' } }, withPkg).codes, []);
});

test('config and command inputs must be valid JSON Schemas', () => {
  const r = problems({
    ...valid,
    config: { type: 'strin' },
    commands: { up: { input: { $ref: '#/definitions/missing' } }, fine: { input: true } },
  });
  assert.deepEqual(r.codes, ['meta/invalid-schema', 'meta/invalid-schema']);
  assert.match(
    r.messages[0]!,
    /^plugins\/deploy\/index\.ts: meta\.config is not a valid JSON Schema: schema is invalid: data\/type must be equal to one of the allowed values/,
  );
  assert.match(r.messages[1]!, /meta\.commands\.up\.input is not a valid JSON Schema: can't resolve reference #\/definitions\/missing/);
  // Later dialects are understood, and two plugins may reuse one $id.
  const later = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://example.com/deploy-config.json',
    type: 'array',
    prefixItems: [{ type: 'string' }],
  };
  assert.deepEqual(problems({ ...valid, config: later }).codes, []);
  assert.deepEqual(problems({ ...valid, config: later }).codes, []);
});

test('unknown keys are warnings with a suggestion', () => {
  const r = problems({
    ...valid,
    hook: ['pre-execute'],
    dependancies: {},
    whatever: 1,
    engines: { aetherScript: '^1.0.0' },
    limits: { timeout: 10 },
    commands: { up: { inputs: {} } },
  });
  assert.ok(r.meta, 'warnings do not reject the plugin');
  assert.ok(r.diagnostics.every((d) => d.code === 'meta/unknown-field' && d.severity === 'warning'));
  assert.deepEqual(r.messages, [
    `${FILE}: meta.hook is not a known field; did you mean "hooks"? It is ignored.`,
    `${FILE}: meta.dependancies is not a known field; did you mean "dependencies"? It is ignored.`,
    `${FILE}: meta.whatever is not a known field; known fields: name, version, description, engines, dependencies, commands, hooks, config, limits, permissions. It is ignored.`,
    `${FILE}: meta.limits.timeout is not a known field; did you mean "timeoutMs"? It is ignored.`,
    `${FILE}: meta.commands.up.inputs is not a known field; did you mean "input"? It is ignored.`,
    `${FILE}: meta.engines.aetherScript is not a known field; did you mean "aetherscript"? It is ignored.`,
  ]);
});

test('checkEngine: meta range first, then the package range; prereleases count', () => {
  const meta: PluginMeta = { name: 'deploy', version: '1.0.0', engines: { aetherscript: '^1.2.0' } };
  assert.equal(checkEngine(meta, candidate, '1.3.0'), undefined);
  assert.equal(checkEngine(meta, candidate, '1.3.0-beta.1'), undefined, 'a prerelease runtime inside the line is accepted');
  const d = checkEngine(meta, candidate, '2.0.0');
  assert.equal(d?.code, 'plugin/incompatible-engine');
  assert.equal(d?.severity, 'error');
  assert.match(
    d!.message,
    /^plugins\/deploy\/index\.ts: plugin "deploy" 1\.0\.0 requires AetherScript \^1\.2\.0 \(meta\.engines\.aetherscript\) but this runtime is 2\.0\.0/,
  );

  const bare: PluginMeta = { name: 'deploy', version: '1.0.0' };
  assert.equal(checkEngine(bare, candidate, '9.9.9'), undefined, 'no range, no constraint');
  const fromPkg = checkEngine(bare, { ...candidate, packageEngine: '>=3' }, '2.5.0');
  assert.match(fromPkg!.message, />=3 \(package\.json engines\.aetherscript\) but this runtime is 2\.5\.0/);
  assert.match(checkEngine(bare, { ...candidate, packageEngine: 'bad' }, '1.0.0')!.message, /not a valid semver range/);
});

test('commandsOf: default command named after the plugin, explicit commands otherwise', () => {
  assert.deepEqual(commandsOf({ name: 'lint', version: '1.0.0', description: 'Lints' }), { lint: { description: 'Lints' } });
  assert.deepEqual(commandsOf({ name: 'lint', version: '1.0.0', commands: { a: {}, b: { description: 'B' } } }), {
    a: {},
    b: { description: 'B' },
  });
  assert.deepEqual(commandsOf({ name: 'hooks-only', version: '1.0.0', commands: {} }), {});
});

test('the schema hook list matches the model', () => {
  assert.deepEqual(metaSchema.properties.hooks.items.enum, [...HOOK_EVENTS]);
});
