import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseSandboxFile } from '../../../runtime/src/sandbox/sandboxFile';
import schema from '../../../runtime/schemas/sandbox.schema.json';

const FILE = path.join(path.sep, 'ws', 'plugins', 'demo', 'test', 'demo.sandbox.yaml');

/** `line:col code message` per diagnostic, in file order. */
function problems(text: string): string[] {
  return parseSandboxFile(text, FILE).diagnostics.map((d) => `${d.range?.line}:${d.range?.column} ${d.code} ${d.message}`);
}

test('the shipped schema is a valid JSON Schema (the editor loads it too)', () => {
  // The runtime's ajv 8 (the repository root resolves an older one for eslint), in strict mode.
  const Ajv = createRequire(path.join(__dirname, '../../../runtime/package.json'))('ajv').default as new (options: object) => {
    compile(schema: object): unknown;
  };
  assert.doesNotThrow(() => new Ajv({ strict: true, allowUnionTypes: true }).compile(schema));
});

test('a valid file becomes the model: plugin resolved against the file, defaults filled', () => {
  const parsed = parseSandboxFile(
    [
      'plugin: ../index.ts',
      'cases:',
      '  - name: uploads',
      '    command: upload',
      '    config: { bucket: reports }',
      '    input: { file: dist/app.js }',
      '    state: { token: abc }',
      '    expect:',
      '      output: { uploaded: 1 }',
      '      logs: [{ level: info, message: /uploaded/ }]',
      '  - name: refuses',
      '    command: upload',
      '    expect: { error: /bucket/ }',
      '  - name: returns null',
      '    command: upload',
      '    expect: { output: null }',
    ].join('\n'),
    FILE,
  );
  assert.deepEqual(parsed.diagnostics, []);
  const sandbox = parsed.sandbox!;
  assert.equal(sandbox.plugin, path.join(path.sep, 'ws', 'plugins', 'demo', 'index.ts'));
  const [first, second, third] = sandbox.cases;
  assert.deepEqual(first!.expect, { status: 'ok', output: { uploaded: 1 }, logs: [{ level: 'info', message: '/uploaded/' }] });
  assert.deepEqual(first!.state, { token: 'abc' });
  assert.equal(first!.range.line, 3);
  assert.equal(first!.commandRange.line, 4);
  // `error` alone implies a failing case; input and config default to {}.
  assert.deepEqual(second!.expect, { status: 'failed', error: '/bucket/' });
  assert.deepEqual(second!.input, {});
  assert.deepEqual(second!.config, {});
  assert.equal(second!.range.line, 11);
  assert.ok('output' in third!.expect);
  assert.equal(third!.expect.output, null);
});

test('unknown keys are reported at the key, with a did-you-mean', () => {
  const found = problems(
    ['plugin: ../index.ts', 'cases:', '  - name: a', '    comand: add', '    expect:', '      outptu: { sum: 3 }', 'casess: 1'].join('\n'),
  );
  assert.equal(found.length, 4);
  assert.match(found[0]!, /^3:5 sandbox\/missing-key "cases\[0\]" \(case "a"\) is missing the required key "command"/);
  assert.match(found[1]!, /^4:5 sandbox\/unknown-key unknown key "comand" .* Did you mean "command"\?/);
  assert.match(found[2]!, /^6:7 sandbox\/unknown-key unknown key "outptu" .* Did you mean "output"\?/);
  assert.match(
    found[3]!,
    /^7:1 sandbox\/unknown-key unknown key "casess" at the top level|^7:1 sandbox\/unknown-key unknown key "casess" in the top level/,
  );
});

test('missing plugin, cases, name and command', () => {
  assert.match(problems('cases: []\n').join('\n'), /1:1 sandbox\/missing-key the file is missing the required key "plugin"/);
  assert.match(problems('plugin: ../index.ts\n').join('\n'), /1:1 sandbox\/missing-key the file is missing the required key "cases"/);
  assert.match(problems('plugin: ../index.ts\ncases: []\n').join('\n'), /2:8 sandbox\/invalid-value "cases" is empty/);
  const found = problems(['plugin: ../index.ts', 'cases:', '  - command: add', '  - name: b'].join('\n'));
  assert.deepEqual(
    found.map((line) => line.split(' ').slice(0, 2).join(' ')),
    ['3:5 sandbox/missing-key', '4:5 sandbox/missing-key'],
  );
  assert.match(found[0]!, /missing the required key "name"/);
  assert.match(found[1]!, /\(case "b"\) is missing the required key "command"/);
});

test('bad status, wrong types, bad regexes, duplicate names, error on an ok case', () => {
  const found = problems(
    [
      'plugin: ../index.ts',
      'cases:',
      '  - name: a',
      '    command: add',
      '    state: [1]',
      '    expect:',
      '      status: okay',
      "      logs: [{ level: info, message: '/a(b/' }]",
      '  - name: a',
      '    command: add',
      "    expect: { status: failed, error: '/x[/' }",
      '  - name: c',
      '    command: add',
      '    expect: { status: ok, error: boom }',
    ].join('\n'),
  );
  assert.deepEqual(
    found.map((line) => line.split(' ').slice(0, 2).join(' ')),
    [
      '5:12 sandbox/invalid-value',
      '7:15 sandbox/invalid-value',
      '8:38 sandbox/bad-regex',
      '9:11 sandbox/duplicate-case',
      '11:38 sandbox/bad-regex',
      '14:34 sandbox/error-without-failure',
    ],
  );
  assert.match(found[0]!, /"cases\[0\].state" \(case "a"\) must be an object/);
  assert.match(found[1]!, /must be "ok" or "failed", not "okay"/);
  assert.match(found[2]!, /not a valid regular expression/);
  assert.match(found[3]!, /duplicate case name "a" \(first used at line 3\)/);
});

test('YAML syntax errors and duplicate keys have positions too', () => {
  assert.match(problems('plugin: ../index.ts\ncases:\n  - name: a\n    name: b\n    command: x\n').join('\n'), /^4:5 yaml\/duplicate-key/);
  const syntax = problems('plugin: ../index.ts\ncases:\n  - name: a\n    input: { a: [1, 2 }\n    command: x\n');
  assert.equal(syntax.length, 1, 'one error, not a cascade');
  assert.match(syntax[0]!, /^4:\d+ yaml\/syntax/);
  assert.equal(parseSandboxFile('', FILE).diagnostics[0]?.range?.line, 1);
});
