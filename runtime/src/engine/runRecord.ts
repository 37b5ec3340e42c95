// `.aether/runs/<runId>.ndjson`: every event of a run, appended synchronously as it happens.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AetherEvent } from '../model/events';
import type { EventSink } from './eventStream';

export function runsDirectory(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.aether', 'runs');
}

/** A sortable, unique run id: UTC time plus a random suffix. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

export class RunRecord implements EventSink {
  readonly file: string;
  private fd: number | undefined;

  constructor(workspaceRoot: string, runId: string) {
    const dir = runsDirectory(workspaceRoot);
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${runId}.ndjson`);
    this.fd = openSync(this.file, 'a');
  }

  write(event: AetherEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
