// Property tests: whatever text arrives (the editor sends every keystroke), parsing never throws and
// every range stays inside the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePipeline } from '../../../runtime/src/pipeline/parse';
import { parseTemplate, resolveValue } from '../../../runtime/src/pipeline/expressions';

/** Text built from pipeline-ish fragments, so the parser gets past YAML syntax often. */
const pipelineish = fc
  .array(
    fc.constantFrom(
      'name: x\n',
      'steps:\n',
      '  - id: a\n',
      '  - id: b\n',
      '    run: c\n',
      '    needs: [a]\n',
      '    needs: b\n',
      '    with:\n',
      '      v: ${{ steps.a.output.x }}\n',
      "      w: '${{ env.Z }}'\n",
      '      q: "${{ foo"\n',
      '    timeout: 5s\n',
      'settings: { memory: 1GB }\n',
      'env:\n  Z: 1\n',
      '&a x: *a\n',
      '---\n',
      '    ',
      '- ',
      ': ',
      '"',
      "'",
      '${{',
      '}}',
      '|\n',
      '>\n',
      '#c\n',
      '[',
      ']',
      '{',
      '}',
      '\t',
      '\r\n',
      'é',
      '😀',
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

function assertRangesInside(text: string): void {
  const parsed = parsePipeline(text, 'p.yaml');
  for (const diagnostic of parsed.diagnostics) {
    assert.ok(diagnostic.code && diagnostic.message, 'has code and message');
    const range = diagnostic.range;
    assert.ok(range, `${diagnostic.code} has a range`);
    assert.ok(range.start >= 0 && range.start <= range.end && range.end <= text.length, `${diagnostic.code} range inside`);
    assert.ok(range.line >= 1 && range.column >= 1);
  }
}

test('parsePipeline never throws on arbitrary text and keeps ranges inside it', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), assertRangesInside), { numRuns: 300 });
});

test('parsePipeline never throws on pipeline-like text and keeps ranges inside it', () => {
  fc.assert(fc.property(pipelineish, assertRangesInside), { numRuns: 500 });
});

test('parseTemplate never throws; error offsets are inside; parts rebuild the text', () => {
  const template = fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('${{', '}}', ' steps.a.output', '.x', '[0]', "['k']", 'env.A', 'state.s', '"', "'"),
      ),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join(''));
  fc.assert(
    fc.property(template, (text) => {
      const { parts, errors } = parseTemplate(text);
      for (const error of errors) assert.ok(error.start >= 0 && error.start <= error.end && error.end <= text.length);
      const rebuilt = parts.map((part) => ('literal' in part ? part.literal : text.slice(part.expr.start, part.expr.end))).join('');
      assert.equal(rebuilt, text);
      if (errors.length === 0) resolveValue(text, { steps: {}, state: () => undefined, env: {} });
    }),
    { numRuns: 1000 },
  );
});
