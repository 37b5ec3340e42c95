// The runs the editor knows about, live or finished, with their steps and a bounded event buffer.
// The Runs view, the status bar and every panel read from here; only the run controller writes.
import * as vscode from 'vscode';
import type { AetherEvent, StepEndEvent } from '../../../runtime/src/model/events';

export type RunPhase = 'running' | 'ok' | 'failed' | 'cancelled' | 'invalid';

export interface StepState {
  id: string;
  command: string;
  plugin?: string;
  status: 'pending' | 'running' | StepEndEvent['status'];
  durationMs?: number;
  error?: string;
  reason?: string;
}

export interface RunState {
  /** Editor-side id, known before the runtime assigns its runId. */
  key: number;
  runId?: string;
  file: string;
  pipeline: string;
  debug: boolean;
  phase: RunPhase;
  startedAt: number;
  durationMs?: number;
  steps: Map<string, StepState>;
  /** `.aether/runs/<runId>.ndjson` once the runtime created it. */
  recordFile?: string;
  debugLogFile?: string;
  error?: string;
  /** Recent events (bounded), for panels opened mid-run. */
  events: AetherEvent[];
  controller?: AbortController;
}

export class RunStore implements vscode.Disposable {
  private readonly runs: RunState[] = [];
  private nextKey = 1;
  private readonly changed = new vscode.EventEmitter<RunState | undefined>();
  private readonly evented = new vscode.EventEmitter<{ run: RunState; event: AetherEvent }>();
  /** A run started, changed phase, or a step changed. */
  readonly onDidChange = this.changed.event;
  /** Every runtime event of every live run, as it arrives. */
  readonly onEvent = this.evented.event;

  constructor(
    private readonly runsKept: () => number,
    private readonly eventsKept: () => number,
  ) {}

  all(): readonly RunState[] {
    return this.runs;
  }
  get active(): RunState[] {
    return this.runs.filter((run) => run.phase === 'running');
  }
  get latest(): RunState | undefined {
    return this.runs[0];
  }
  byKey(key: number): RunState | undefined {
    return this.runs.find((run) => run.key === key);
  }

  start(file: string, pipeline: string, debug: boolean, steps: Array<{ id: string; run: string }>, controller: AbortController): RunState {
    const run: RunState = {
      key: this.nextKey++,
      file,
      pipeline,
      debug,
      phase: 'running',
      startedAt: Date.now(),
      steps: new Map(steps.map((step) => [step.id, { id: step.id, command: step.run, status: 'pending' }])),
      events: [],
      controller,
    };
    this.runs.unshift(run);
    this.trim();
    this.changed.fire(undefined);
    return run;
  }

  record(run: RunState, event: AetherEvent): void {
    run.events.push(event);
    const kept = this.eventsKept();
    if (run.events.length > kept) run.events.splice(0, run.events.length - kept);
    let changed = false;
    switch (event.type) {
      case 'run-start':
        run.runId = event.runId;
        run.debugLogFile = event.debugLog;
        changed = true;
        break;
      case 'step-start': {
        const step = run.steps.get(event.stepId) ?? { id: event.stepId, command: event.command, status: 'pending' as const };
        Object.assign(step, { status: 'running', plugin: event.plugin });
        run.steps.set(step.id, step);
        changed = true;
        break;
      }
      case 'step-end': {
        const step = run.steps.get(event.stepId) ?? { id: event.stepId, command: event.command, status: 'pending' as const };
        Object.assign(step, {
          status: event.status,
          plugin: event.plugin,
          durationMs: event.durationMs,
          error: event.error,
          reason: event.reason,
        });
        run.steps.set(step.id, step);
        changed = true;
        break;
      }
      case 'run-end':
        run.durationMs = event.durationMs;
        if (event.error) run.error = event.error;
        changed = true;
        break;
    }
    this.evented.fire({ run, event });
    if (changed) this.changed.fire(run);
  }

  finish(
    run: RunState,
    phase: Exclude<RunPhase, 'running'>,
    details: { recordFile?: string; debugLogFile?: string; error?: string },
  ): void {
    run.phase = phase;
    run.durationMs ??= Date.now() - run.startedAt;
    run.recordFile = details.recordFile ?? run.recordFile;
    run.debugLogFile = details.debugLogFile ?? run.debugLogFile;
    run.error = details.error ?? run.error;
    run.controller = undefined;
    for (const step of run.steps.values()) if (step.status === 'running') step.status = phase === 'cancelled' ? 'skipped' : 'failed';
    this.changed.fire(undefined);
  }

  clearFinished(): void {
    for (let i = this.runs.length - 1; i >= 0; i--) if (this.runs[i]!.phase !== 'running') this.runs.splice(i, 1);
    this.changed.fire(undefined);
  }

  private trim(): void {
    const kept = this.runsKept();
    for (let i = this.runs.length - 1; i >= 0 && this.runs.length > kept; i--)
      if (this.runs[i]!.phase !== 'running') this.runs.splice(i, 1);
  }

  dispose(): void {
    this.changed.dispose();
    this.evented.dispose();
  }
}
