// The built server driven by a minimal third-party client: no client capabilities at all (no workspace
// folders, no configuration, no file watching), one root given as rootUri or the older rootPath, and
// every change sent as full text. Nothing the client cannot take is asked of it, and what it is told
// (diagnostics, log messages) is what a full client gets.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { Diagnostic } from 'vscode-languageserver-types';

const SERVER = path.resolve(__dirname, '../../../server/dist/server.js');

/** A workspace with one plugin whose package.json names an entry file that is not there. */
function workspace(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'aether-minimal-'));
  mkdirSync(path.join(root, 'plugins', 'unbuilt'), { recursive: true });
  writeFileSync(
    path.join(root, 'plugins', 'unbuilt', 'package.json'),
    '{ "name": "unbuilt", "aetherscript": { "plugin": "./dist/index.js" } }\n',
  );
  return root;
}

class MinimalClient {
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  readonly logs: Array<{ type: number; message: string }> = [];
  readonly serverRequests: string[] = [];
  stderr = '';
  private readonly waiters: Array<() => void> = [];
  private readonly server: ChildProcess;
  readonly connection: MessageConnection;

  constructor() {
    this.server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.server.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.server.stdout!), new StreamMessageWriter(this.server.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.published.set(params.uri, [...(this.published.get(params.uri) ?? []), params]);
      this.wake();
    });
    this.connection.onNotification('window/logMessage', (params: { type: number; message: string }) => {
      this.logs.push(params);
    });
    // A client without the capabilities answers any request it gets with an error, as the spec allows.
    this.connection.onRequest((method: string) => {
      this.serverRequests.push(method);
      throw new Error(`unsupported: ${method}`);
    });
    this.connection.listen();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  async until<T>(find: () => T | undefined): Promise<T> {
    for (;;) {
      const hit = find();
      if (hit !== undefined) return hit;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  diagnosticsFor(uri: string, version?: number): Promise<Diagnostic[]> {
    return this.until(() => this.published.get(uri)?.find((p) => version === undefined || p.version === version)?.diagnostics);
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // the server may already be gone
    }
    this.connection.dispose();
    this.server.kill();
  }
}

for (const rootKind of ['rootUri', 'rootPath'] as const) {
  describe(`a client without capabilities, root as ${rootKind}`, { timeout: 60_000 }, () => {
    let root: string;
    let client: MinimalClient;
    let initializeResult: { capabilities: { workspace?: unknown } };

    before(async () => {
      assert.ok(existsSync(SERVER), 'build the server first: node esbuild.js');
      root = workspace();
      client = new MinimalClient();
      initializeResult = (await client.connection.sendRequest('initialize', {
        processId: process.pid,
        ...(rootKind === 'rootUri' ? { rootUri: pathToFileURL(root).href } : { rootPath: root, rootUri: null }),
        capabilities: {},
      })) as typeof initializeResult;
      await client.connection.sendNotification('initialized', {});
    });

    after(async () => {
      await client.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it("initializes without asking for what the client lacks, and publishes the plugin package.json's diagnostics", async () => {
      assert.equal(initializeResult.capabilities.workspace, undefined);
      const pkg = pathToFileURL(path.join(root, 'plugins', 'unbuilt', 'package.json')).href;
      const diagnostics = await client.diagnosticsFor(pkg);
      assert.ok(diagnostics.length > 0 && diagnostics.every((d) => String(d.code).startsWith('plugin/')), JSON.stringify(diagnostics));
      assert.deepEqual(client.serverRequests, []);
      assert.deepEqual(
        client.logs.filter((log) => log.type === 1),
        [],
      );
    });

    it('full-text changes: each version gets its diagnostics', async () => {
      const uri = pathToFileURL(path.join(root, 'full.pipeline.yaml')).href;
      await client.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'aether-pipeline', version: 1, text: 'name: x\nsteps:\n  - id: a\n    run: unbuilt\n' },
      });
      const opened = await client.diagnosticsFor(uri, 1);
      assert.ok(opened.length > 0);
      await client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: 'name: x\nstesp: []\nsteps:\n  - id: a\n    run: unbuilt\n' }],
      });
      const changed = await client.diagnosticsFor(uri, 2);
      const typo = changed.find((d) => d.code === 'pipeline/unknown-key');
      assert.deepEqual(typo?.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
      assert.equal(client.stderr.includes('Warning'), false, client.stderr);
    });

    it('a burst of changes is checked once, at its last version', async () => {
      const uri = pathToFileURL(path.join(root, 'burst.pipeline.yaml')).href;
      let text = 'name: burst\nsteps:\n';
      for (let i = 0; i < 300; i++) text += `  - id: s${i}\n    run: unbuilt\n`;
      await client.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'aether-pipeline', version: 1, text },
      });
      await client.diagnosticsFor(uri, 1);
      const last = 21;
      for (let version = 2; version <= last; version++) {
        text = text.replace(/^name: .*$/m, `name: burst-${version}`);
        void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      }
      await client.diagnosticsFor(uri, last);
      const versions = client.published.get(uri)!.map((p) => p.version);
      assert.ok(versions.length <= 3, `published for versions ${versions.join(', ')}`);
      assert.equal(versions.at(-1), last);
    });
  });
}
