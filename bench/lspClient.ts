// A language server process driven over its stdio as a third-party client would: JSON-RPC from
// vscode-jsonrpc, the capabilities a plain editor announces, every publish kept with its arrival time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

const repo = path.resolve(__dirname, '..');

/** One language server process and a JSON-RPC client on its stdio. */
export class LspProcess {
  readonly connection: MessageConnection;
  private readonly published: PublishDiagnosticsParams[] = [];
  /** When each of `published` arrived (performance.now()). */
  private readonly publishedAt: number[] = [];
  private waiters: Array<() => void> = [];
  /** When the process was spawned (performance.now()). */
  spawnedAt = 0;

  private constructor(
    readonly child: ChildProcess,
    settings: unknown,
  ) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.published.push(params);
      this.publishedAt.push(performance.now());
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    this.connection.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) =>
      params.items.map((item) => (item.section ? ((settings as Record<string, unknown>)[item.section] ?? null) : settings)),
    );
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification(() => undefined);
    this.connection.listen();
  }

  static async start(args: string[], root: string, settings: unknown): Promise<LspProcess> {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.resume();
    const server = new LspProcess(child, settings);
    server.spawnedAt = spawnedAt;
    const rootUri = pathToFileURL(root).href;
    await server.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { versionSupport: true },
          completion: { completionItem: { snippetSupport: true } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
    });
    await server.connection.sendNotification('initialized', {});
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings });
    return server;
  }

  /** The first diagnostics for `uri` published after `since` (an index into what was published). */
  async diagnosticsAfter(
    uri: string,
    since: number,
    accept: (p: PublishDiagnosticsParams) => boolean = () => true,
  ): Promise<PublishDiagnosticsParams> {
    for (;;) {
      const hit = this.published.slice(since).find((p) => p.uri === uri && accept(p));
      if (hit) return hit;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** When the first publish for `uri` from index `since` on that `accept`s arrived, or NaN. */
  publishedTime(uri: string, since: number, until: number, accept: (p: PublishDiagnosticsParams) => boolean): number {
    for (let i = since; i < Math.min(until, this.published.length); i++) {
      const p = this.published[i]!;
      if (p.uri === uri && accept(p)) return this.publishedAt[i]!;
    }
    return NaN;
  }

  /** The `i`-th publish received. */
  publication(i: number): PublishDiagnosticsParams | undefined {
    return this.published[i];
  }

  get publishedCount(): number {
    return this.published.length;
  }

  /**
   * CPU time of the server's main thread so far (where didOpen is handled), from Linux's schedstat: on a
   * shared machine the wall-clock figures swing with other processes' load, this much less.
   */
  mainThreadCpuMs(): number {
    try {
      return Number(readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      return NaN;
    }
  }

  rssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    // Let it exit on its own (so flags such as --cpu-prof can write their output), then make sure.
    if (this.child.exitCode === null)
      await new Promise((resolve) => {
        this.child.once('exit', resolve);
        setTimeout(resolve, 3000);
      });
    this.connection.dispose();
    this.child.kill();
  }
}
