import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { findMetaProperty, metaPathInMessage, readPluginSource, validatePluginSource } from '../../../runtime/src/workspace/pluginSource';

const FILE = '/ws/plugins/s3/index.ts';

/** The text a diagnostic's range covers. */
function covered(text: string, d: { range?: { start: number; end: number } }): string {
  return text.slice(d.range?.start ?? 0, d.range?.end ?? 0);
}
function codes(info: { diagnostics: Array<{ code: string }> }): string[] {
  return info.diagnostics.map((d) => d.code).sort();
}

const GOOD = `import type { Plugin, ExecutionContext } from 'aetherscript-core';
export default class S3Upload implements Plugin {
  static meta = {
    name: 's3-upload',
    version: '1.4.0',
    description: 'Uploads artifacts to S3',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { 'aws-auth': '^2.0.0' },
    commands: {
      upload: { description: 'Upload files', input: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } } },
    },
    hooks: ['pre-execute', 'post-failure'],
    config: { type: 'object', properties: { bucket: { type: 'string' } } },
    limits: { timeoutMs: 5000, heapMb: -1 + 257 },
  } as const;
  async execute(ctx: ExecutionContext) { return ctx.input; }
  async onHook() {}
}
`;

describe('readPluginSource', () => {
  it('reads the meta literal as JSON with ranges, ignoring `as const`', () => {
    const info = validatePluginSource(GOOD, FILE);
    assert.equal(info.className, 'S3Upload');
    assert.equal(info.hasExecute, true);
    assert.equal(info.hasOnHook, true);
    // The meta is plain JSON read from the source; its shape is what this test asserts.
    const meta = info.metaValue as unknown as {
      name: string;
      hooks: string[];
      commands: { upload: { input: { properties: { file: { type: string } } } } };
      limits: { heapMb?: number };
    };
    assert.equal(meta.name, 's3-upload');
    assert.deepEqual(meta.hooks, ['pre-execute', 'post-failure']);
    assert.equal(meta.commands.upload.input.properties.file.type, 'string');
    // `-1 + 257` is not a literal: left out and recorded as unknown, never reported as a wrong value.
    assert.equal(meta.limits.heapMb, undefined);
    assert.deepEqual(
      info.unknowns.map((u) => u.path),
      [['limits', 'heapMb']],
    );
    assert.deepEqual(codes(info), ['plugin-source/non-literal']);
    const upload = findMetaProperty(info.meta, ['commands', 'upload']);
    assert.equal(GOOD.slice(upload!.keyRange.start, upload!.keyRange.end), 'upload');
  });

  it('follows `class X … export default X`, `export { X as default }` and class expressions', () => {
    const body = `{ static meta = { name: 'a', version: '1.0.0' }; execute() {} }`;
    for (const text of [
      `class A ${body}\nexport default A;`,
      `class A ${body}\nexport { A as default };`,
      `const A = class ${body};\nexport default A;`,
      `export default class ${body}`,
    ]) {
      const info = validatePluginSource(text, '/ws/plugins/a/index.js');
      assert.deepEqual(codes(info), [], text);
      assert.equal((info.metaValue as { name: string }).name, 'a');
    }
  });

  it('reports a default export that is not a class, on the exported expression', () => {
    const text = `const meta = {};\nexport default function plugin() {}\n`;
    const info = readPluginSource(text, FILE);
    assert.deepEqual(codes(info), ['plugin-source/no-default-class']);
    assert.equal(covered(text, info.diagnostics[0]!), 'plugin');
    const text2 = `export default { meta: {} };`;
    const info2 = readPluginSource(text2, FILE);
    assert.equal(covered(text2, info2.diagnostics[0]!), '{ meta: {} }');
    assert.deepEqual(codes(readPluginSource(`export const x = 1;`, FILE)), ['plugin-source/no-default-class']);
  });

  it('reports a class without meta, without execute, and hook mismatches', () => {
    const text = `export default class Bare { onHook() {} }`;
    const info = readPluginSource(text, FILE);
    assert.deepEqual(codes(info), ['plugin-source/missing-execute', 'plugin-source/no-meta']);
    assert.equal(covered(text, info.diagnostics[0]!), 'Bare');

    const text2 = `export default class P { static meta = { name: 'p', version: '1.0.0', hooks: [] }; execute() {} onHook() {} }`;
    const info2 = readPluginSource(text2, FILE);
    assert.deepEqual(codes(info2), ['plugin-source/onhook-without-hooks']);
    assert.equal(covered(text2, info2.diagnostics[0]!), 'onHook');

    const text3 = `export default class P { static meta = { name: 'p', version: '1.0.0', hooks: ['pre-execute'] }; execute() {} }`;
    const info3 = readPluginSource(text3, FILE);
    assert.deepEqual(codes(info3), ['plugin-source/hooks-without-onhook']);
    assert.equal(covered(text3, info3.diagnostics[0]!), 'hooks');
  });

  it('reports unknown hooks with a did-you-mean, once', () => {
    const text = `export default class P { static meta = { name: 'p', version: '1.0.0', hooks: ['pre-exectue'] }; execute() {} onHook() {} }`;
    const info = validatePluginSource(text, FILE);
    assert.deepEqual(codes(info), ['plugin-source/unknown-hook']);
    assert.equal(covered(text, info.diagnostics[0]!), `'pre-exectue'`);
    assert.match(info.diagnostics[0]!.message, /Did you mean "pre-execute"/);
  });

  it('maps the runtime meta validation to the key or value it is about', () => {
    const text = [
      `export default class P {`,
      `  static meta = {`,
      `    name: 'p',`,
      `    version: 'one',`,
      `    descripton: 'typo',`,
      `    engines: { aetherscript: '>>1' },`,
      `    commands: { go: { input: { type: 'nope' } } },`,
      `  };`,
      `  execute() {}`,
      `}`,
    ].join('\n');
    const info = validatePluginSource(text, FILE);
    const byCode = new Map(info.diagnostics.map((d) => [d.code, d]));
    assert.equal(covered(text, byCode.get('meta/invalid-semver')!), `'one'`);
    assert.equal(byCode.get('meta/invalid-semver')!.range!.line, 4);
    assert.equal(covered(text, byCode.get('meta/unknown-field')!), 'descripton');
    assert.match(byCode.get('meta/unknown-field')!.message, /did you mean "description"/);
    assert.equal(covered(text, byCode.get('meta/invalid-range')!), `'>>1'`);
    assert.equal(covered(text, byCode.get('meta/invalid-schema')!), `{ type: 'nope' }`);
    // The runtime prefixes messages with the file; in the editor the file is already known.
    assert.ok(!byCode.get('meta/invalid-semver')!.message.includes('index.ts:'));
  });

  it('does not report a non-literal required field as missing', () => {
    const text = `import pkg from './package.json';\nexport default class P { static meta = { name: 'p', version: pkg.version }; execute() {} }`;
    const info = validatePluginSource(text, FILE);
    assert.deepEqual(codes(info), ['plugin-source/non-literal']);
    const spread = `const base = { version: '1.0.0' };\nexport default class P { static meta = { ...base, name: 'p' }; execute() {} }`;
    assert.deepEqual(codes(validatePluginSource(spread, FILE)), ['plugin-source/non-literal']);
  });

  it('survives broken sources', () => {
    for (const text of [
      '',
      'export default class {',
      'export default class P { static meta = { name: ',
      '\u0000\uffff',
      'export default class P extends Base { static meta = 3 }',
    ]) {
      const info = validatePluginSource(text, FILE);
      for (const d of info.diagnostics) {
        assert.ok(d.range && d.range.start >= 0 && d.range.end <= text.length, `${d.code} in ${JSON.stringify(text)}`);
      }
    }
  });

  it('parses field paths out of runtime messages', () => {
    assert.deepEqual(metaPathInMessage('x.ts: meta.commands["up load"].input is bad'), ['commands', 'up load', 'input']);
    assert.deepEqual(metaPathInMessage('meta.hooks[1] "x"'), ['hooks', 1]);
  });
});
