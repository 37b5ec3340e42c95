// Live visualizations: the `metric` events (ctx.visualize) of the current run. Points are kept per
// chart in a bounded buffer and sent at most 30 times a second, only while the panel is visible; a
// hidden panel just keeps the latest points and gets a snapshot when it is shown again.
import type * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { MetricEvent } from '../../../runtime/src/model/events';
import { Config } from '../config';
import { PanelBase } from './panelBase';
import type { PanelState } from '../../webview/protocol';

const FRAME_MS = 1000 / 30;

export class VisualizationsPanel extends PanelBase {
  private readonly charts = new Map<string, MetricEvent[]>();
  private unsent: MetricEvent[] = [];
  private dropped = 0;
  private pipeline: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSent = 0;

  constructor(panel: vscode.WebviewPanel, ctx: Ctx, state: PanelState) {
    super('visualizations', panel, ctx.extension.extensionUri, state);
    // Seed with the latest run, so a panel opened after the run still has its charts.
    const latest = ctx.store.latest;
    if (latest) {
      this.pipeline = latest.pipeline;
      for (const event of latest.events) if (event.type === 'metric') this.keep(event);
    }
    this.disposables.push(
      ctx.store.onEvent(({ run, event }) => {
        if (event.type === 'run-start') {
          this.charts.clear();
          this.unsent = [];
          this.dropped = 0;
          this.pipeline = run.pipeline;
          this.snapshot();
        } else if (event.type === 'metric') {
          this.keep(event);
          // Hidden: only the bounded per-chart buffers grow; a snapshot follows when shown.
          if (!this.panel.visible) return;
          this.unsent.push(event);
          this.schedule();
        }
      }),
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  private get maxPoints(): number {
    return Config.for().pointsPerChart;
  }

  private keep(event: MetricEvent): void {
    const key = event.chart;
    let points = this.charts.get(key);
    if (!points) this.charts.set(key, (points = []));
    points.push(event);
    if (points.length > this.maxPoints) {
      points.splice(0, points.length - this.maxPoints);
      this.dropped++;
    }
  }

  private schedule(): void {
    if (this.timer || !this.panel.visible) return;
    const wait = Math.max(0, this.lastSent + FRAME_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastSent = Date.now();
      // Bounded however fast points arrive: never more than a chart's worth per chart in one frame.
      const points = this.unsent.length > this.maxPoints * Math.max(1, this.charts.size) ? [...this.charts.values()].flat() : this.unsent;
      const reset = points !== this.unsent;
      this.unsent = [];
      this.post({ type: 'metrics', points, reset, maxPoints: this.maxPoints, dropped: this.dropped, pipeline: this.pipeline });
    }, wait);
  }

  private snapshot(): void {
    this.unsent = [];
    this.post({
      type: 'metrics',
      points: [...this.charts.values()].flat().sort((a, b) => a.time - b.time),
      reset: true,
      maxPoints: this.maxPoints,
      dropped: this.dropped,
      pipeline: this.pipeline,
    });
  }

  protected onReady(): void {
    this.snapshot();
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible) this.snapshot();
  }
}
