// One checker, three doors (issue 12): every pipeline under examples/, examples/broken/ and a generated
// fuzz corpus goes through (a) what `aether run` checks before it runs anything (`runPipeline`, with a
// signal aborted from the start, so no step runs), (b) `aether validate --json` and (c) the language
// server over LSP; all three must report the same (code, range, message) triples for the pipeline's
// own file. Ranges are compared as LSP ranges, computed here from the text and the reported offsets;
// the CLI's line:column must be that range's start, counted from 1.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { AetherDiagnostic } from '../../../runtime/src/model/diagnostics';
import { parsePipeline } from '../../../runtime/src/pipeline';
import { ensureBuilt, repoRoot } from '../runtime/workspace';
import { fuzzPipelines } from './fuzzCorpus';

const SERVER = path.join(repoRoot, 'server/dist/server.js');
const CLI = path.join(repoRoot, 'runtime/bin/aether.js');
/**
 * Runs `runPipeline` of the built runtime on every file, each with a signal aborted from the start, in a
 * plain Node process (plugin hosts inherit the parent's flags, and tsx's would not do for them).
 */
const RUN_ALL = `
const { runPipeline } = require(${JSON.stringify(path.join(repoRoot, 'runtime/dist/index.js'))});
(async () => {
  const out = {};
  for (const file of JSON.parse(process.argv[1])) {
    const aborted = new AbortController();
    aborted.abort();
    const result = await runPipeline({ file, signal: aborted.signal, cancelGraceMs: 0 });
    out[file] = { status: result.status, error: result.error, diagnostics: result.diagnostics };
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

/** Codes only the editor shows (spec: overrides as information); a run and validate agree on the rest. */
const EDITOR_ONLY = new Set(['pipeline/command-override']);
/** The plugin-aware codes: what a run cannot check while the pipeline's own parse has errors. */
const PLUGIN_CODES = new Set([
  'pipeline/unknown-command',
  'pipeline/unknown-plugin',
  'pipeline/plugin-config',
  'pipeline/step-input',
  'pipeline/runtime-range',
  'pipeline/plugin-load',
]);

interface Position {
  line: number;
  character: number;
}
type Triple = string; // JSON of [code, range, message], sortable and comparable

/** LSP position of a UTF-16 offset; lines end at \r\n, \n or a lone \r (as LSP says). */
function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: Math.min(offset, text.length) - lineStart };
}

function tripleOfAether(text: string, d: AetherDiagnostic): Triple {
  assert.ok(d.range, `${d.code} has no range: ${d.message}`);
  const start = positionAt(text, d.range.start);
  // The CLI prints line:column; it must be the same place the editor shows.
  assert.deepEqual([d.range.line, d.range.column], [start.line + 1, start.character + 1], `${d.code} ${d.message}`);
  return JSON.stringify([d.code, [start, positionAt(text, d.range.end)], d.message]);
}

function tripleOfLsp(d: Diagnostic): Triple {
  return JSON.stringify([d.code, [d.range.start, d.range.end], d.message]);
}

const sorted = (triples: Triple[]) => [...triples].sort();

describe('the run, aether validate and the language server report the same pipeline diagnostics', { timeout: 600_000 }, () => {
  let root: string;
  const files: string[] = [];
  const texts = new Map<string, string>();

  before(() => {
    ensureBuilt();
    root = mkdtempSync(path.join(tmpdir(), 'aether-parity-'));
    cpSync(path.join(repoRoot, 'examples'), path.join(root, 'examples'), { recursive: true });
    const fuzz = fuzzPipelines(120, 12);
    fuzz.forEach((text, i) => writeFileSync(path.join(root, 'examples', `fuzz-${String(i).padStart(3, '0')}.pipeline.yaml`), text));
    for (const folder of ['examples', 'examples/broken']) {
      for (const name of readdirSync(path.join(root, folder)).sort()) {
        if (!name.endsWith('.pipeline.yaml')) continue;
        const file = path.join(root, folder, name);
        files.push(file);
        texts.set(file, readFileSync(file, 'utf8'));
      }
    }
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  const byValidate = new Map<string, Triple[]>();
  const byServer = new Map<string, Triple[]>();

  it('(b) aether validate --json', () => {
    const result = spawnSync(process.execPath, [CLI, 'validate', '--json', ...files], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.ok(result.status === 0 || result.status === 2, result.stderr);
    const report = JSON.parse(result.stdout) as { files: Array<{ file: string; diagnostics: AetherDiagnostic[] }> };
    for (const { file, diagnostics } of report.files) {
      const text = texts.get(file)!;
      byValidate.set(
        file,
        diagnostics.filter((d) => d.file === file).map((d) => tripleOfAether(text, d)),
      );
    }
    assert.equal(byValidate.size, files.length);
  });

  it('(c) the language server over LSP, equal to validate', async () => {
    const server: ChildProcess = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection: MessageConnection = createMessageConnection(
      new StreamMessageReader(server.stdout!),
      new StreamMessageWriter(server.stdin!),
    );
    const published = new Map<string, Diagnostic[]>();
    const waiters: Array<() => void> = [];
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      if (params.version === 1) published.set(params.uri, params.diagnostics);
      for (const wake of waiters.splice(0)) wake();
    });
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) =>
      params.items.map(() => ({ diagnostics: { severity: {} } })),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    try {
      const folders = ['examples', 'examples/broken'].map((f) => ({ uri: pathToFileURL(path.join(root, f)).href, name: f }));
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: folders[0]!.uri,
        workspaceFolders: folders,
        capabilities: { workspace: { configuration: true } },
      });
      await connection.sendNotification('initialized', {});
      for (const file of files) {
        const uri = pathToFileURL(file).href;
        await connection.sendNotification('textDocument/didOpen', {
          textDocument: { uri, languageId: 'aetherscript-pipeline', version: 1, text: texts.get(file) },
        });
        while (!published.has(uri)) await new Promise<void>((resolve) => waiters.push(resolve));
        byServer.set(file, published.get(uri)!.map(tripleOfLsp));
        await connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      }
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      server.kill();
    }
    for (const file of files) {
      assert.deepEqual(sorted(byServer.get(file)!), sorted(byValidate.get(file)!), path.relative(root, file));
    }
  });

  it('(a) the checks of aether run, equal to validate but for what only the editor shows', () => {
    let compared = 0;
    let parseRejected = 0;
    const ran = spawnSync(process.execPath, ['-e', RUN_ALL, JSON.stringify(files)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(ran.status, 0, ran.stderr);
    const results = JSON.parse(ran.stdout) as Record<string, { status: string; error?: string; diagnostics: AetherDiagnostic[] }>;
    for (const file of files) {
      const text = texts.get(file)!;
      const result = results[file]!;
      assert.ok(!result.error?.startsWith('internal error'), result.error);
      const run = result.diagnostics.filter((d) => d.file === file).map((d) => tripleOfAether(text, d));
      const validate = byValidate.get(file)!.filter((t) => !EDITOR_ONLY.has(JSON.parse(t)[0]));
      const name = path.relative(root, file);
      // A run stops at the pipeline's own errors before it loads any plugin (runPipeline's first gate),
      // so the plugin-aware diagnostics validate adds are missing from it; everything it does say agrees.
      const rejectedBeforeLoad = parsePipeline(text, file).diagnostics.some((d) => d.severity === 'error');
      if (rejectedBeforeLoad) {
        parseRejected++;
        for (const triple of run) assert.ok(validate.includes(triple), `${name}: the run says ${triple}, validate does not`);
        for (const triple of validate)
          assert.ok(run.includes(triple) || PLUGIN_CODES.has(JSON.parse(triple)[0]), `${name}: validate says ${triple}, the run does not`);
      } else {
        assert.deepEqual(sorted(run), sorted(validate), name);
      }
      compared++;
    }
    console.log(`parity: ${compared} pipelines (${files.length} files), ${parseRejected} rejected by the run before plugins load`);
  });
});
