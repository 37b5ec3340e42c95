// YAML mistakes get one clear message each, where they are: unknown aliases by name, a value that
// contains itself, duplicate keys (found without the library's quadratic check), and no Node warning
// printed to stderr (which the CLI and the editor's log would show).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parsePipeline } from '../../../runtime/src/pipeline';

const FILE = 'x.pipeline.yaml';

describe('YAML errors', () => {
  it('an undefined alias is an unknown alias, named, on the alias', () => {
    const text = 'name: x\nsteps:\n  - id: a\n    run: b\n    with: { v: *nope }\n';
    const diagnostics = parsePipeline(text, FILE).diagnostics;
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [diagnostic] = diagnostics;
    assert.equal(diagnostic!.code, 'yaml/syntax');
    assert.match(diagnostic!.message, /^Unknown alias \*nope: no anchor &nope is set before it/);
    assert.doesNotMatch(diagnostic!.message, /expands too far/);
    assert.equal(text.slice(diagnostic!.range!.start, diagnostic!.range!.end), '*nope');
  });

  it('an alias used before its anchor is unknown there', () => {
    const text = 'name: x\nenv: { A: *later, B: &later v }\nsteps:\n  - id: a\n    run: b\n';
    const [diagnostic] = parsePipeline(text, FILE).diagnostics;
    assert.match(diagnostic?.message ?? '', /^Unknown alias \*later/);
  });

  it('aliases resolve to the last anchor of their name before them', () => {
    const text = 'name: x\nenv: { A: &v one, B: *v, C: &v two, D: *v }\nsteps:\n  - id: a\n    run: b\n';
    const parsed = parsePipeline(text, FILE);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.pipeline?.env, { A: 'one', B: 'one', C: 'two', D: 'two' });
  });

  it('a value that contains itself is an error on the alias', () => {
    const text = 'name: x\nenv: &e { A: *e }\nsteps:\n  - id: a\n    run: b\n';
    const [diagnostic] = parsePipeline(text, FILE).diagnostics;
    assert.equal(diagnostic?.code, 'yaml/syntax');
    assert.match(diagnostic!.message, /\*e is inside the value it refers to/);
    assert.equal(text.slice(diagnostic!.range!.start, diagnostic!.range!.end), '*e');
  });

  it('duplicate keys, block and flow, each named with the line of the first', () => {
    const text = 'name: x\nenv:\n  A: 1\n  B: 2\n  A: 3\n  A: 4\nsteps:\n  - id: a\n    run: b\n    with: { k: 1, k: 2 }\n';
    const diagnostics = parsePipeline(text, FILE).diagnostics;
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range?.line, d.message.replace(/: a mapping.*/, '')]),
      [
        ['yaml/duplicate-key', 5, 'Duplicate key "A" (first set at line 3)'],
        ['yaml/duplicate-key', 6, 'Duplicate key "A" (first set at line 3)'],
        ['yaml/duplicate-key', 10, 'Duplicate key "k" (first set at line 10)'],
      ],
    );
    // Keys compare by value: the number 1 and the string "1" are two keys.
    const typed = parsePipeline('name: x\nenv: { 1: a, "1": b }\nsteps:\n  - id: a\n    run: b\n', FILE).diagnostics;
    assert.equal(typed.filter((d) => d.code === 'yaml/duplicate-key').length, 0);
  });

  it('a collection as a key: no warning on stderr, the key reported by the schema', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const text = 'name: x\n? [a]\n: 1\nsteps:\n  - id: a\n    run: b\n';
    const diagnostics = parsePipeline(text, FILE).diagnostics;
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['pipeline/unknown-key'],
    );
    // process.emitWarning delivers on a later tick.
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
    process.off('warning', onWarning);
    assert.deepEqual(warnings, []);
  });
});
