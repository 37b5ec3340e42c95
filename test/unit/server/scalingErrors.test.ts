// More families that grow superlinearly unless a bound is kept (issue 11), through the language service
// at N and 4N in this process; a linear check takes about 4x as long, a quadratic one 16x. The ratio is
// asserted (best of a few runs, as test/unit/pipeline/pathologicalPipelines.ts measures), never a time.
// Each family is a file full of one kind of mistake: what a user meets half-way through an edit.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { assertLinear } from '../pipeline/pathologicalPipelines';
import { memoryIndex, PLUGINS } from './helpers';

const steps = (n: number, body: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => `  - id: step-${i}\n    run: bundle\n${body(i)}`).join('');

const FAMILIES: Array<{ name: string; family: (n: number) => string; n: number; expect: (codes: string[]) => void }> = [
  {
    // Each unknown need was compared with every step id for a "did you mean", and listed them all.
    name: 'every step needing an unknown step',
    family: (n) => `name: x\nsteps:\n${steps(n, (i) => `    needs: [stop-${i}x]\n`)}`,
    n: 400,
    expect: (codes) => assert.ok(codes.filter((c) => c === 'pipeline/unknown-need').length >= 400),
  },
  {
    name: 'every step reading an unknown step',
    family: (n) => `name: x\nsteps:\n${steps(n, (i) => `    with: { entry: "\${{ steps.stp-${i}x.output }}" }\n`)}`,
    n: 400,
    expect: (codes) => assert.ok(codes.filter((c) => c === 'expression/unknown-step').length >= 400),
  },
  {
    // Unclosed quotes were each placed by a walk of the whole tree.
    name: 'every step with an unclosed quote',
    family: (n) => `name: x\nsteps:\n${steps(n, () => '    with: { entry: "a }\n')}`,
    n: 400,
    expect: (codes) => assert.ok(codes.includes('yaml/syntax')),
  },
  {
    name: 'a broken line before many steps (one cascade)',
    family: (n) => `name: x\nsteps:\n  oops, a line of text\n${steps(n, (i) => `    with: { entry: "e${i}" }\n`)}`,
    n: 1000,
    expect: (codes) => assert.equal(codes.filter((c) => c === 'yaml/syntax').length, 1),
  },
  {
    name: 'every step with the same id',
    family: (n) => `name: x\nsteps:\n${Array.from({ length: n }, () => '  - id: same\n    run: bundle\n').join('')}`,
    n: 1000,
    expect: (codes) => assert.ok(codes.filter((c) => c === 'pipeline/duplicate-step-id').length >= 500),
  },
  {
    name: 'nesting far past the limit',
    family: (n) => `name: deep\nsteps:\n  - id: a\n    run: bundle\n    with: { entry: ${'['.repeat(n)}${']'.repeat(n)} }\n`,
    n: 5000,
    expect: (codes) => assert.deepEqual(codes, ['yaml/syntax']),
  },
  {
    name: 'many expressions in one value',
    family: (n) =>
      `name: x\nenv:\n  A: a\nsteps:\n  - id: a\n    run: bundle\n    with: { entry: "${'${{ env.A }}-${{ env.B }} '.repeat(n)}" }\n`,
    n: 1000,
    expect: (codes) => assert.ok(codes.filter((c) => c === 'expression/unknown-env').length >= 500),
  },
];

describe('the language service stays linear on files full of mistakes', () => {
  for (const { name, family, n, expect } of FAMILIES) {
    it(name, async () => {
      const { index } = await memoryIndex(PLUGINS);
      const service = getLanguageService({ getIndex: () => index, incremental: false });
      let version = 0;
      const check = (text: string) => service.doValidation(TextDocument.create('file:///ws/scale.pipeline.yaml', 'yaml', ++version, text));
      expect(check(family(n)).map((d) => String(d.code)));
      assertLinear(name, family, n, check);
    });
  }
});
