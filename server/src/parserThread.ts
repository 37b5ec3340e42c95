// Starts the plugin source parser's worker thread as soon as the server bundle runs (server.ts imports
// this module first): loading it, mostly TypeScript, then overlaps the server's own start instead of
// following the first request (measured: first diagnostics of a new session ~60 ms sooner).
import { isMainThread, Worker } from 'node:worker_threads';

let early: Worker | undefined;
let earlyEnded = false;
if (isMainThread) {
  early = new Worker(__filename);
  // Until it is taken, nobody else listens: a worker that fails to start is replaced, not fatal.
  early.on('error', () => undefined);
  early.once('exit', () => (earlyEnded = true));
}

/** A parser thread running this bundle: the one started at load when it is still there, else a new one. */
export function spawnParserThread(): Worker {
  const worker = early && !earlyEnded ? early : new Worker(__filename);
  early = undefined;
  return worker;
}
