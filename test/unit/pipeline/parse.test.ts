import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline, nodeAtPath, rangeOf } from '../../../runtime/src/pipeline/parse';
import type { AetherDiagnostic } from '../../../runtime/src/model/diagnostics';

const FILE = '/ws/demo.pipeline.yaml';

/** 1-based line and column of the `nth` occurrence of `needle`. */
function position(text: string, needle: string, nth = 0): { line: number; column: number; start: number } {
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(needle, start + 1);
  assert.ok(start >= 0, `"${needle}" not in text`);
  const before = text.slice(0, start).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1, start };
}

function only(text: string, code: string): AetherDiagnostic {
  const found = parsePipeline(text, FILE).diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(parsePipeline(text, FILE).diagnostics, null, 1)}`);
  return found[0]!;
}

/** Asserts that the diagnostic underlines exactly `needle` (its nth occurrence). */
function assertAt(text: string, diagnostic: AetherDiagnostic, needle: string, nth = 0): void {
  const where = position(text, needle, nth);
  assert.ok(diagnostic.range, 'has a range');
  assert.equal(diagnostic.range.line, where.line, 'line');
  assert.equal(diagnostic.range.column, where.column, 'column');
  assert.equal(text.slice(diagnostic.range.start, diagnostic.range.end), needle);
  assert.equal(diagnostic.file, FILE);
}

const VALID = `name: nightly-report
description: Builds and ships the nightly report
runtime: ^1.0.0
plugins:
  s3-upload:
    bucket: reports
  bundler:
settings:
  timeout: 5s
  memory: 1GB
  concurrency: 2
env:
  REGION: eu-west-1
  RETRIES: 3
  DRY: false
steps:
  - id: build
    run: bundle
    with: { entry: src/main.ts }
  - id: upload
    name: Upload it
    run: s3-upload/upload
    needs: build
    with:
      file: \${{ steps.build.output.path }}
      region: \${{ env.REGION }}
    timeout: 1.5m
    continue-on-error: true
`;

test('a valid pipeline converts to the model', () => {
  const parsed = parsePipeline(VALID, FILE);
  assert.deepEqual(parsed.diagnostics, []);
  const pipeline = parsed.pipeline;
  assert.ok(pipeline);
  assert.equal(pipeline.file, FILE);
  assert.equal(pipeline.name, 'nightly-report');
  assert.equal(pipeline.description, 'Builds and ships the nightly report');
  assert.equal(pipeline.runtime, '^1.0.0');
  assert.deepEqual(pipeline.plugins, { 's3-upload': { bucket: 'reports' }, bundler: {} });
  assert.deepEqual(pipeline.settings, { timeoutMs: 5000, heapMb: 1024, concurrency: 2 });
  assert.deepEqual(pipeline.env, { REGION: 'eu-west-1', RETRIES: '3', DRY: 'false' });
  const [build, upload] = pipeline.steps;
  assert.ok(build && upload);
  assert.deepEqual(
    { id: build.id, run: build.run, with: build.with, needs: build.needs, continueOnError: build.continueOnError, index: build.index },
    { id: 'build', run: 'bundle', with: { entry: 'src/main.ts' }, needs: [], continueOnError: false, index: 0 },
  );
  assert.equal(build.timeoutMs, undefined);
  assert.equal(upload.name, 'Upload it');
  assert.deepEqual(upload.needs, ['build']);
  assert.equal(upload.timeoutMs, 90_000);
  assert.equal(upload.continueOnError, true);
  assert.deepEqual(upload.with, { file: '${{ steps.build.output.path }}', region: '${{ env.REGION }}' });
  assert.equal(upload.index, 1);
  assert.deepEqual({ line: upload.idRange?.line, column: upload.idRange?.column }, { line: position(VALID, 'upload\n').line, column: 9 });
  assert.equal(VALID.slice(upload.range!.start, upload.range!.end).split('\n')[0], 'id: upload');
  assert.equal(upload.range?.column, 5);
});

test('concurrency defaults to 1 and optional parts stay absent', () => {
  const parsed = parsePipeline('name: x\nsteps:\n  - id: a\n    run: b\n', FILE);
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(parsed.pipeline?.settings, { concurrency: 1 });
  assert.deepEqual(parsed.pipeline?.env, {});
  assert.deepEqual(parsed.pipeline?.plugins, {});
  assert.equal('description' in parsed.pipeline!, false);
});

test('yaml/syntax keeps the parser position and leaves no pipeline', () => {
  const text = 'name: x\nsteps: [\n  - id: a\n';
  const parsed = parsePipeline(text, FILE);
  assert.equal(parsed.pipeline, undefined);
  const syntax = parsed.diagnostics.filter((d) => d.code === 'yaml/syntax');
  assert.ok(syntax.length >= 1);
  assert.equal(syntax[0]!.severity, 'error');
  assert.match(syntax[0]!.message, /^YAML syntax error: /);
  assert.ok(syntax[0]!.range!.line >= 2);
  // No schema noise on top of a broken document.
  assert.equal(
    parsed.diagnostics.some((d) => d.code.startsWith('pipeline/')),
    false,
  );
});

test('yaml/syntax for a second document', () => {
  const text = 'name: x\nsteps:\n  - id: a\n    run: b\n---\nname: y\n';
  const diagnostic = only(text, 'yaml/syntax');
  assert.match(diagnostic.message, /one YAML document/);
  assert.equal(diagnostic.range?.line, 5);
});

test('yaml/duplicate-key points at the second key and names the first line', () => {
  const text = 'name: x\nsteps:\n  - id: a\n    run: b\n    run: c\n';
  const diagnostic = only(text, 'yaml/duplicate-key');
  assertAt(text, diagnostic, 'run', 1);
  assert.match(diagnostic.message, /Duplicate key "run" \(first set at line 4\)/);
  assert.equal(parsePipeline(text, FILE).pipeline, undefined);
});

test('an alias bomb is reported quickly as yaml/syntax', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'bcdefghijklm';
  for (let i = 0; i < names.length; i++) {
    const previous = i === 0 ? 'a' : names[i - 1];
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  const text = `${lines.join('\n')}\n`;
  const started = Date.now();
  const parsed = parsePipeline(text, FILE);
  assert.ok(Date.now() - started < 1000, 'fast');
  const diagnostic = parsed.diagnostics.find((d) => d.code === 'yaml/syntax');
  assert.ok(diagnostic);
  assert.match(diagnostic.message, /aliases/);
  assert.equal(diagnostic.range?.line, 2);
  assert.equal(parsed.pipeline, undefined);
});

test('a few ordinary aliases are fine', () => {
  const text = 'name: x\nsteps:\n  - id: a\n    run: b\n    with: &w { k: 1 }\n  - id: c\n    run: d\n    with: *w\n';
  const parsed = parsePipeline(text, FILE);
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(parsed.pipeline?.steps[1]?.with, { k: 1 });
});

test('pipeline/unknown-key underlines the key and suggests the closest name', () => {
  const text = 'name: x\nsteps:\n  - id: deploy\n    run: up\n    nedds: [a]\n';
  const diagnostic = only(text, 'pipeline/unknown-key');
  assert.equal(diagnostic.message, 'Unknown key "nedds" in step "deploy". Did you mean "needs"?');
  assertAt(text, diagnostic, 'nedds');
  assert.equal(diagnostic.severity, 'error');
});

test('pipeline/unknown-key at the top level and in settings; lists keys when nothing is close', () => {
  const text = 'name: x\nstesp: []\nsettings:\n  paralel: 2\n  zzzzzz: 1\nsteps:\n  - id: a\n    run: b\n';
  const diagnostics = parsePipeline(text, FILE).diagnostics.filter((d) => d.code === 'pipeline/unknown-key');
  assert.equal(diagnostics.length, 3);
  assert.equal(diagnostics[0]!.message, 'Unknown key "stesp" at the top level of the pipeline. Did you mean "steps"?');
  assertAt(text, diagnostics[0]!, 'stesp');
  assert.match(diagnostics[1]!.message, /^Unknown key "paralel" in settings\. Allowed keys: timeout, memory, concurrency\.$/);
  assertAt(text, diagnostics[1]!, 'paralel');
  assert.match(diagnostics[2]!.message, /"zzzzzz" in settings/);
});

test('pipeline/missing-key names the key and the step', () => {
  const text = 'name: x\nsteps:\n  - id: build\n    with: {}\n';
  const diagnostic = only(text, 'pipeline/missing-key');
  assert.match(diagnostic.message, /^Missing required key "run" in step "build"/);
  assert.match(diagnostic.message, /plugin-name\/command/);
  assertAt(text, diagnostic, 'id');
  const top = only('steps:\n  - id: a\n    run: b\n', 'pipeline/missing-key');
  assert.match(top.message, /^Missing required key "name" at the top level/);
  assert.deepEqual([top.range?.line, top.range?.column], [1, 1]);
});

test('pipeline/invalid-value: durations, memory, concurrency, step id', () => {
  const text = [
    'name: x',
    'settings:',
    '  timeout: 5 secs',
    '  memory: 8',
    '  concurrency: 0',
    'steps:',
    '  - id: Build',
    '    run: b',
    '    timeout: fast',
    '',
  ].join('\n');
  const diagnostics = parsePipeline(text, FILE).diagnostics.filter((d) => d.code === 'pipeline/invalid-value');
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [
      'Invalid timeout "5 secs": use a number of ms or 500ms, 5s, 1m',
      'Invalid memory 8: use a number of MB (at least 16) or 128MB, 1GB',
      'Invalid concurrency 0: use a whole number from 1 to 64',
      'Invalid step id "Build": use lowercase letters, digits, _ and - (e.g. "build-app")',
      'Invalid timeout "fast": use a number of ms or 500ms, 5s, 1m',
    ],
  );
  assertAt(text, diagnostics[0]!, '5 secs');
  assertAt(text, diagnostics[1]!, '8');
  assertAt(text, diagnostics[2]!, '0');
  assertAt(text, diagnostics[3]!, 'Build');
  assertAt(text, diagnostics[4]!, 'fast');
});

test('anyOf noise collapses into one message per location', () => {
  const text =
    'name: x\nsteps:\n  - id: a\n    run: b\n  - id: c\n    run: d\n    needs: [a, a]\n  - id: e\n    run: f\n    needs: { a: 1 }\n';
  const diagnostics = parsePipeline(text, FILE).diagnostics.filter((d) => d.code.startsWith('pipeline/'));
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    ['"needs" in step "c" lists "a" more than once: remove the repeat', 'Invalid needs {"a":1}: use a step id or a list of step ids'],
  );
  assertAt(text, diagnostics[1]!, '{ a: 1 }');
});

test('pipeline/invalid-value for types, names the key and expected form', () => {
  const text = 'name: [x]\nenv:\n  bad name: 1\n  OK: [1]\nsteps:\n  - id: a\n    run: b\n    continue-on-error: yes please\n  - 42\n';
  const diagnostics = parsePipeline(text, FILE).diagnostics.filter((d) => d.code === 'pipeline/invalid-value');
  const messages = diagnostics.map((d) => d.message);
  assert.ok(messages.includes('Invalid "name": expected a string, got a list ["x"]'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('Invalid name "bad name" in env')));
  assert.ok(messages.some((m) => m.startsWith('Invalid "OK" in env: expected a string or a number or true or false')));
  assert.ok(messages.includes('Invalid "continue-on-error" in step "a": expected true or false, got a string "yes please"'));
  assert.ok(messages.includes('Step #2 must be a mapping with at least "id" and "run", got an integer'));
  assertAt(
    text,
    diagnostics.find((d) => d.message.startsWith('Invalid name'))!,
    'bad name',
  );
});

test('empty steps and an empty file', () => {
  assert.match(only('name: x\nsteps: []\n', 'pipeline/invalid-value').message, /"steps" is empty/);
  const empty = parsePipeline('', FILE);
  assert.equal(empty.pipeline, undefined);
  assert.equal(empty.diagnostics.length, 1);
  assert.match(empty.diagnostics[0]!.message, /A pipeline is a YAML mapping/);
});

test('runtime must be a semver range: pipeline/runtime-range, as in a run and the editor', () => {
  const text = 'name: x\nruntime: not-a-range\nsteps:\n  - id: a\n    run: b\n';
  const diagnostic = only(text, 'pipeline/runtime-range');
  assert.match(diagnostic.message, /Invalid runtime range "not-a-range"/);
  assertAt(text, diagnostic, 'not-a-range');
});

test('line and column come from the text, also after a document-level YAML error', () => {
  // The parser's own line counting missed the line break after `@x`: the second error was a line early.
  const text = '- a\n@x\n  x: 1\n';
  for (const diagnostic of parsePipeline(text, FILE).diagnostics) {
    const before = text.slice(0, diagnostic.range!.start);
    assert.equal(diagnostic.range!.line, before.split('\n').length, diagnostic.message);
    assert.equal(diagnostic.range!.column, before.length - before.lastIndexOf('\n'), diagnostic.message);
  }
});

test('pipeline/duplicate-step-id points at the second id and names the first line', () => {
  const text = 'name: x\nsteps:\n  - id: build\n    run: a\n  - id: build\n    run: b\n';
  const diagnostic = only(text, 'pipeline/duplicate-step-id');
  assertAt(text, diagnostic, 'build', 1);
  assert.match(diagnostic.message, /Duplicate step id "build": the step at line 3 already uses it/);
});

test('pipeline/unknown-need suggests the closest step', () => {
  const text = 'name: x\nsteps:\n  - id: build\n    run: a\n  - id: deploy\n    run: b\n    needs: [buld]\n';
  const diagnostic = only(text, 'pipeline/unknown-need');
  assert.equal(diagnostic.message, 'Step "deploy" needs "buld", which is not a step in this pipeline. Did you mean "build"?');
  assertAt(text, diagnostic, 'buld');
  const single = only('name: x\nsteps:\n  - id: a\n    run: b\n    needs: zzz\n', 'pipeline/unknown-need');
  assert.match(single.message, /Steps: a\.$/);
});

test('pipeline/self-need', () => {
  const text = 'name: x\nsteps:\n  - id: loop\n    run: a\n    needs: loop\n';
  const diagnostic = only(text, 'pipeline/self-need');
  assert.equal(diagnostic.message, 'Step "loop" needs itself: remove "loop" from its needs');
  assertAt(text, diagnostic, 'loop', 1);
  assert.equal(
    parsePipeline(text, FILE).diagnostics.some((d) => d.code === 'pipeline/need-cycle'),
    false,
  );
});

test('pipeline/need-cycle shows the full path', () => {
  const text =
    'name: x\nsteps:\n  - id: a\n    run: x\n    needs: [c]\n  - id: b\n    run: x\n    needs: [a]\n  - id: c\n    run: x\n    needs: b\n';
  const diagnostic = only(text, 'pipeline/need-cycle');
  assert.match(diagnostic.message, /a -> c -> b -> a/);
  assertAt(text, diagnostic, 'c');
});

const EXPR_BASE = 'name: x\nenv:\n  REGION: eu\nsteps:\n  - id: build\n    run: a\n  - id: test\n    run: b\n    needs: build\n';

test('expression/syntax points at the expression inside a plain scalar', () => {
  const text = `${EXPR_BASE}  - id: deploy\n    run: c\n    needs: test\n    with:\n      file: see \${{ foo.bar }} now\n`;
  const diagnostic = only(text, 'expression/syntax');
  assert.match(diagnostic.message, /Unknown root "foo"/);
  assertAt(text, diagnostic, '${{ foo.bar }}');
});

test('expression/unknown-step with did-you-mean', () => {
  const text = `${EXPR_BASE}  - id: deploy\n    run: c\n    needs: test\n    with:\n      nested:\n        - x: "\${{ steps.biuld.output.path }}"\n`;
  const diagnostic = only(text, 'expression/unknown-step');
  assert.equal(diagnostic.message, 'Unknown step "biuld" in steps.biuld.output: no step has this id. Did you mean "build"?');
  assertAt(text, diagnostic, '${{ steps.biuld.output.path }}');
});

test('expression/not-upstream, while transitive needs are fine', () => {
  const ok = `${EXPR_BASE}  - id: deploy\n    run: c\n    needs: test\n    with: { f: "\${{ steps.build.output }}" }\n`;
  assert.deepEqual(parsePipeline(ok, FILE).diagnostics, []);
  const text = `${EXPR_BASE}  - id: deploy\n    run: c\n    with:\n      f: \${{ steps.build.output.path }}\n`;
  const diagnostic = only(text, 'expression/not-upstream');
  assert.equal(diagnostic.message, 'step "deploy" uses steps.build.output but does not need "build": add it to needs');
  assertAt(text, diagnostic, '${{ steps.build.output.path }}');
  const self = only(`${EXPR_BASE}  - id: deploy\n    run: c\n    with: { f: "\${{ steps.deploy.output }}" }\n`, 'expression/not-upstream');
  assert.match(self.message, /uses its own output/);
});

test('expression/unknown-env is a warning and keeps the pipeline', () => {
  const text = `${EXPR_BASE}    with:\n      r: '\${{ env.REGION }}-\${{ env.ZONE }}'\n`;
  const parsed = parsePipeline(text, FILE);
  const diagnostic = only(text, 'expression/unknown-env');
  assert.equal(diagnostic.severity, 'warning');
  assert.match(diagnostic.message, /env\.ZONE is not declared under env:/);
  assertAt(text, diagnostic, '${{ env.ZONE }}');
  assert.ok(parsed.pipeline, 'warnings do not block the model');
});

test('expression positions in single-quoted, double-quoted with escapes, and block scalars', () => {
  const cases: [string, string][] = [
    [`'it''s \${{ foo }}'`, '${{ foo }}'],
    [`"tab\\there \${{ foo }}"`, '${{ foo }}'],
    [`"\\u00e9 \${{ foo }}"`, '${{ foo }}'],
    [`|\n        first line\n        then \${{ foo }} here\n`, '${{ foo }}'],
    [`>\n        folded line\n        then \${{ foo }} here\n`, '${{ foo }}'],
    [`plain start\n        continued \${{ foo }}`, '${{ foo }}'],
  ];
  for (const [scalar, needle] of cases) {
    const text = `name: x\nsteps:\n  - id: a\n    run: b\n    with:\n      v: ${scalar}\n`;
    const diagnostic = only(text, 'expression/syntax');
    assertAt(text, diagnostic, needle);
  }
});

test('an expression reached through an alias is reported on the alias', () => {
  const text = 'name: x\nx-anchor: &bad "${{ nope }}"\nsteps:\n  - id: a\n    run: b\n    with: { v: *bad }\n';
  const diagnostic = parsePipeline(text, FILE).diagnostics.find((d) => d.code === 'expression/syntax');
  assert.ok(diagnostic);
  assertAt(text, diagnostic, '*bad');
});

test('diagnostics come in file order', () => {
  const text = 'name: x\nsteps:\n  - id: a\n    run: b\n    nedds: [a]\n  - id: a\n    run: c\n    timeout: soon\n';
  const starts = parsePipeline(text, FILE).diagnostics.map((d) => d.range!.start);
  assert.deepEqual(
    starts,
    [...starts].sort((x, y) => x - y),
  );
  assert.equal(starts.length, 3);
});

test('nodeAtPath and rangeOf', () => {
  const parsed = parsePipeline(VALID, FILE);
  const node = nodeAtPath(parsed.document, ['steps', 1, 'with', 'region']);
  assert.ok(node?.range);
  const range = rangeOf(parsed, node.range[0], node.range[1]);
  assert.equal(VALID.slice(range.start, range.end), '${{ env.REGION }}');
  assert.deepEqual([range.line, range.column], [position(VALID, '${{ env.REGION').line, 15]);
  assert.equal(nodeAtPath(parsed.document, ['steps', 9]), undefined);
  assert.equal(nodeAtPath(parsed.document, ['name', 'x']), undefined);
  const clamped = rangeOf(parsed, -5, 10_000);
  assert.deepEqual([clamped.start, clamped.end, clamped.line, clamped.column], [0, VALID.length, 1, 1]);
});
