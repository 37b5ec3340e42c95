// Robustness over inputs nobody here wrote (issue 11): the YAML test suite's 402 cases and six of
// GitHub's starter workflows, each checked as a pipeline (test/fixtures/corpus/README.md says where they
// come from). Each as written, with CRLF and CR-only line endings and with a byte order mark: the check
// never throws and ends, every range is inside its line, the line endings change no position, a BOM only
// line 1's LSP characters (by its one code unit; never a column a person reads), and every message says
// something a person can act on.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { parsePipeline } from '../../../runtime/src/pipeline';
import { getLanguageService } from '../../../server/src/service/languageService';
import { memoryIndex, PLUGINS } from './helpers';

const CORPUS = path.resolve(__dirname, '../../fixtures/corpus');
const URI = 'file:///ws/corpus.pipeline.yaml';
/** A check of one of these small inputs that takes longer than this has hung, for this test's purpose. */
const HANG_MS = 5000;

interface Input {
  id: string;
  text: string;
}

function inputs(): Input[] {
  const suite = JSON.parse(readFileSync(path.join(CORPUS, 'yaml-test-suite.json'), 'utf8')) as Array<{
    id: string;
    name: string;
    yaml: string;
  }>;
  const workflows = readdirSync(path.join(CORPUS, 'workflows'))
    .sort()
    .map((name) => ({ id: `workflow ${name}`, text: readFileSync(path.join(CORPUS, 'workflows', name), 'utf8') }));
  return [...suite.map((c) => ({ id: `${c.id} (${c.name})`, text: c.yaml })), ...workflows];
}

/** Lines of `text` as LSP counts them (`\r\n`, `\n` and a lone `\r` end a line), without their breaks. */
function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function assertInsideLines(id: string, text: string, diagnostics: Diagnostic[]): void {
  const lines = linesOf(text);
  for (const d of diagnostics) {
    const where = `${id}: ${d.code} ${JSON.stringify(d.range)} ${d.message}`;
    for (const p of [d.range.start, d.range.end]) {
      assert.ok(p.line >= 0 && p.line < lines.length, `line out of the text: ${where}`);
      assert.ok(p.character >= 0 && p.character <= lines[p.line]!.length, `character out of its line: ${where}`);
    }
    const { start, end } = d.range;
    assert.ok(
      start.line < end.line || (start.line === end.line && start.character <= end.character),
      `range ends before it starts: ${where}`,
    );
  }
}

function assertClear(id: string, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    const where = `${id}: ${d.code} ${message}`;
    assert.ok(typeof d.code === 'string' && /^[a-z]+\/[a-z-]+$/.test(d.code), `a code: ${where}`);
    assert.equal(d.source, 'aether');
    assert.ok(message.length >= 15, `a message that says something: ${where}`);
    assert.doesNotMatch(message, /\bundefined\b|\[object Object\]|\bNaN\b|Maximum call stack|^Error:/, `a message for people: ${where}`);
  }
}

describe('inputs nobody here wrote', () => {
  it('never throw, end, keep ranges inside lines, positions under every line ending and a BOM, clear messages', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const service = getLanguageService({ getIndex: () => index, incremental: false });
    let version = 0;
    const check = (id: string, text: string): Diagnostic[] => {
      const started = performance.now();
      const diagnostics = service.doValidation(TextDocument.create(URI, 'aetherscript-pipeline', ++version, text));
      const ms = performance.now() - started;
      assert.ok(ms < HANG_MS, `${id}: ${ms.toFixed(0)} ms`);
      assertInsideLines(id, text, diagnostics);
      assertClear(id, diagnostics);
      return diagnostics;
    };
    const positions = (diagnostics: Diagnostic[]) => diagnostics.map((d) => [d.code, d.range, d.message]);
    let checked = 0;
    for (const { id, text } of inputs()) {
      const lf = check(id, text);
      checked++;
      if (text.includes('\r') || text.startsWith('\ufeff')) continue; // the variants below are made from LF text
      assert.deepEqual(positions(check(`${id} with CRLF`, text.replace(/\n/g, '\r\n'))), positions(lf), `${id}: CRLF moved a position`);
      assert.deepEqual(positions(check(`${id} with CR`, text.replace(/\n/g, '\r'))), positions(lf), `${id}: CR-only moved a position`);
      // A BOM is one UTF-16 code unit of line 1 in LSP positions, and no column in what people read. What
      // starts at the very start (the document itself) may start before the BOM or after it.
      const bom = `\ufeff${text}`;
      const withBom = check(`${id} with a BOM`, bom);
      assert.equal(withBom.length, lf.length, `${id}: a BOM changed the diagnostics`);
      const move = (p: { line: number; character: number }) => (p.line === 0 ? { line: 0, character: p.character + 1 } : p);
      lf.forEach((d, i) => {
        const b = withBom[i]!;
        assert.deepEqual([b.code, b.message], [d.code, d.message], `${id}: a BOM changed a diagnostic`);
        const shifted = { start: move(d.range.start), end: move(d.range.end) };
        const atStart = d.range.start.line === 0 && d.range.start.character === 0;
        const accepted = atStart ? [shifted, { start: d.range.start, end: shifted.end }, d.range] : [shifted];
        assert.ok(
          accepted.some((r) => JSON.stringify(r) === JSON.stringify(b.range)),
          `${id}: a BOM moved ${JSON.stringify(d.range)} to ${JSON.stringify(b.range)}`,
        );
      });
      const people = (t: string) =>
        parsePipeline(t, 'corpus.pipeline.yaml').diagnostics.map((d) => [d.code, d.range?.line, d.range?.column]);
      assert.deepEqual(people(bom), people(text), `${id}: a BOM moved a line or column of aether validate`);
    }
    assert.equal(checked, 408);
  });
});
