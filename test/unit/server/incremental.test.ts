// Property test: validating a pipeline edit by edit incrementally (only the edited step re-parsed)
// gives exactly the diagnostics of a full re-parse of each version, whatever the edits; and the
// features that read the tree (symbols, folding) agree too. The same holds when an edit arrives as a
// full-text change (legal under incremental sync, and all that some clients send): the new text is
// diffed against the old to find the edited step.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { incrementalState, layoutOf, updateIncrementally } from '../../../server/src/service/incrementalPipeline';
import { analysePipeline } from '../../../server/src/service/pipelineDocument';
import { memoryIndex, PLUGINS } from './helpers';

const RUNS = Number(process.env.AETHER_INCREMENTAL_RUNS ?? 300);
const URI = 'file:///ws/p.pipeline.yaml';

const STEP_BODIES = [
  (i: number) => `    run: bundle\n    with: { entry: src/${i}.ts }\n`,
  (i: number) =>
    `    run: s3-upload/upload\n    needs: [s${Math.max(0, i - 1)}]\n    with:\n      file: \${{ steps.s${Math.max(0, i - 1)}.output.path }}\n`,
  (i: number) => `    run: notify\n    needs: [s${Math.max(0, i - 2)}, s${i}]\n`,
  (i: number) => `    run: bundel\n    nedds: [s${i + 3}]\n    with:\n      entry: \${{ env.NOPE }} \${{ steps.s${i + 1}.output }}\n`,
  () => `    run: clean\n    # aether-ignore: pipeline/unknown-key\n    colour: red\n    timeout: 5s\n`,
  () => `    run: legacy\n    continue-on-error: maybe\n`,
];

function pipeline(kinds: number[]): string {
  const steps = kinds.map((kind, i) => `  - id: s${i}\n${STEP_BODIES[kind % STEP_BODIES.length]!(i)}`).join('');
  return `name: gen\nplugins:\n  s3-upload:\n    bucket: b\nenv:\n  REGION: eu\nsteps:\n${steps}`;
}

const PIECES = [
  'x',
  '1',
  ' ',
  ':',
  'e',
  '\n      k: v',
  '${{ steps.s0.output }}',
  '${{ env.REGION }}',
  '${{',
  '}}',
  '"',
  '#',
  '[',
  ']',
  'nedds',
  'needs',
  '\n    colour: 1',
  '-',
  '\n  ',
];

describe('incremental validation', () => {
  it('takes the fast path for an edit inside one step, and falls back when ids or needs change', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const text = pipeline([0, 1, 3, 0]);
    const doc = analysePipeline(text, URI, '/ws/p.pipeline.yaml', 1, index, {});
    const state = incrementalState(doc);
    assert.ok(state, 'the generated pipeline has a step layout');
    assert.equal(state.layout.items.length, 4);
    const at = text.indexOf('src/3.ts') + 4;
    const edited = text.slice(0, at) + '9' + text.slice(at);
    const next = updateIncrementally(doc, state, edited, 2, index, {});
    assert.ok(next, 'an edit inside a `with` value is incremental');
    assert.deepEqual(next.doc.diagnostics, analysePipeline(edited, URI, '/ws/p.pipeline.yaml', 2, index, {}).diagnostics);
    const renamed = text.replace('id: s1\n', 'id: s7\n');
    assert.equal(updateIncrementally(doc, state, renamed, 2, index, {}), undefined, 'a changed id re-parses everything');
  });

  it('gives the same diagnostics as a full re-parse, edit after edit', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const incremental = getLanguageService({ getIndex: () => index });
    const full = getLanguageService({ getIndex: () => index, incremental: false });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.constantFrom(...PIECES)), { minLength: 1, maxLength: 8 }),
        async (kinds, edits) => {
          const uri = `${URI}?${n++}`.replace('?', `${n}.pipeline.yaml?`);
          let text = pipeline(kinds);
          let document = TextDocument.create(uri, 'aetherscript-pipeline', 1, text);
          assert.deepEqual(incremental.doValidation(document), full.doValidation(document));
          for (const [at, length, insert] of edits) {
            // Mostly inside step items: that is what the fast path is for.
            const layout = layoutOf(text);
            const base = layout ? layout.itemsStart : 0;
            const start = base + (at % (text.length - base + 1));
            text = text.slice(0, start) + insert + text.slice(start + length);
            document = TextDocument.create(uri, 'aetherscript-pipeline', document.version + 1, text);
            assert.deepEqual(incremental.doValidation(document), full.doValidation(document), `after editing at ${start}:\n${text}`);
            assert.deepEqual(incremental.findDocumentSymbols(document), full.findDocumentSymbols(document));
          }
          incremental.forget(uri);
          full.forget(uri);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives the same diagnostics as a full check when edits arrive as full-text changes', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const incremental = getLanguageService({ getIndex: () => index });
    const full = getLanguageService({ getIndex: () => index, incremental: false });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.constantFrom(...PIECES), fc.boolean()), { minLength: 1, maxLength: 8 }),
        async (kinds, edits) => {
          const uri = `file:///ws/full${n++}.pipeline.yaml`;
          let text = pipeline(kinds);
          // One document updated in place, as the server's TextDocuments does, by ranged or range-less changes.
          const document = TextDocument.create(uri, 'aetherscript-pipeline', 1, text);
          assert.deepEqual(incremental.doValidation(document), full.doValidation(document));
          for (const [at, length, insert, asFullText] of edits) {
            const layout = layoutOf(text);
            const base = layout ? layout.itemsStart : 0;
            const start = base + (at % (text.length - base + 1));
            const end = Math.min(text.length, start + length);
            const range = { start: document.positionAt(start), end: document.positionAt(end) };
            text = text.slice(0, start) + insert + text.slice(end);
            TextDocument.update(document, [asFullText ? { text } : { range, text: insert }], document.version + 1);
            assert.equal(document.getText(), text);
            const reference = TextDocument.create(uri, 'aetherscript-pipeline', document.version, text);
            assert.deepEqual(incremental.doValidation(document), full.doValidation(reference), `after editing at ${start}:\n${text}`);
          }
          incremental.forget(uri);
          full.forget(uri);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('takes the incremental path for a one-character full-text edit in a 5,000-step pipeline', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const reference = getLanguageService({ getIndex: () => index, incremental: false });
    const uri = 'file:///ws/big.pipeline.yaml';
    const text = pipeline(Array.from({ length: 5000 }, (_, i) => i % 3));
    const document = TextDocument.create(uri, 'aetherscript-pipeline', 1, text);
    service.doValidation(document);
    assert.equal(service.lastAnalysisWasFull(uri), true, 'the open parses the whole text');
    const at = text.indexOf('src/2499.ts') + 4;
    const edited = text.slice(0, at) + '9' + text.slice(at);
    TextDocument.update(document, [{ text: edited }], 2);
    const diagnostics = service.doValidation(document);
    assert.equal(service.lastAnalysisWasFull(uri), false, 'a full-text change inside one step re-parses only that step');
    assert.deepEqual(diagnostics, reference.doValidation(TextDocument.create(uri, 'aetherscript-pipeline', 2, edited)));
  });

  it('stays incremental while a new key is typed into a step of a 5,000-step pipeline, its syntax errors and all', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const reference = getLanguageService({ getIndex: () => index, incremental: false });
    const uri = 'file:///ws/typing.pipeline.yaml';
    // Kinds 0 and 1 only: a pipeline with few diagnostics, so none is past the cap.
    let text = pipeline(Array.from({ length: 5000 }, (_, i) => i % 2));
    const document = TextDocument.create(uri, 'aetherscript-pipeline', 1, text);
    const clean = service.doValidation(document);
    // A newline with its indentation, then `retries: 3` a character at a time: most of the texts on the
    // way (`r`, `re`, … `retries`) are YAML errors in that step, and the last is an unknown key.
    let at = text.indexOf('src/2498.ts }') + 'src/2498.ts }'.length;
    const keystrokes = ['\n    ', ...'retries: 3'];
    const seen = new Set<string>();
    for (const typed of keystrokes) {
      text = text.slice(0, at) + typed + text.slice(at);
      at += typed.length;
      TextDocument.update(document, [{ text }], document.version + 1);
      const diagnostics = service.doValidation(document);
      assert.equal(service.lastAnalysisWasFull(uri), false, `typing ${JSON.stringify(typed)} re-parses only the step`);
      assert.deepEqual(diagnostics, reference.doValidation(TextDocument.create(uri, 'aetherscript-pipeline', document.version, text)));
      for (const d of diagnostics) seen.add(String(d.code));
    }
    assert.ok(seen.has('yaml/syntax'), 'some keystrokes leave a syntax error');
    assert.ok(seen.has('pipeline/unknown-key'), `the finished key is checked with the rest: ${[...seen].join()}`);
    // Deleting the line again gives back the first diagnostics, still without a full parse.
    text = text.replace('\n    retries: 3', '');
    TextDocument.update(document, [{ text }], document.version + 1);
    assert.deepEqual(service.doValidation(document), clean);
    assert.equal(service.lastAnalysisWasFull(uri), false);
  });

  it('checks a text parsed ahead by prepare (as on the first open, while the index is built) as it would without', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const ahead = getLanguageService({ getIndex: () => index });
    const plain = getLanguageService({ getIndex: () => index });
    const text = pipeline([0, 1, 3, 4, 5]);
    const document = TextDocument.create(URI, 'aetherscript-pipeline', 1, text);
    ahead.prepare(document);
    assert.deepEqual(ahead.doValidation(document), plain.doValidation(document));
    // A parse of an older text is not used for a newer one.
    ahead.prepare(document);
    TextDocument.update(document, [{ text: text.replace('bundel', 'bundle') }], 2);
    ahead.forget(URI);
    assert.deepEqual(
      ahead.doValidation(document),
      plain.doValidation(TextDocument.create(URI, 'aetherscript-pipeline', 2, document.getText())),
    );
  });
});

describe('sliced checks', () => {
  it('a check made a slice at a time gives what a check in one go gives, and hover answers from the last analysis meanwhile', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const texts = [
      pipeline(Array.from({ length: 400 }, (_, i) => i)),
      pipeline([0, 1, 2, 3]).replace('run: bundle', 'run: [bundle'),
      pipeline([1, 3, 5]).replace(/\n/g, '\r\n'),
      '\ufeffname: x\rsteps:\r  - id: a\r    run: bundle\r',
      '',
    ];
    for (const text of texts) {
      const sliced = getLanguageService({ getIndex: () => index });
      const plain = getLanguageService({ getIndex: () => index });
      const document = TextDocument.create(URI, 'aetherscript-pipeline', 1, text);
      assert.deepEqual(await sliced.validateSliced(document), plain.doValidation(document));
    }
    const service = getLanguageService({ getIndex: () => index });
    const text = pipeline(Array.from({ length: 400 }, (_, i) => i % 3));
    const document = TextDocument.create(URI, 'aetherscript-pipeline', 1, text);
    await service.validateSliced(document);
    // An edit far down that only a whole-text parse can check; hover near the start, as while it runs.
    TextDocument.update(document, [{ text: text.replace(/run: notify\n(?![\s\S]*run: notify)/, 'run: [notify\n') }], 2);
    const at = document.positionAt(text.indexOf('bundle'));
    const whileChecking = service.doHover(document, at, { checking: true });
    assert.ok(whileChecking, 'answered from the last analysis');
    const edited = document.getText();
    assert.equal(service.doHover(document, document.positionAt(edited.indexOf('[notify') + 2), { checking: true }), null);
    assert.equal(
      (await service.validateSliced(document))?.some((d) => d.code === 'yaml/syntax'),
      true,
    );
    assert.deepEqual(service.doHover(document, at), whileChecking);
  });

  it('completion straight after typing in a small document answers while its check is pending', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const text = pipeline([0, 1, 2]);
    const document = TextDocument.create(URI, 'aetherscript-pipeline', 1, text);
    service.doValidation(document);
    // The user deletes the command's name and asks for completion before the next check has run.
    const at = text.indexOf('run: bundle') + 'run: '.length;
    TextDocument.update(
      document,
      [{ range: { start: document.positionAt(at), end: document.positionAt(at + 'bundle'.length) }, text: '' }],
      2,
    );
    const completion = service.doComplete(document, document.positionAt(at), undefined, { checking: true });
    assert.ok(
      completion.items.some((item) => item.label === 'bundle'),
      completion.items.map((i) => i.label).join(),
    );
  });
});
