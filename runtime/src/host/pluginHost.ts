// Entry of the plugin host process, and of the plugin worker threads inside it.
//
// The host's main thread runs no plugin code: it supervises one worker thread per plugin instance,
// enforces the limits (a timer per call that stops a blocked worker; the worker's heap cap), and
// relays messages to the runtime over IPC. A fault that kills the whole host (process.abort, or an
// allocation too big for the worker's heap check) is seen by the runtime, which restarts the host.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  void import('./hostMain').then((host) => host.startHost());
} else {
  void import('./pluginWorker');
}
