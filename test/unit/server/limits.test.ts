// Bounded time and memory on hostile input: YAML alias bombs, 10 MB files; and cancelled requests.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService, MAX_ANALYSED_LENGTH, MAX_DIAGNOSTICS } from '../../../server/src/service/languageService';
import { memoryIndex, PLUGINS } from './helpers';

const URI = 'file:///ws/limits.pipeline.yaml';

/** Nine levels of nine aliases each: 9^9 nodes if expanded. */
function aliasBomb(): string {
  const lines = ['name: bomb', 'x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++) lines.push(`x${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push(
    'steps:',
    '  - id: a',
    '    run: bundle',
    '    with:',
    '      entry: *a8',
    '  - id: b',
    '    run: notify',
    '    needs: [a]',
    '    with: *a8',
  );
  return `${lines.join('\n')}\n`;
}

function measure<T>(run: () => T): { result: T; ms: number; heapMb: number } {
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started, heapMb: (process.memoryUsage().heapUsed - before) / 2 ** 20 };
}

describe('limits', () => {
  it('an alias bomb: a diagnostic, within bounded time and memory, for every feature', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const text = aliasBomb();
    const document = TextDocument.create(URI, 'yaml', 1, text);
    const { result, ms, heapMb } = measure(() => {
      const diagnostics = service.doValidation(document);
      const end = document.positionAt(text.length - 3);
      service.doComplete(document, end);
      service.doHover(document, end);
      service.findReferences(document, document.positionAt(text.indexOf('needs: [a]') + 8));
      service.findDocumentSymbols(document);
      service.getFoldingRanges(document);
      return diagnostics;
    });
    assert.ok(
      result.some((d) => d.code === 'yaml/syntax' && /aliases/.test(String(d.message))),
      JSON.stringify(result),
    );
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
    assert.ok(heapMb < 100, `${heapMb.toFixed(0)} MB`);
  });

  it('a 10 MB pipeline: one too-large warning, empty features, within bounded time and memory', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const step = (i: number) => `  - id: s${i}\n    run: bundle\n    with: { entry: src/${i}.ts }\n`;
    const parts = ['name: huge\nsteps:\n'];
    let length = parts[0]!.length;
    for (let i = 0; length < 10 * 1024 * 1024; i++) {
      parts.push(step(i));
      length += parts[parts.length - 1]!.length;
    }
    const text = parts.join('');
    assert.ok(text.length > MAX_ANALYSED_LENGTH);
    const document = TextDocument.create(URI, 'yaml', 1, text);
    const { result, ms, heapMb } = measure(() => {
      const diagnostics = service.doValidation(document);
      const end = document.positionAt(text.length);
      return {
        diagnostics,
        completion: service.doComplete(document, end),
        symbols: service.findDocumentSymbols(document),
        hover: service.doHover(document, end),
      };
    });
    assert.deepEqual(
      result.diagnostics.map((d) => d.code),
      ['pipeline/too-large'],
    );
    assert.deepEqual(result.completion.items, []);
    assert.deepEqual(result.symbols, []);
    assert.equal(result.hover, null);
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
    assert.ok(heapMb < 50, `${heapMb.toFixed(0)} MB`);
  });

  it('requests honour cancellation: before the work, and from inside the loop over expressions', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const steps = Array.from(
      { length: 600 },
      (_, i) => `  - id: s${i}\n    run: notify\n${i ? `    needs: [s${i - 1}]\n    with: { v: "\${{ steps.s${i - 1}.output }}" }\n` : ''}`,
    );
    const text = `name: many\nsteps:\n${steps.join('')}`;
    const document = TextDocument.create(URI, 'yaml', 1, text);
    const at = document.positionAt(text.indexOf('id: s10') + 5);
    assert.ok(service.findReferences(document, at).length >= 3, 'references without a token');
    assert.deepEqual(service.findReferences(document, at, true, { isCancellationRequested: true }), []);
    // Cancelled after the work started: the service's loop sees it and gives up.
    let asked = 0;
    const later = {
      get isCancellationRequested() {
        return ++asked > 1;
      },
    };
    assert.deepEqual(service.findReferences(document, at, true, later), []);
    assert.ok(asked > 1, 'the loop checked the token');
    assert.equal(service.doRename(document, at, 'renamed', { isCancellationRequested: true }), null);
  });

  it('diagnostics are capped per document, with one that says how many more there are and where they start', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    let text = 'name: many\nsteps:\n';
    for (let i = 0; i < 1500; i++) text += `  - id: s${i}\n    run: clean\n    nedds: []\n`;
    const diagnostics = service.doValidation(TextDocument.create(URI, 'yaml', 1, text));
    assert.equal(diagnostics.length, MAX_DIAGNOSTICS + 1);
    const last = diagnostics.at(-1)!;
    assert.equal(last.code, 'pipeline/too-many-diagnostics');
    assert.match(String(last.message), /^500 more problems are not shown, the first here/);
    // Where the 1001st would have been: step s1000's typo.
    assert.equal(last.range.start.line, 2 + 1000 * 3 + 2);
    assert.ok(diagnostics.slice(0, -1).every((d) => d.code === 'pipeline/unknown-key'));
  });

  it('the cap keeps the most severe: an error past a thousand hints is shown', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    // 1,500 steps each with an information diagnostic (`bundle` of fast-bundler overrides bundler's), then a typo.
    let text = 'name: many\nsteps:\n';
    for (let i = 0; i < 1500; i++) text += `  - id: s${i}\n    run: bundle\n`;
    text += '  - id: last\n    run: bundle\n    nedds: []\n';
    const diagnostics = service.doValidation(TextDocument.create(URI, 'yaml', 1, text));
    assert.equal(diagnostics.length, MAX_DIAGNOSTICS + 1);
    assert.ok(
      diagnostics.some((d) => d.code === 'pipeline/unknown-key' && d.severity === 1),
      'the error is among those shown',
    );
    const lines = diagnostics.slice(0, -1).map((d) => d.range.start.line);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
      'in file order',
    );
  });
});
