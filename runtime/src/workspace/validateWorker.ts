// The entry of `runtime/dist/validateWorker.js`: `aether validate` runs the check in a worker thread,
// so its main thread stays free to answer SIGINT and SIGTERM during one long synchronous stretch.
import { parentPort, workerData } from 'node:worker_threads';
import { validateFiles } from './validateFiles';

validateFiles((workerData as { files: string[] }).files).then(
  (results) => parentPort!.postMessage({ results }),
  (error: unknown) => parentPort!.postMessage({ error: (error as Error)?.stack ?? String(error) }),
);
