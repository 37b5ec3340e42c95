// `--debug-plugins`: a plain-text trace of every plugin call, hook, state write, worker and limit
// event, appended to plugins.log (spec section 6 says where).
import { accessSync, closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AetherEvent } from '../model/events';
import type { EventSink } from './eventStream';

export const SYSTEM_LOG_DIR = '/var/log/aetherscript';

/**
 * `AETHER_LOG_DIR` when set; else /var/log/aetherscript where it is writable; else the
 * workspace's `.aether/logs`.
 */
export function resolveDebugLogFile(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.AETHER_LOG_DIR) return path.resolve(env.AETHER_LOG_DIR, 'plugins.log');
  try {
    mkdirSync(SYSTEM_LOG_DIR, { recursive: true });
    accessSync(SYSTEM_LOG_DIR, constants.W_OK);
    return path.join(SYSTEM_LOG_DIR, 'plugins.log');
  } catch {
    return path.join(workspaceRoot, '.aether', 'logs', 'plugins.log');
  }
}

function describe(event: AetherEvent): string {
  const { type, time: _time, ...fields } = event;
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)}`);
  return `${type} ${parts.join(' ')}`;
}

export class DebugLog implements EventSink {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly runId: string,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  /** A trace line that is not an event (plugin calls, workers). */
  trace(line: string): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${new Date().toISOString()} [${this.runId}] ${line}\n`);
  }

  write(event: AetherEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${new Date(event.time).toISOString()} [${this.runId}] ${describe(event)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
