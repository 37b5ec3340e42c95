// A YAML mistake is reported once, where it is (issue 11): the first error of each cascade is kept,
// those that follow from it up to the next top-level key are dropped; unclosed quotes and flow
// collections are reported on the character that opened them. One case per kind of mistake, each
// followed by many well-formed steps (which the parser used to report once per token).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parsePipeline } from '../../../runtime/src/pipeline';
import type { AetherDiagnostic } from '../../../runtime/src/model/diagnostics';

const FILE = 'x.pipeline.yaml';
const STEPS = Array.from({ length: 40 }, (_, i) => `  - id: s${i}\n    run: echo\n    with:\n      message: hi ${i}\n`).join('');

function syntaxErrors(text: string): AetherDiagnostic[] {
  return parsePipeline(text, FILE).diagnostics.filter((d) => d.code === 'yaml/syntax');
}

/** The one syntax error of `text`, and the text its range covers. */
function onlyError(text: string): { diagnostic: AetherDiagnostic; covers: string } {
  const errors = syntaxErrors(text);
  assert.equal(errors.length, 1, errors.map((d) => `${d.range?.line}:${d.range?.column} ${d.message}`).join('\n'));
  const diagnostic = errors[0]!;
  return { diagnostic, covers: text.slice(diagnostic.range!.start, diagnostic.range!.end) };
}

describe('a YAML mistake is reported once, where it is', () => {
  it('a comment that lost its "#", between steps: one error on that line, with a hint', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: echo\n  the steps below deploy it\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(diagnostic.range?.line, 5);
    assert.equal(covers, 'the steps below deploy it', 'the range stays on the line at fault');
    assert.match(diagnostic.message, /if it is a comment, start it with "#"/);
  });

  it('a comment that lost its "#", as the first line of the steps: one error', () => {
    const text = `name: x\nsteps:\n  build everything first\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(diagnostic.range?.line, 3);
    assert.equal(covers, 'build everything first');
  });

  it('a comment that lost its "#", with a colon in it: one error', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: echo\n  note: the next step, then: deploy\n${STEPS}`;
    const { diagnostic } = onlyError(text);
    assert.equal(diagnostic.range?.line, 5);
  });

  it('an unclosed double quote: one error, on the quote', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: "echo\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(covers, '"');
    assert.equal(diagnostic.range?.line, 4);
    assert.match(diagnostic.message, /Missing closing "quote: the string opened here with " is never closed; end it with "/);
  });

  it('an unclosed single quote: one error, on the quote', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: 'echo\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(covers, "'");
    assert.equal(diagnostic.range?.line, 4);
  });

  it('an unclosed flow sequence: one error, on its "["', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: echo\n    needs: [b, c\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(covers, '[');
    assert.equal(diagnostic.range?.line, 5);
    assert.match(diagnostic.message, /the \[ here is never closed; end it with \]/);
  });

  it('an unclosed flow mapping: one error, on its "{"', () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: echo\n    with: { message: hi\n${STEPS}`;
    const { diagnostic, covers } = onlyError(text);
    assert.equal(covers, '{');
    assert.match(diagnostic.message, /the \{ here is never closed; end it with \}/);
  });

  it('a tab as indentation: one error, on the tab', () => {
    const text = `name: x\nsteps:\n  - id: a\n\trun: echo\n${STEPS}`;
    const { covers } = onlyError(text);
    assert.equal(covers, '\t');
  });

  it('a line indented one space too far: one error', () => {
    const text = `name: x\nsteps:\n  - id: a\n     run: echo\n${STEPS}`;
    assert.equal(syntaxErrors(text).length, 1);
  });

  it('a stray closing bracket: one error, not one per top-level key after it', () => {
    const text = `name: [x]]\nenv:\n  A: "1"\nsteps:\n${STEPS}`;
    const { covers } = onlyError(text);
    assert.equal(covers, ']');
  });

  it('mistakes in two top-level sections are two errors: each section is a fresh start', () => {
    const text = `name: x\nenv:\n  A: b: c\nsteps:\n  - id: a\n    run: echo\n  deploy it all\n${STEPS}`;
    const errors = syntaxErrors(text);
    assert.deepEqual(
      errors.map((d) => d.range?.line),
      [3, 7],
      errors.map((d) => d.message).join('\n'),
    );
  });

  it("duplicate keys after a cascade's first error are still reported (they are mistakes of their own)", () => {
    const text = `name: x\nsteps:\n  - id: a\n    run: echo\n    TODO fix this\n  - id: b\n    run: x\n    run: y\n`;
    const codes = parsePipeline(text, FILE).diagnostics.map((d) => d.code);
    assert.deepEqual(codes, ['yaml/syntax', 'yaml/duplicate-key']);
  });

  it('a broken line in a 1,000-step file: a handful of errors, not thousands', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => `  - id: s${i}\n    run: echo\n    with: { message: "m${i}", n: ${i} }\n`);
    steps[10] = '  - id: s10\n    run: echo\n    with: { message: "m10, n: 10 }\n';
    const errors = syntaxErrors(`name: x\nsteps:\n${steps.join('')}`);
    assert.ok(errors.length <= 3, `${errors.length} errors`);
    assert.ok((errors[0]?.range?.line ?? 0) >= 32, 'the first is at the broken step, not before');
  });
});
