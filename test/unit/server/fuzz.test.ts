// Property test: mutated pipelines and plugin sources never make the service throw, every range stays
// inside the document, and each document takes bounded time. 5,000 of each per run (issue 5 asks for
// 10,000 per CI run), cheap mutations so the whole fuzz stays well under a minute on two cores;
// AETHER_FUZZ_RUNS changes the count per kind.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { validatePluginSource } from '../../../runtime/src/workspace/pluginSource';
import { memoryIndex, PLUGINS } from './helpers';

const RUNS = Number(process.env.AETHER_FUZZ_RUNS ?? 5000);
/** Per document, every feature together; generous, for a loaded CI machine (a document takes ~1 ms). */
const MAX_MS_PER_DOCUMENT = 1000;
const SEED_PIPELINE =
  'name: nightly\nplugins:\n  s3-upload:\n    bucket: reports\nsteps:\n  - id: build\n    run: bundle\n    with: { entry: src/main.ts }\n  - id: upload\n    run: s3-upload/upload\n    needs: [build]\n    with:\n      file: ${{ steps.build.output.path }}\n';
const PIECES = [
  '\n',
  ' ',
  '  ',
  '- ',
  ':',
  '[',
  ']',
  '{',
  '}',
  '${{',
  '}}',
  '&a',
  '*a',
  '#',
  '"',
  "'",
  'needs: [',
  'run: ',
  'id: ',
  'steps.',
  '\t',
  '|',
  '>',
  '---',
];

const mutation = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }))), {
  minLength: 1,
  maxLength: 6,
});
function mutate(text: string, edits: Array<[number, number, string]>): string {
  let out = text;
  for (const [at, length, insert] of edits) {
    const start = at % (out.length + 1);
    out = out.slice(0, start) + insert + out.slice(start + (length % 5));
  }
  return out;
}

describe('service robustness', () => {
  it('never throws on mutated pipelines; ranges stay inside the document', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    let version = 0;
    await fc.assert(
      fc.asyncProperty(mutation, fc.nat(), async (edits, caretSeed) => {
        const started = performance.now();
        const text = mutate(SEED_PIPELINE, edits);
        const document = TextDocument.create('file:///ws/f.pipeline.yaml', 'yaml', ++version, text);
        const end = document.positionAt(text.length);
        const inside = (r: { start: { line: number }; end: { line: number } }) => r.start.line <= end.line && r.end.line <= end.line;
        for (const d of service.doValidation(document)) assert.ok(inside(d.range));
        const position = document.positionAt(caretSeed % (text.length + 1));
        service.doComplete(document, position);
        service.doHover(document, position);
        service.findDefinition(document, position);
        service.findReferences(document, position);
        service.findDocumentSymbols(document);
        service.getFoldingRanges(document);
        service.doRename(document, position, 'renamed');
        service.getCodeActions(document, { start: position, end: position }, service.doValidation(document));
        const elapsed = performance.now() - started;
        assert.ok(elapsed < MAX_MS_PER_DOCUMENT, `${elapsed.toFixed(0)} ms for one document:\n${text}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on mutated plugin sources', () => {
    fc.assert(
      fc.property(mutation, (edits) => {
        const started = performance.now();
        const text = mutate(PLUGINS['s3-upload']!, edits);
        const info = validatePluginSource(text, '/ws/plugins/x/index.ts');
        for (const d of info.diagnostics) assert.ok(d.range && d.range.start >= 0 && d.range.end <= text.length, d.code);
        assert.ok(performance.now() - started < MAX_MS_PER_DOCUMENT, text);
      }),
      { numRuns: RUNS },
    );
  });
});
