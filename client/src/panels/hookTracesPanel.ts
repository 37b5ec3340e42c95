// Hook traces: a timeline of one run's steps and hook calls. Finished runs are read from their record
// (`.aether/runs/<runId>.ndjson`); the live run streams its events as they come.
import * as vscode from 'vscode';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Ctx } from '../ctx';
import type { AetherEvent } from '../../../runtime/src/model/events';
import type { RunState } from '../runs/runStore';
import { PanelBase } from './panelBase';
import type { FromWebview, PanelState, RunChoice } from '../../webview/protocol';

const TIMELINE_TYPES = new Set([
  'run-start',
  'run-end',
  'step-start',
  'step-end',
  'hook-start',
  'hook-end',
  'plugin-load',
  'limit',
  'plugin-error',
]);
const RECORDS_LISTED = 30;

export class HookTracesPanel extends PanelBase {
  private pending: AetherEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    state: PanelState,
  ) {
    super('hookTraces', panel, ctx.extension.extensionUri, state);
    this.disposables.push(
      ctx.store.onDidChange(() => void this.sendRuns()),
      ctx.store.onEvent(({ run, event }) => this.live(run, event)),
      { dispose: () => clearTimeout(this.flushTimer) },
    );
  }

  /** Shows one run: by the editor's run key, or the latest one. */
  select(runKey?: number): void {
    const run = runKey === undefined ? this.ctx.store.latest : this.ctx.store.byKey(runKey);
    const file = run ? this.fileOf(run) : undefined;
    if (file) {
      this.state = { ...this.state, runFile: file };
      void this.sendRun(file);
      void this.sendRuns();
    }
  }

  protected onReady(): void {
    void this.sendRuns().then(() => {
      const file = this.state.runFile ?? (this.ctx.store.latest && this.fileOf(this.ctx.store.latest));
      if (file) void this.sendRun(file);
      else
        void this.firstRecord().then((first) => {
          if (first) void this.sendRun(first);
        });
    });
  }

  protected override onMessage(message: FromWebview): void {
    if (message.type === 'selectRun') {
      this.state = { ...this.state, runFile: message.file };
      void this.sendRun(message.file);
    } else if (message.type === 'refresh') this.onReady();
  }

  private fileOf(run: RunState): string | undefined {
    return run.recordFile ?? (run.runId ? `live:${run.key}` : undefined);
  }

  private async records(): Promise<string[]> {
    const uris = await vscode.workspace.findFiles('**/.aether/runs/*.ndjson', '**/node_modules/**', 500);
    // Run ids start with a UTC timestamp: name order is time order.
    return uris
      .map((u) => u.fsPath)
      .sort((a, b) => path.basename(b).localeCompare(path.basename(a)))
      .slice(0, RECORDS_LISTED);
  }

  private async firstRecord(): Promise<string | undefined> {
    return (await this.records())[0];
  }

  private async sendRuns(): Promise<void> {
    const runs: RunChoice[] = [];
    const seen = new Set<string>();
    for (const run of this.ctx.store.all()) {
      const file = this.fileOf(run);
      if (!file) continue;
      seen.add(file);
      runs.push({
        file,
        label: `${run.pipeline} · ${run.phase} · ${new Date(run.startedAt).toLocaleTimeString()}`,
        live: run.phase === 'running',
      });
    }
    for (const file of await this.records()) {
      if (seen.has(file)) continue;
      runs.push({
        file,
        label: `${path.basename(file, '.ndjson')} · ${vscode.workspace.asRelativePath(path.dirname(path.dirname(path.dirname(file))))}`,
        live: false,
      });
    }
    this.post({ type: 'runs', runs, selected: this.state.runFile });
  }

  private async sendRun(file: string): Promise<void> {
    let events: AetherEvent[];
    if (file.startsWith('live:')) {
      const run = this.ctx.store.byKey(Number(file.slice(5)));
      if (run?.recordFile) return this.sendRun(run.recordFile);
      events = run?.events ?? [];
    } else {
      try {
        const text = await readFile(file, 'utf8');
        events = text
          .split('\n')
          .filter((line) => line.trim())
          .flatMap((line) => {
            try {
              return [JSON.parse(line) as AetherEvent];
            } catch {
              return []; // a run still being written may end in half a line
            }
          });
      } catch (error) {
        void vscode.window.showWarningMessage(`AetherScript: cannot read run record ${file}: ${(error as Error).message}`);
        events = [];
      }
    }
    this.post({ type: 'traceEvents', file, events: events.filter((e) => TIMELINE_TYPES.has(e.type)), reset: true });
  }

  private live(run: RunState, event: AetherEvent): void {
    if (!TIMELINE_TYPES.has(event.type)) return;
    const file = this.fileOf(run);
    if (event.type === 'run-start') {
      // A new run takes over the timeline.
      this.state = { ...this.state, runFile: file };
      this.pending = [];
      void this.sendRuns();
      if (file) this.post({ type: 'traceEvents', file, events: [event], reset: true });
      return;
    }
    if (!file || file !== this.state.runFile) return;
    this.pending.push(event);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.panel.visible) {
        this.pending = []; // resent in full when shown
        return;
      }
      this.post({ type: 'traceEvents', file, events: this.pending, reset: false });
      this.pending = [];
    }, 100);
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible && this.state.runFile) {
      this.pending = [];
      void this.sendRun(this.state.runFile);
    }
  }
}
