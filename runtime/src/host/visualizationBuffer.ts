// `ctx.visualize()` must never block a plugin (spec section 4): points go into a bounded ring
// buffer and leave in batches. When the consumer falls behind (too many batches unacknowledged),
// the buffer keeps only the newest points and counts the ones it dropped.
import type { VisualizationPoint } from '../model/plugin';

export const BATCH_SIZE = 512;
export const FLUSH_INTERVAL_MS = 100;
export const BUFFER_CAPACITY = 10_000;
/** Batches in flight before the buffer holds points back. */
export const MAX_UNACKED_BATCHES = 8;

export interface BufferedPoint extends VisualizationPoint {
  time: number;
  callId?: number;
}

export class VisualizationBuffer {
  private points: BufferedPoint[] = [];
  private dropped = 0;
  private unacked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: (points: BufferedPoint[], dropped: number) => void) {}

  push(point: VisualizationPoint, callId?: number): void {
    if (!point || typeof point.chart !== 'string') {
      throw new TypeError('ctx.visualize: a point needs at least { chart: string, kind, value }');
    }
    this.points.push({ ...point, time: Date.now(), callId });
    if (this.points.length > BUFFER_CAPACITY) {
      const excess = this.points.length - BUFFER_CAPACITY;
      this.points.splice(0, excess);
      this.dropped += excess;
    }
    if (this.points.length >= BATCH_SIZE && this.unacked < MAX_UNACKED_BATCHES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Sends what is buffered (unless the consumer is saturated) and resets the drop count. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.points.length === 0 && this.dropped === 0) return;
    if (this.unacked >= MAX_UNACKED_BATCHES) {
      this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      return;
    }
    const batch = this.points;
    this.points = [];
    const dropped = this.dropped;
    this.dropped = 0;
    this.unacked++;
    this.send(batch, dropped);
  }

  acknowledge(): void {
    this.unacked = Math.max(0, this.unacked - 1);
  }
}
