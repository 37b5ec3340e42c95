// Debug plugins: the live event trace of the current run (calls, hooks, state writes, limits, logs),
// filterable in the webview, with the plugins.log location of a --debug-plugins run.
import type * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { AetherEvent } from '../../../runtime/src/model/events';
import type { RunState } from '../runs/runStore';
import { Config } from '../config';
import { PanelBase } from './panelBase';
import type { PanelState } from '../../webview/protocol';

export class DebugPluginsPanel extends PanelBase {
  private current: RunState | undefined;
  private unsent: AetherEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    state: PanelState,
  ) {
    super('debugPlugins', panel, ctx.extension.extensionUri, state);
    this.current = ctx.store.latest;
    this.disposables.push(
      ctx.store.onEvent(({ run, event }) => {
        if (event.type === 'run-start' || run !== this.current) {
          this.current = run;
          this.unsent = [];
          this.snapshot();
          return;
        }
        this.unsent.push(event);
        this.timer ??= setTimeout(() => this.flush(), 100);
      }),
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.panel.visible) {
      this.unsent = []; // a snapshot follows when shown
      return;
    }
    const max = Config.for().traceEvents;
    const events = this.unsent.length > max ? this.unsent.slice(-max) : this.unsent;
    this.unsent = [];
    this.post({
      type: 'debugEvents',
      events,
      reset: false,
      logFile: this.current?.debugLogFile,
      pipeline: this.current?.pipeline,
      maxEvents: max,
    });
  }

  private snapshot(): void {
    this.post({
      type: 'debugEvents',
      events: this.current?.events ?? [],
      reset: true,
      logFile: this.current?.debugLogFile,
      pipeline: this.current
        ? `${this.current.pipeline}${this.current.debug ? '' : ' (run without --debug-plugins: no plugins.log)'}`
        : undefined,
      maxEvents: Config.for().traceEvents,
    });
  }

  protected onReady(): void {
    this.snapshot();
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible) {
      this.unsent = [];
      this.snapshot();
    }
  }
}
