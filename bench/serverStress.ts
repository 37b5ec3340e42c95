// The pathological files of issue 11 for both language servers, each started fresh for the set and
// driven as a third-party client would: every file opened once (no warm-up), the time to its first
// diagnostics, a hover sent right after the open (answered while the check runs, or not), the number of
// diagnostics and the server's RSS after it. Beside each, a plain pipeline of the same size, so the
// figure that matters is printed: what a file full of aliases, keys or chains costs over an ordinary one.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { fmtMs } from './benchUtil';
import {
  brokenPipeline,
  deepNesting,
  generatePipeline,
  manyAliases,
  manyKeys,
  needsChain,
  sameNameAnchors,
} from './fixtures/server/generate';
import type { LspProcess } from './lspClient';

/** A server that has not published in this long is reported as stuck and replaced for the next file. */
const CASE_TIMEOUT_MS = 30_000;

export interface StressFile {
  name: string;
  text: string;
}

/** Issue 11's families at the sizes it names. */
export function stressFiles(): StressFile[] {
  return [
    { name: '3,000 aliases', text: manyAliases(3000) },
    { name: '40,000 keys in one mapping', text: manyKeys(40_000) },
    { name: 'needs chain of 8,000 steps', text: needsChain(8000) },
    { name: '100,000 anchors of one name', text: sameNameAnchors(100_000) },
    { name: 'nesting 10,000 deep', text: deepNesting(10_000) },
    { name: '1,000 steps, one unclosed [', text: brokenPipeline(1000) },
  ];
}

/** A plain pipeline (the benchmark's generator, one misspelt key) of about `bytes` characters. */
export function plainOfSize(bytes: number): string {
  const perStep = generatePipeline(1000, 0).length / 1000;
  return generatePipeline(Math.max(2, Math.round(bytes / perStep)), 1);
}

export interface OpenFigures {
  /** didOpen → the first diagnostics of the file; NaN when none came within CASE_TIMEOUT_MS. */
  diagnosticsMs: number;
  /** A hover sent right after the didOpen → its answer (NaN when none came). */
  hoverMs: number;
  diagnostics: number;
  rssMb: number;
}

export interface ServerUnderTest {
  start(): Promise<LspProcess>;
  languageId: string;
  /** Whether a publish is this open's diagnostics (ours carry the version; yaml-language-server's are non-empty). */
  accept(p: PublishDiagnosticsParams, version: number): boolean;
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

/**
 * Opens each file in one fresh server and measures it (see OpenFigures). A server that gives nothing for
 * a file within the timeout is stopped and a fresh one takes the next file.
 */
export async function openEach(
  subject: ServerUnderTest,
  root: string,
  files: Array<{ name: string; text: string }>,
): Promise<OpenFigures[]> {
  const results: OpenFigures[] = [];
  let server = await subject.start();
  try {
    for (const [i, file] of files.entries()) {
      const fileName = `stress-${i}.pipeline.yaml`;
      writeFileSync(path.join(root, fileName), file.text);
      const uri = pathToFileURL(path.join(root, fileName)).href;
      const since = server.publishedCount;
      const started = performance.now();
      await server.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: subject.languageId, version: 1, text: file.text },
      });
      const hover = server.connection
        .sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 2 } })
        .then(() => performance.now() - started);
      const published = await within(
        server.diagnosticsAfter(uri, since, (p) => subject.accept(p, 1)),
        CASE_TIMEOUT_MS,
      );
      const diagnosticsMs = published ? performance.now() - started : NaN;
      const hoverMs = (await within(hover, published ? CASE_TIMEOUT_MS : 0)) ?? NaN;
      results.push({ diagnosticsMs, hoverMs, diagnostics: published?.diagnostics.length ?? NaN, rssMb: server.rssMb() });
      if (published) {
        await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      } else {
        server.child.kill('SIGKILL');
        await server.stop();
        server = await subject.start();
      }
    }
  } finally {
    await server.stop();
  }
  return results;
}

const cell = (ms: number) => (Number.isNaN(ms) ? `> ${CASE_TIMEOUT_MS / 1000} s` : fmtMs(ms));

/** Each family preceded by a plain pipeline of its size, so both are opened in the same process, one after the other. */
export function withPlainReferences(files: StressFile[]): StressFile[] {
  return files.flatMap((file) => [{ name: `plain, ${file.name}`, text: plainOfSize(file.text.length) }, file]);
}

/**
 * The report lines: per family, each server's time and its ratio to the plain file of the same size
 * opened just before it (figures from `openEach` over `withPlainReferences(files)`).
 */
export function formatStress(files: StressFile[], ours: OpenFigures[], theirs: OpenFigures[] | undefined): string[] {
  const out = [
    '  pathological files, each after a plain file of its size, in one fresh server per side: didOpen → diagnostics',
    '  (ratio to the plain file), a hover sent with the open, diagnostics published, RSS after it',
  ];
  const side = (figures: OpenFigures[], i: number): string => {
    const plain = figures[2 * i]!;
    const file = figures[2 * i + 1]!;
    const ratio = Number.isNaN(file.diagnosticsMs) ? '' : `${(file.diagnosticsMs / plain.diagnosticsMs).toFixed(2)}x `;
    const diagnostics = Number.isNaN(file.diagnostics) ? 'no diagnostics' : `${file.diagnostics} diag.`;
    return (
      `${cell(file.diagnosticsMs).padStart(8)} (${ratio}plain ${cell(plain.diagnosticsMs)}),` +
      ` hover ${cell(file.hoverMs)}, ${diagnostics}, ${file.rssMb.toFixed(0)} MB`
    );
  };
  for (const [i, file] of files.entries()) {
    const kb = `${(file.text.length / 1024).toFixed(0)} KB`;
    out.push(`    ${`${file.name} (${kb})`.padEnd(40)} ours ${side(ours, i)}`);
    out.push(`    ${''.padEnd(40)} yaml-language-server ${theirs ? side(theirs, i) : 'not run'}`);
  }
  return out;
}
