// Starts the built server (`node server/dist/server.js --stdio`) and talks LSP to it over its stdio.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { CompletionList, Diagnostic } from 'vscode-languageserver-types';

const SERVER = path.resolve(__dirname, '../../../server/dist/server.js');

function plugin(meta: string): string {
  return `export default class P {\n  static meta = ${meta};\n  async execute(ctx) { return ctx.input; }\n}\n`;
}

describe('language server over stdio', { timeout: 60_000 }, () => {
  let root: string;
  let server: ChildProcess;
  let connection: MessageConnection;
  const published = new Map<string, PublishDiagnosticsParams[]>();
  const waiters: Array<() => void> = [];

  const diagnosticsFor = async (uri: string, version: number): Promise<Diagnostic[]> => {
    for (;;) {
      const hit = published.get(uri)?.find((p) => p.version === version);
      if (hit) return hit.diagnostics;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  before(async () => {
    assert.ok(existsSync(SERVER), 'build the server first: node esbuild.js');
    root = mkdtempSync(path.join(tmpdir(), 'aether-lsp-'));
    mkdirSync(path.join(root, 'plugins', 's3-upload'), { recursive: true });
    writeFileSync(
      path.join(root, 'plugins', 's3-upload', 'index.ts'),
      plugin(
        `{ name: 's3-upload', version: '1.4.0', commands: { upload: { description: 'Upload files', input: { type: 'object', properties: { file: { type: 'string' } } } } } }`,
      ),
    );
    server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
      for (const wake of waiters.splice(0)) wake();
    });
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) =>
      params.items.map(() => ({ diagnostics: { severity: {} } })),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    const rootUri = pathToFileURL(root).href;
    const result = (await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
    })) as { capabilities: { completionProvider?: unknown } };
    assert.ok(result.capabilities.completionProvider);
    await connection.sendNotification('initialized', {});
  });

  after(async () => {
    try {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } catch {
      // the server may already be gone
    }
    connection.dispose();
    server.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes a diagnostic with its code and range for a misspelt command, and completes commands', async () => {
    const uri = pathToFileURL(path.join(root, 'release.pipeline.yaml')).href;
    const text = 'name: release\nsteps:\n  - id: up\n    run: uplaod\n';
    const started = performance.now();
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'aether-pipeline', version: 1, text } });
    const diagnostics = await diagnosticsFor(uri, 1);
    const elapsed = performance.now() - started;
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0]!.code, 'pipeline/unknown-command');
    assert.deepEqual(diagnostics[0]!.range, { start: { line: 3, character: 9 }, end: { line: 3, character: 15 } });
    assert.match(String(diagnostics[0]!.message), /Did you mean "upload"/);
    console.log(`didOpen to diagnostics: ${elapsed.toFixed(1)} ms`);

    const completion = (await connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line: 3, character: 11 },
    })) as CompletionList;
    const upload = completion.items.find((item) => item.label === 'upload');
    assert.equal(upload?.detail, 's3-upload');

    // Fixing the typo clears the diagnostic.
    await connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 3, character: 9 }, end: { line: 3, character: 15 } }, text: 'upload' }],
    });
    assert.deepEqual(await diagnosticsFor(uri, 2), []);
  });

  it('re-validates open pipelines when a plugin source changes in the editor', async () => {
    const uri = pathToFileURL(path.join(root, 'second.pipeline.yaml')).href;
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'aether-pipeline', version: 1, text: 'name: x\nsteps:\n  - id: a\n    run: publish\n' },
    });
    assert.equal((await diagnosticsFor(uri, 1))[0]?.code, 'pipeline/unknown-command');
    const pluginUri = pathToFileURL(path.join(root, 'plugins', 's3-upload', 'index.ts')).href;
    const count = published.get(uri)!.length;
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: {
        uri: pluginUri,
        languageId: 'typescript',
        version: 1,
        text: plugin(`{ name: 's3-upload', version: '1.4.0', commands: { upload: {}, publish: {} } }`),
      },
    });
    while (published.get(uri)!.length === count) await new Promise<void>((resolve) => waiters.push(resolve));
    assert.deepEqual(published.get(uri)!.at(-1)!.diagnostics, []);
    const order = (await connection.sendRequest('aether/loadOrder', {})) as Array<{ plugins: Array<{ name: string; commands: string[] }> }>;
    assert.deepEqual(
      order[0]!.plugins.map((p) => [p.name, p.commands]),
      [['s3-upload', ['upload', 'publish']]],
    );
  });

  it('re-validates open pipelines when aether.config.json changes on disk (trust policy, synced plugins)', async () => {
    const uri = pathToFileURL(path.join(root, 'trust.pipeline.yaml')).href;
    const config = path.join(root, 'aether.config.json');
    const configUri = pathToFileURL(config).href;
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'aether-pipeline', version: 1, text: 'name: t\nsteps:\n  - id: a\n    run: upload\n' },
    });
    assert.deepEqual(await diagnosticsFor(uri, 1), []);
    /** Writes the config (or deletes it), tells the server as the client's file watcher would, and returns the next diagnostics. */
    const configChanged = async (text: string | undefined, type: 1 | 2 | 3): Promise<Diagnostic[]> => {
      const count = published.get(uri)!.length;
      if (text === undefined) rmSync(config);
      else writeFileSync(config, text);
      await connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type }] });
      while (published.get(uri)!.length === count) await new Promise<void>((resolve) => waiters.push(resolve));
      return published.get(uri)!.at(-1)!.diagnostics;
    };
    const codes = (diagnostics: Diagnostic[]) => diagnostics.map((d) => d.code);
    // Under `require`, the unsigned plugin would not load: the step says so, with what to do.
    const required = await configChanged(JSON.stringify({ aether: { trust: { policy: 'require' } } }), 1);
    assert.deepEqual(codes(required), ['pipeline/plugin-load']);
    assert.match(String(required[0]!.message), /s3-upload.*would not load: attestation unsigned.*Sign it with `aether plugins sign/s);
    // A synced plugin list without it: it is not loaded at all, and the message says how to load it.
    const unsynced = await configChanged(JSON.stringify({ aether: { plugins: [] } }), 2);
    assert.deepEqual(codes(unsynced), ['pipeline/unknown-command']);
    assert.match(String(unsynced[0]!.message), /not in the synced plugin list.*"s3-upload".*aether plugins sync/is);
    // The config open in an editor is still read from the disk when saved.
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: configUri, languageId: 'json', version: 1, text: '{}' },
    });
    const saved = await configChanged(JSON.stringify({ aether: { trust: { policy: 'require' } } }), 2);
    assert.deepEqual(codes(saved), ['pipeline/plugin-load']);
    await connection.sendNotification('textDocument/didClose', { textDocument: { uri: configUri } });
    assert.deepEqual(await configChanged(undefined, 3), []);
  });
});
