// Plugin sources (and plugin package.json files) are parsed with TypeScript in a worker thread that
// ends once it has been idle for a second. Requiring TypeScript costs about 45 MB of RSS that a process
// never gives back; in a worker, ending the thread gives it back. Plugin files are read when a workspace
// is indexed and when one changes on disk, so the worker is short-lived; the server keeps only results.
import { isMainThread, parentPort, type Worker } from 'node:worker_threads';
import type { PluginCandidate } from '../../runtime/src/model/catalog';
import type { AetherDiagnostic } from '../../runtime/src/model/diagnostics';
import { validatePluginPackageJson, type PackageContext } from '../../runtime/src/workspace/pluginPackage';
import { validatePluginSource, type PluginSourceInfo } from '../../runtime/src/workspace/pluginSource';
import { LineIndex } from '../../runtime/src/workspace/text';
import { ts } from '../../runtime/src/workspace/typescript';

/** One file to check, from the server to the worker. */
type ParseRequest = { id: number; text: string; file: string } & (
  { kind: 'source'; location?: PluginCandidate } | { kind: 'package'; context: PackageContext }
);

/** A plugin source's info without its line index (rebuilt from the text on the server's side). */
type SentSourceInfo = Omit<PluginSourceInfo, 'lineIndex'>;

/** What the worker sends back. */
type ParseReply = { id: number; info: SentSourceInfo } | { id: number; diagnostics: AetherDiagnostic[] } | { id: number; error: string };

/** The worker's side: checks what it is sent until the server ends the thread. */
export function servePluginSources(): void {
  if (isMainThread || !parentPort) throw new Error('servePluginSources runs in a worker thread');
  const port = parentPort;
  // What every request needs, loaded now: a server starts its worker before the first request.
  void ts.SyntaxKind;
  port.on('message', (request: ParseRequest) => {
    const { id, text, file } = request;
    let reply: ParseReply;
    try {
      if (request.kind === 'package') {
        reply = { id, diagnostics: validatePluginPackageJson(text, file, request.context) };
      } else {
        const { lineIndex: _lineIndex, ...info } = validatePluginSource(text, file, request.location);
        reply = { id, info };
      }
    } catch (error) {
      reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(reply);
  });
}

interface Pending {
  resolve: (reply: ParseReply) => void;
  reject: (error: Error) => void;
}

/**
 * The server's side: `validate` has the result `validatePluginSource` would give in this thread. The
 * worker starts on the first request and is terminated after `idleMs` without one.
 */
export class PluginSourceWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  /**
   * @param spawn starts a worker whose script calls {@link servePluginSources} (in the server, the
   * server bundle itself).
   */
  constructor(
    private readonly spawn: () => Worker,
    private readonly idleMs = 1000,
  ) {}

  /**
   * Starts the worker ahead of the first request, so that loading it (mostly TypeScript, ~150 ms)
   * overlaps the server's own start; it still ends after `idleMs` if no request comes.
   */
  prepare(): void {
    if (this.worker) return;
    this.start();
    this.stopWhenIdle();
  }

  /** What `validatePluginSource` gives for this source. */
  async validate(text: string, file: string, location?: PluginCandidate): Promise<PluginSourceInfo> {
    const reply = await this.send({ id: 0, kind: 'source', text, file, location });
    if (!('info' in reply)) throw new Error('the plugin source parser answered a source with no info');
    return { ...reply.info, lineIndex: new LineIndex(text) };
  }

  /** What `validatePluginPackageJson` gives for this package.json. */
  async validatePackage(text: string, file: string, context: PackageContext): Promise<AetherDiagnostic[]> {
    // Only what the checks read crosses to the worker (not the whole index).
    const found = { root: context.root, diagnostics: context.diagnostics.filter((d) => d.file === file) };
    const reply = await this.send({ id: 0, kind: 'package', text, file, context: found });
    if (!('diagnostics' in reply)) throw new Error('the plugin source parser answered a package.json with no diagnostics');
    return reply.diagnostics;
  }

  private send(request: ParseRequest): Promise<ParseReply> {
    clearTimeout(this.idleTimer);
    const worker = this.start();
    worker.ref(); // work under way keeps the process alive; an idle worker never does
    const id = this.nextId++;
    return new Promise<ParseReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  /** Whether the worker thread is running (it ends when idle). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Ends the worker now; requests still waiting are rejected. */
  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the plugin source parser was stopped'));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.on('message', (reply: ParseReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply);
      if (this.pending.size === 0) {
        worker.unref();
        this.stopWhenIdle();
      }
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the plugin source parser exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0) return;
      const worker = this.worker;
      this.worker = undefined;
      void worker?.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}
