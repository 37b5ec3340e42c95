// Hover and completion never wait behind a check (issue 11): the built server, a 5,000-step pipeline
// (30,000 lines), an edit that needs the whole text parsed again (the last step given the first one's id), and
// hovers and completions sent while that check runs. They are answered while it runs (before its
// diagnostics are published), from the last analysis where the text before them has not changed. What
// is asserted is the order of events, not a duration: the machine may be slow or shared.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { CompletionList, Hover } from 'vscode-languageserver-types';
import { BENCH_PLUGIN, generatePipeline } from '../../../bench/fixtures/server/generate';

const SERVER = path.resolve(__dirname, '../../../server/dist/server.js');
const STEPS = 5000;

describe('hover and completion during a long check', { timeout: 120_000 }, () => {
  let root: string;
  let server: ChildProcess;
  let connection: MessageConnection;
  const published: PublishDiagnosticsParams[] = [];
  const waiters: Array<() => void> = [];

  const publishedFor = async (uri: string, version: number): Promise<PublishDiagnosticsParams> => {
    for (;;) {
      const hit = published.find((p) => p.uri === uri && p.version === version);
      if (hit) return hit;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  before(async () => {
    assert.ok(existsSync(SERVER), 'build the server first: node esbuild.js');
    root = mkdtempSync(path.join(tmpdir(), 'aether-responsive-'));
    mkdirSync(path.join(root, 'plugins', 'tools'), { recursive: true });
    writeFileSync(path.join(root, 'plugins', 'tools', 'index.mjs'), BENCH_PLUGIN);
    writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
    server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    server.stderr!.resume();
    connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      published.push(params);
      for (const wake of waiters.splice(0)) wake();
    });
    connection.onNotification(() => undefined);
    connection.onRequest(() => null);
    connection.listen();
    const rootUri = pathToFileURL(root).href;
    await connection.sendRequest('initialize', { processId: process.pid, rootUri, capabilities: {} });
    await connection.sendNotification('initialized', {});
  });

  after(async () => {
    try {
      await Promise.race([connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 2000))]);
      await connection.sendNotification('exit');
    } catch {
      // gone already
    }
    connection.dispose();
    server.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers hover and completion while a whole-text check runs, before its diagnostics', async () => {
    const uri = pathToFileURL(path.join(root, 'big.pipeline.yaml')).href;
    const text = generatePipeline(STEPS, 0);
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'aetherscript-pipeline', version: 1, text },
    });
    await publishedFor(uri, 1);

    const lines = text.split('\n');
    // Near the start: `run: echo` of the first step (the hover names the command).
    const runLine = lines.findIndex((line) => line === '    run: echo');
    // Near the end: the last step given the first one's id, which only a whole-text parse can check (what
    // other steps see of it changed; a YAML error inside one step is checked in that step alone now).
    const lastId = lines.findIndex((line) => line === `  - id: step-${STEPS - 1}`);
    const edited = [...lines];
    edited[lastId] = '  - id: step-0';
    await connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: edited.join('\n') }],
    });

    let checked = false;
    const check = publishedFor(uri, 2).then((p) => {
      checked = true;
      return p;
    });
    const answered: Array<{ hover: Hover | null; completion: CompletionList | null; beforeCheck: boolean }> = [];
    while (!checked) {
      const [hover, completion] = await Promise.all([
        connection.sendRequest('textDocument/hover', {
          textDocument: { uri },
          position: { line: runLine, character: 10 },
        }) as Promise<Hover | null>,
        connection.sendRequest('textDocument/completion', {
          textDocument: { uri },
          position: { line: runLine, character: 9 },
        }) as Promise<CompletionList | null>,
      ]);
      answered.push({ hover, completion, beforeCheck: !checked });
    }
    const diagnostics = (await check).diagnostics;
    assert.ok(
      diagnostics.some((d) => d.code === 'pipeline/duplicate-step-id'),
      'the check found the repeated id',
    );
    const early = answered.filter((a) => a.beforeCheck);
    assert.ok(early.length >= 3, `${early.length} of ${answered.length} hover+completion pairs answered before the check published`);
    for (const { hover, completion } of early) {
      assert.match(JSON.stringify(hover?.contents ?? null), /echo/i, 'the hover of the unchanged first step, from the last analysis');
      assert.ok(completion && completion.items.some((item) => item.label === 'echo'), 'command completion from the last analysis');
    }
  });
});
