// Positions follow LSP whatever the line endings: `\r\n`, `\n` and a lone `\r` each end a line, no range
// ends between the `\r` and the `\n` of a line break, characters are UTF-16 code units of the text as
// sent; the 1-based columns people read (the CLI) do not count a byte order mark.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Position } from 'vscode-languageserver-types';
import { parsePipeline } from '../../../runtime/src/pipeline';
import { lineCounterOf, rangeOf } from '../../../runtime/src/pipeline/yamlNodes';
import { getLanguageService } from '../../../server/src/service/languageService';
import { memoryIndex, PLUGINS } from './helpers';

const BASE = [
  'name: x',
  'env:',
  '  A: "1"',
  'steps:',
  '  - id: a',
  '    run: bundle',
  '    with: { entry: "${{ env.A }}" }',
  '  - id: b',
  '    run: notify',
  '    needs: [a]',
  '    with:',
  '      msg: |',
  '        hi ${{ steps.a.output.x }}',
  '',
].join('\n');

/** The lines of `text` split at every LSP line end. */
function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function assertInside(text: string, diagnostics: Diagnostic[]): void {
  const lines = linesOf(text);
  const inside = (p: Position) => p.line < lines.length && p.character <= lines[p.line]!.length;
  for (const d of diagnostics) {
    assert.ok(inside(d.range.start) && inside(d.range.end), `${JSON.stringify(text)}: ${d.code} ${JSON.stringify(d.range)}`);
  }
}

describe('positions', () => {
  it('CRLF: every range of every one-character edit of a pipeline stays inside its lines', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index, incremental: false });
    let version = 0;
    for (let i = 0; i < BASE.length; i++) {
      for (const edit of ['', '"', '{', '&', ':', '\t']) {
        const text = (BASE.slice(0, i) + edit + BASE.slice(edit === '' ? i + 1 : i)).replace(/\n/g, '\r\n');
        const document = TextDocument.create('file:///ws/crlf.pipeline.yaml', 'yaml', ++version, text);
        assertInside(text, service.doValidation(document));
      }
    }
  });

  it('CRLF: an unclosed quote is reported on its quote (the parser gives up at the line end), inside line 1', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    // The quote opened on line 1 closes on line 3: the library reports it at line 1's end.
    const text = 'name: "x\r\nenv:\r\n  A: "1"\r\nsteps:\r\n  - id: a\r\n    run: bundle\r\n';
    const quote = (d: { message: unknown }) => /Missing closing "quote/.test(String(d.message));
    const lsp = service.doValidation(TextDocument.create('file:///ws/q.pipeline.yaml', 'yaml', 1, text)).find(quote);
    assert.deepEqual(lsp?.range, { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } });
    const parsed = parsePipeline(text, 'q.pipeline.yaml').diagnostics.find(quote);
    assert.deepEqual(parsed?.range, { start: 6, end: 7, line: 1, column: 7 });
  });

  it('CRLF: a range never splits a line break (a start inside one moves to its \\r, an end past its \\n)', () => {
    const text = 'name: x\r\nsteps: []\r\n';
    const positions = { text, lineCounter: lineCounterOf(text) };
    assert.deepEqual(rangeOf(positions, 8, 8), { start: 7, end: 9, line: 1, column: 8 });
    assert.deepEqual(rangeOf(positions, 7, 8), { start: 7, end: 9, line: 1, column: 8 });
  });

  it('a lone CR ends a line, for the parser as for LSP', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const text = 'name: x\rsteps:\r  - id: a\r    run: bundle\r    nope: 1\r';
    const diagnostics = service.doValidation(TextDocument.create('file:///ws/cr.pipeline.yaml', 'yaml', 1, text));
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === 1).map((d) => [d.code, d.range.start, d.range.end]),
      [['pipeline/unknown-key', { line: 4, character: 4 }, { line: 4, character: 8 }]],
    );
    const [parsed] = parsePipeline(text, 'cr.pipeline.yaml').diagnostics;
    assert.deepEqual([parsed?.range?.line, parsed?.range?.column], [5, 5]);
  });

  it('a byte order mark: LSP counts it as the character it is, the 1-based column does not', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const text = '\uFEFFbogus: 1\nname: x\nsteps:\n  - id: a\n    run: bundle\n';
    const [diagnostic] = service.doValidation(TextDocument.create('file:///ws/bom.pipeline.yaml', 'yaml', 1, text));
    assert.equal(diagnostic?.code, 'pipeline/unknown-key');
    assert.deepEqual(diagnostic.range, { start: { line: 0, character: 1 }, end: { line: 0, character: 6 } });
    const [parsed] = parsePipeline(text, 'bom.pipeline.yaml').diagnostics;
    assert.deepEqual([parsed?.range?.line, parsed?.range?.column], [1, 1]);
  });

  it('columns are UTF-16 code units', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index });
    const text = 'name: "😀 ü"\nbogus: 1\nsteps:\n  - id: a\n    run: bundle\n    with: { entry: "😀${{ steps.zz.output }}" }\n';
    const diagnostics = service.doValidation(TextDocument.create('file:///ws/utf16.pipeline.yaml', 'yaml', 1, text));
    const unknown = diagnostics.find((d) => d.code === 'expression/unknown-step');
    const start = text.split('\n')[5]!.indexOf('steps.zz');
    assert.equal(unknown?.range.start.line, 5);
    assert.ok(unknown.range.start.character <= start && unknown.range.end.character > start, JSON.stringify(unknown.range));
  });
});
