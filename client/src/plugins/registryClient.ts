// Calls into the registry child process (client/src/lazy/registryWorker.ts, dist/client/registry.js):
// one forked Node process per call, progress lines and the result or error over IPC, cancellation as an
// abort message (the runtime then puts the workspace back as it was) and a kill only if that is ignored.
import { fork } from 'node:child_process';
import path from 'node:path';
import type * as Registry from '../../../runtime/src/registry';

type Ops = Pick<
  typeof Registry,
  'searchPlugins' | 'inspectPlugin' | 'addPlugin' | 'updatePlugins' | 'removePlugin' | 'preparePublish' | 'publishPlugin'
>;
type Op = keyof Ops;
/** A call's options: signal and onProgress stay here, the rest (plain data) goes to the process. */
export type CallOptions = { signal?: AbortSignal; onProgress?: (line: string) => void } & object;

/** Extension host → registry process. */
export type RegistryCall = { type: 'call'; op: Op; args: unknown[]; options: Record<string, unknown> } | { type: 'abort' };
/** Registry process → extension host. */
export type RegistryReply =
  | { type: 'progress'; line: string }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: { name: string; code?: string; message: string; details?: unknown; stack?: string } };

/** A RegistryError as it crossed the process boundary: the same code, message and details. */
export class RegistryCallError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

const ABORT_GRACE_MS = 15_000;

export function callRegistry<K extends Op>(
  extensionPath: string,
  op: K,
  args: string[],
  options: CallOptions,
): Promise<Awaited<ReturnType<Ops[K]>>> {
  const { signal, onProgress, ...rest } = options as { signal?: AbortSignal; onProgress?: (line: string) => void };
  return new Promise((resolve, reject) => {
    const child = fork(path.join(extensionPath, 'dist', 'client', 'registry.js'), [], {
      // VS Code's own binary runs as plain Node for it (as the language client's server does).
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.send({ type: 'abort' } satisfies RegistryCall);
      killTimer = setTimeout(() => child.kill(), ABORT_GRACE_MS);
    };
    const finish = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      child.disconnect?.();
    };
    child.on('message', (reply: RegistryReply) => {
      if (reply.type === 'progress') onProgress?.(reply.line);
      else if (reply.type === 'result') {
        finish();
        resolve(reply.result as Awaited<ReturnType<Ops[K]>>);
      } else {
        finish();
        const error = new RegistryCallError(reply.error.code, reply.error.message, reply.error.details);
        if (reply.error.stack) error.stack = reply.error.stack;
        reject(error);
      }
    });
    child.on('error', (error) => {
      if (settled) return;
      finish();
      reject(error);
    });
    child.on('exit', (code, sig) => {
      if (settled) return;
      finish();
      reject(
        signal?.aborted
          ? new RegistryCallError('EABORTED', `${op} was cancelled.`, {})
          : new Error(
              `the registry process exited (${code ?? sig}) before answering ${op}: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
            ),
      );
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    child.send({ type: 'call', op, args, options: rest } satisfies RegistryCall);
  });
}
