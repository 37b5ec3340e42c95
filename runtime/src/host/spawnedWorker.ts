// Entry of a `ctx.spawnWorker()` thread: imports the module, calls its default export (or `run`)
// with the input, and posts the result or the failure back to the plugin.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { file, input } = workerData as { file: string; input: unknown };

async function main(): Promise<void> {
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown; run?: unknown };
    const fn = typeof module.default === 'function' ? module.default : module.run;
    if (typeof fn !== 'function') throw new Error(`${file} must export a default function (or \`run\`) taking the input`);
    const value = await (fn as (input: unknown) => unknown)(input);
    parentPort!.postMessage({ ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) });
  } catch (error) {
    parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

void main();
