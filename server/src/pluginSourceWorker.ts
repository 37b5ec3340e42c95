// Plugin sources are parsed with TypeScript in a worker thread that ends once it has been idle for a
// second. Requiring TypeScript costs about 45 MB of RSS that a process never gives back; in a
// worker, ending the thread gives it back. Plugin sources are read when a workspace is indexed and when
// a plugin file changes on disk, so the worker is short-lived; the server keeps only what was parsed.
import { isMainThread, parentPort, type Worker } from 'node:worker_threads';
import type { PluginCandidate } from '../../runtime/src/model/catalog';
import { validatePluginSource, type PluginSourceInfo } from './service/pluginSource';
import { LineIndex } from './service/text';

/** One source to parse, from the server to the worker. */
interface ParseRequest {
  id: number;
  text: string;
  file: string;
  location?: PluginCandidate;
}

/** What the worker sends back: the info without its line index (rebuilt from the text on this side). */
type ParseReply = { id: number; info: Omit<PluginSourceInfo, 'lineIndex'> } | { id: number; error: string };

/** The worker's side: parses what it is sent until the server ends the thread. */
export function servePluginSources(): void {
  if (isMainThread || !parentPort) throw new Error('servePluginSources runs in a worker thread');
  const port = parentPort;
  port.on('message', ({ id, text, file, location }: ParseRequest) => {
    let reply: ParseReply;
    try {
      const { lineIndex: _lineIndex, ...info } = validatePluginSource(text, file, location);
      reply = { id, info };
    } catch (error) {
      reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(reply);
  });
}

interface Pending {
  text: string;
  resolve: (info: PluginSourceInfo) => void;
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

  validate(text: string, file: string, location?: PluginCandidate): Promise<PluginSourceInfo> {
    clearTimeout(this.idleTimer);
    const worker = this.start();
    worker.ref(); // work under way keeps the process alive; an idle worker never does
    const id = this.nextId++;
    return new Promise<PluginSourceInfo>((resolve, reject) => {
      this.pending.set(id, { text, resolve, reject });
      const request: ParseRequest = { id, text, file, location };
      worker.postMessage(request);
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
      else pending.resolve({ ...reply.info, lineIndex: new LineIndex(pending.text) });
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
